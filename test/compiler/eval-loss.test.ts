// Evaluation losses include the regularisation penalty, as Keras' evaluate() and val_loss do: on
// the training batch, with no dropout, the eval loss equals the train loss before the step.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { Rng } from '../../runtime/random.ts';
import { ReferenceRun } from '../helpers/reference.ts';

const B = 6;
const net = (loss: string, regularize: string) => `model m {
  input x: f32[5]
  input c: class[3]
  input t: f32[3]
  h = x -> dense(7, activation: tanh) -> dense(4)
  p = h -> relu -> dense(3)
  output p
}
train m { loss = ${loss}; optimizer = sgd(lr: 0.3); ${regularize}; batch = ${B}; seed = 7 }`;

const batch = (rng: Rng) => ({
  x: Float32Array.from({ length: B * 5 }, () => rng.normal()),
  c: Int32Array.from({ length: B }, () => rng.int(3)),
  t: Float32Array.from({ length: B * 3 }, () => rng.normal()),
});

const mean = (xs: ArrayLike<number>): number => Array.from(xs).reduce((a, b) => a + b, 0) / xs.length;

describe('the eval loss', () => {
  for (const loss of ['cross_entropy(p, c)', 'mse(p, t)']) {
    for (const reg of ['regularize = l2(0.01)', 'regularize = l1(0.003)', 'regularize = l1_l2(l1: 0.002, l2: 0.02)', 'epochs = 1']) {
      it(`equals the train loss before the step on the same batch: ${loss}, ${reg}`, () => {
        const r = compile(net(loss, reg));
        expect(r.diagnostics).toEqual([]);
        const ref = new ReferenceRun(r);
        const rng = new Rng(11);
        for (let step = 0; step < 3; step++) {
          const b = batch(rng);
          const evalLoss = mean(ref.run('eval', b).loss_rows!.data);
          const trainLoss = ref.trainStep(b);
          expect(Math.abs(evalLoss - trainLoss), `step ${step + 1}: eval ${evalLoss}, train ${trainLoss}`).toBeLessThan(1e-12 * Math.abs(trainLoss));
        }
      });
    }
  }

  it('without regularisation its rows are the per-sample losses (no penalty nodes in eval)', () => {
    const g = compile(net('mse(p, t)', 'epochs = 1')).graph!;
    expect(g.programs.eval.nodes.map((id) => g.nodes[id]!).filter((n) => n.layer === 'regularize')).toEqual([]);
    const withL2 = compile(net('mse(p, t)', 'regularize = l2(0.01)')).graph!;
    expect(withL2.programs.eval.nodes.map((id) => withL2.nodes[id]!).filter((n) => n.layer === 'regularize').length).toBeGreaterThan(0);
  });
});
