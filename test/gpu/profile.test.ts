// profileKernels times each kernel alone and has the same effect as one ordinary step.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { Rng } from '../../runtime/random.ts';
import { profileKernels } from '../../runtime/inspect.ts';
import { Session } from '../../runtime/session.ts';
import { useDevice } from '../helpers/gpu.ts';

const SOURCE = `model m {
  input x: f32[7]
  input y: class[3]
  logits = x -> dense(5, activation: tanh) -> dense(3)
  output logits
}
train m { loss = cross_entropy(logits, y); optimizer = adam(lr: 0.01); batch = 4; seed = 3 }`;

describe('profileKernels', () => {
  const device = useDevice('gles');
  it('names every kernel of the program once, in order, and updates the weights as trainStep does', async (t) => {
    const h = device();
    if (!h) return t.skip();
    const art = compile(SOURCE).artifact!;
    const rng = new Rng(4);
    const x = Float32Array.from({ length: 28 }, () => rng.normal());
    const y = Int32Array.from([0, 2, 1, 2]);
    const stepped = await Session.create(art, h.device);
    const profiled = await Session.create(art, h.device);
    for (let i = 0; i < 3; i++) await stepped.trainStep({ x, y });
    const times = [];
    for (let i = 0; i < 3; i++) times.push(await profileKernels(profiled, 'train_step', { x, y }));
    const names = art.manifest.programs.train_step.kernels.map((k) => art.manifest.kernels[k]!.name);
    for (const p of times) {
      expect(p.map((e) => e.kernel)).toEqual(names);
      for (const e of p) expect(e.ms).toBeGreaterThan(0);
    }
    const a = await stepped.weights();
    const b = await profiled.weights();
    for (const [name, w] of a) expect(b.get(name), name).toEqual(w);
    stepped.dispose();
    profiled.dispose();
  });
});
