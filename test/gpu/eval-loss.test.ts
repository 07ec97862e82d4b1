// evaluate() on each adapter includes the regularisation penalty, as Keras does: on the training
// batch it equals the loss the next train step reports (computed before its update).
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { evaluate } from '../../runtime/fit.ts';
import { Rng } from '../../runtime/random.ts';
import { Session } from '../../runtime/session.ts';
import { ADAPTERS, useDevice } from '../helpers/gpu.ts';

const B = 9;
const SOURCE = `model m {
  input x: f32[6]
  input y: class[4]
  p = x -> dense(16, activation: relu) -> dense(4)
  output p
}
train m { loss = cross_entropy(p, y); optimizer = adam(lr: 0.01); regularize = l1_l2(l1: 0.001, l2: 0.01); batch = ${B}; seed = 3 }`;

for (const adapter of ADAPTERS) {
  describe(`evaluate on ${adapter}`, () => {
    const device = useDevice(adapter);
    it('equals the train loss of the same batch, penalty included', async (t) => {
      const h = device();
      if (!h) return t.skip();
      const r = compile(SOURCE, { file: 'reg.dl' });
      expect(r.diagnostics).toEqual([]);
      const s = await Session.create(r.artifact!, h.device);
      try {
        const rng = new Rng(5);
        for (let step = 0; step < 2; step++) {
          const x = Float32Array.from({ length: B * 6 }, () => rng.normal());
          const y = Int32Array.from({ length: B }, () => rng.int(4));
          const ev = await evaluate(s, { count: B, tensors: { x, y } });
          const train = (await s.trainStep({ x, y }, { readLoss: true }))!;
          expect(Math.abs(ev.loss - train) / train, `step ${step + 1}: evaluate ${ev.loss}, train ${train}`).toBeLessThan(1e-5);
        }
      } finally {
        s.dispose();
      }
    }, 120_000);
  });
}
