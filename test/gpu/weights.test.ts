// Weights saved as safetensors load into a fresh session and give identical outputs.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { Rng } from '../../runtime/random.ts';
import { Session } from '../../runtime/session.ts';
import { loadWeights, saveWeights } from '../../runtime/weights-node.ts';
import { useDevice } from '../helpers/gpu.ts';

const SOURCE = `model m {
  input x: f32[6]
  input y: class[3]
  logits = x -> dense(9, activation: relu) -> dense(3)
  output logits
}
train m { loss = cross_entropy(logits, y); optimizer = sgd(lr: 0.1); batch = 4; seed = 2 }`;

describe('weights round trip', () => {
  const device = useDevice('gles');
  it('save after training, load into a new session: same forward outputs; wrong shapes refused', async (t) => {
    const h = device();
    if (!h) return t.skip();
    const art = compile(SOURCE).artifact!;
    const rng = new Rng(1);
    const x = Float32Array.from({ length: 24 }, () => rng.normal());
    const y = Int32Array.from([0, 1, 2, 1]);
    const a = await Session.create(art, h.device);
    for (let i = 0; i < 5; i++) await a.trainStep({ x, y });
    const path = join(mkdtempSync(join(tmpdir(), 'dlc-w-')), 'w.safetensors');
    await saveWeights(a, path);
    const before = (await a.run('forward', { x }, ['logits'])).logits!;
    const b = await Session.create(art, h.device);
    const fresh = (await b.run('forward', { x }, ['logits'])).logits!;
    expect(fresh).not.toEqual(before);
    const meta = await loadWeights(b, path);
    expect(meta.step).toBe('5');
    expect((await b.run('forward', { x }, ['logits'])).logits!).toEqual(before);
    const other = await Session.create(compile(SOURCE.replace('dense(9', 'dense(8')).artifact!, h.device);
    await expect(loadWeights(other, path)).rejects.toThrow(`${path}: 'dense_1.kernel' has shape [6, 9], the model expects [6, 8]`);
    for (const s of [a, b, other]) s.dispose();
  });
});
