// Pipelines are compiled once per device and process: a second session of the same artifact, or of
// another artifact with the same kernels, creates none.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { pipelinesCreated } from '../../runtime/pipeline-cache.ts';
import { Session } from '../../runtime/session.ts';
import { useDevice } from '../helpers/gpu.ts';

const SOURCE = (units: number): string => `model m {
  input x: f32[6]
  input y: class[3]
  logits = x -> dense(${units}, activation: relu) -> dense(3)
  output logits
}
train m { loss = cross_entropy(logits, y); optimizer = sgd(lr: 0.1); batch = 4 }`;

describe('pipeline cache', () => {
  const device = useDevice('gles');
  it('a second session of the same artifact creates no pipeline; a different network creates new ones', async (t) => {
    const h = device();
    if (!h) return t.skip();
    const art = compile(SOURCE(9)).artifact!;
    const before = pipelinesCreated(h.device);
    const a = await Session.create(art, h.device);
    const first = pipelinesCreated(h.device);
    expect(first).toBeGreaterThan(before);
    const b = await Session.create(compile(SOURCE(9)).artifact!, h.device);
    expect(pipelinesCreated(h.device)).toBe(first);
    const c = await Session.create(compile(SOURCE(11)).artifact!, h.device);
    expect(pipelinesCreated(h.device)).toBeGreaterThan(first);
    // Shared pipelines, separate buffers: training one session leaves the other as it was.
    const x = Float32Array.from({ length: 24 }, (_, i) => Math.sin(i));
    const y = Int32Array.from([0, 1, 2, 1]);
    const w0 = await b.weights();
    await a.trainStep({ x, y });
    const w1 = await b.weights();
    for (const [name, w] of w0) expect(w1.get(name), name).toEqual(w);
    expect(await a.weights()).not.toEqual(w0);
    for (const s of [a, b, c]) s.dispose();
  });
});
