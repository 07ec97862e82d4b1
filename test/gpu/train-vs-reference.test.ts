// A 3-layer network trained 20 steps on each adapter follows the float64 interpreter's loss curve.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { Rng } from '../../runtime/random.ts';
import { Session } from '../../runtime/session.ts';
import { ADAPTERS, useDevice } from '../helpers/gpu.ts';
import { ReferenceRun } from '../helpers/reference.ts';

// Dropout, L2, a broadcast residual-free 3-layer stack, Adam: most of the train step's machinery.
const SOURCE = `
model three {
  input x: f32[12]
  input y: class[5]
  h = x -> dense(24) -> tanh -> dense(17, activation: relu) -> dropout(0.25)
  logits = h -> dense(5)
  output logits
}
train three {
  loss = cross_entropy(logits, y)
  optimizer = adam(lr: 0.01)
  regularize = l2(0.001)
  batch = 19
  metrics = [accuracy]
  seed = 5
}`;
const STEPS = 20;

/** Per-step batches: fixed random inputs and labels. */
function batches(B: number): { x: Float32Array; y: Int32Array }[] {
  const rng = new Rng(99);
  return Array.from({ length: STEPS }, () => ({
    x: Float32Array.from({ length: B * 12 }, () => rng.normal()),
    y: Int32Array.from({ length: B }, () => rng.int(5)),
  }));
}

/** The reference: the same graph, run by the float64 interpreter, from the same initial values. */
function referenceCurve(): number[] {
  const r = compile(SOURCE, { file: 'three.dl' });
  const ref = new ReferenceRun(r);
  return batches(r.artifact!.manifest.batch).map((b) => ref.trainStep({ x: b.x, y: b.y }));
}

describe('training follows the reference interpreter', () => {
  const ref = referenceCurve();

  it('the reference itself learns (the loss falls)', () => {
    expect(ref[STEPS - 1]!).toBeLessThan(ref[0]! * 0.9);
  });

  for (const adapter of ADAPTERS) {
    describe(adapter, () => {
      const device = useDevice(adapter);
      it(`${STEPS} steps match the float64 loss curve to 1e-4 relative`, async (t) => {
        const h = device();
        if (!h) return t.skip();
        const r = compile(SOURCE, { file: 'three.dl' });
        const s = await Session.create(r.artifact!, h.device);
        const gpu: number[] = [];
        for (const b of batches(r.artifact!.manifest.batch)) gpu.push((await s.trainStep({ x: b.x, y: b.y }, { readLoss: true }))!);
        s.dispose();
        for (let k = 0; k < STEPS; k++) expect(Math.abs(gpu[k]! - ref[k]!) / Math.abs(ref[k]!), `step ${k + 1}: gpu ${gpu[k]} ref ${ref[k]}`).toBeLessThan(1e-4);
      });
    });
  }
});
