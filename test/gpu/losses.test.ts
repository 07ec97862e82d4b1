// One-hot and label-smoothed cross-entropy and Huber's loss train on each adapter along the
// float64 interpreter's loss curve (their formulas are pinned in test/compiler/losses.test.ts).
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { Rng } from '../../runtime/random.ts';
import { Session } from '../../runtime/session.ts';
import { ADAPTERS, useDevice } from '../helpers/gpu.ts';
import { ReferenceRun } from '../helpers/reference.ts';

const B = 7;
const STEPS = 5;
const source = (loss: string) => `model m {
  input x: f32[6]
  input t: f32[5]
  input c: class[5]
  p = x -> dense(12, activation: tanh) -> dense(5)
  output p
}
train m { loss = ${loss}; optimizer = adam(lr: 0.05); batch = ${B}; seed = 4 }`;
const LOSSES = ['categorical_crossentropy(p, t, label_smoothing: 0.1)', 'cross_entropy(p, c, label_smoothing: 0.2)', 'huber(p, t, delta: 0.5)', 'mae(p, t)'];

function batches() {
  const rng = new Rng(21);
  return Array.from({ length: STEPS }, () => {
    const c = Int32Array.from({ length: B }, () => rng.int(5));
    return {
      x: Float32Array.from({ length: B * 6 }, () => rng.normal()),
      c,
      t: Float32Array.from({ length: B * 5 }, (_, k) => (c[Math.floor(k / 5)] === k % 5 ? 1 : 0)),
    };
  });
}

for (const adapter of ADAPTERS) {
  describe(`losses on ${adapter}`, () => {
    const device = useDevice(adapter);
    for (const loss of LOSSES) {
      it(`${loss}: ${STEPS} steps follow the float64 loss curve to 1e-4`, async (t) => {
        const h = device();
        if (!h) return t.skip();
        const r = compile(source(loss), { file: 'loss.dl' });
        expect(r.diagnostics).toEqual([]);
        const ref = new ReferenceRun(r);
        const s = await Session.create(r.artifact!, h.device);
        try {
          for (const [k, b] of batches().entries()) {
            const want = ref.trainStep(b);
            const got = (await s.trainStep(b, { readLoss: true }))!;
            expect(Math.abs(got - want) / Math.abs(want), `step ${k + 1}: gpu ${got}, float64 ${want}`).toBeLessThan(1e-4);
          }
        } finally {
          s.dispose();
        }
      }, 120_000);
    }
  });
}
