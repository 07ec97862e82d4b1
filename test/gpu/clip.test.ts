// Gradient clipping: by global norm (one squared norm all updates read) and by value (a clamp inside
// the update). The GPU follows the float64 interpreter, and the clipping really changes the step.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { Rng } from '../../runtime/random.ts';
import { Session } from '../../runtime/session.ts';
import { useDevice } from '../helpers/gpu.ts';
import { ReferenceRun } from '../helpers/reference.ts';

const SOURCE = (clip: string, opt = 'sgd(lr: 0.5)') => `model m {
  input x: f32[6]
  input y: class[3]
  logits = x -> dense(7, activation: tanh) -> dense(3)
  output logits
}
train m { loss = cross_entropy(logits, y); optimizer = ${opt}; batch = 5; seed = 8; ${clip} }`;

const rng = new Rng(3);
const x = Float32Array.from({ length: 30 }, () => rng.normal() * 3);
const y = Int32Array.from({ length: 5 }, (_, i) => i % 3);

describe('gradient clipping', () => {
  const device = useDevice('gles');
  for (const [clip, opt] of [['clip = global_norm(0.05)', 'sgd(lr: 0.5)'], ['clip = value(0.002)', 'sgd(lr: 0.5)'], ['clip = global_norm(0.1)', 'adam(lr: 0.01)']] as const) {
    it(`${clip} with ${opt}: 4 GPU steps follow the reference, which differs from the unclipped run`, async (t) => {
      const h = device();
      if (!h) return t.skip();
      const r = compile(SOURCE(clip, opt));
      expect(r.diagnostics).toEqual([]);
      const m = r.artifact!.manifest;
      expect(m.programs.train_step.kernels.map((k) => m.kernels[k]!.name)).toContain(`${opt.slice(0, opt.indexOf('('))}:all parameters`);
      const ref = new ReferenceRun(r);
      const plain = new ReferenceRun(compile(SOURCE('', opt)));
      const s = await Session.create(r.artifact!, h.device);
      for (let k = 0; k < 4; k++) {
        ref.trainStep({ x, y });
        plain.trainStep({ x, y });
        await s.trainStep({ x, y });
      }
      const w = await s.weights();
      for (const p of m.params) {
        const want = ref.tensor(p.name);
        const got = w.get(p.name)!;
        const err = Math.hypot(...Array.from(got, (v, i) => v - want[i]!)) / Math.hypot(...want);
        expect(err, p.name).toBeLessThan(1e-5);
      }
      const moved = m.params.some((p) => ref.tensor(p.name).some((v: number, i: number) => Math.abs(v - plain.tensor(p.name)[i]!) > 1e-4));
      expect(moved).toBe(true);
      s.dispose();
    });
  }

  it('by global norm, one SGD step moves the parameters by exactly lr · limit when the gradient is larger', async (t) => {
    const h = device();
    if (!h) return t.skip();
    const r = compile(SOURCE('clip = global_norm(0.05)'));
    const s = await Session.create(r.artifact!, h.device);
    const before = await s.weights();
    await s.trainStep({ x, y });
    const after = await s.weights();
    const step = Math.hypot(...[...before].flatMap(([name, v]) => Array.from(v, (b, i) => after.get(name)![i]! - b)));
    expect(step / 0.5).toBeCloseTo(0.05, 5);
    s.dispose();
  });
});
