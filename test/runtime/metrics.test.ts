// Metrics from predictions: macro precision, recall and F1 from a confusion matrix (checked by hand
// and at the edge cases), MAE and RMSE.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { evaluate, predict } from '../../runtime/fit.ts';
import { ConfusionMatrix, RegressionErrors } from '../../runtime/metrics.ts';
import { argmax } from '../../runtime/predictions.ts';
import { Rng } from '../../runtime/random.ts';
import { Session } from '../../runtime/session.ts';
import { useDevice } from '../helpers/gpu.ts';

describe('metrics', () => {
  it('macro precision, recall and F1 match a hand computation', () => {
    const cm = new ConfusionMatrix(3);
    // truth → predicted: class 0: 3 right, 1 as 1; class 1: 2 right; class 2: 1 right, 1 as 0.
    for (const [t, p] of [[0, 0], [0, 0], [0, 0], [0, 1], [1, 1], [1, 1], [2, 2], [2, 0]]) cm.add(t!, p!);
    expect(cm.counts).toEqual([[3, 1, 0], [0, 2, 0], [1, 0, 1]]);
    const s = cm.scores();
    const prec = [3 / 4, 2 / 3, 1 / 1];
    const rec = [3 / 4, 2 / 2, 1 / 2];
    const f1 = prec.map((p, i) => (2 * p * rec[i]!) / (p + rec[i]!));
    expect(s.precision).toBeCloseTo((prec[0]! + prec[1]! + prec[2]!) / 3, 12);
    expect(s.recall).toBeCloseTo((rec[0]! + rec[1]! + rec[2]!) / 3, 12);
    expect(s.f1).toBeCloseTo((f1[0]! + f1[1]! + f1[2]!) / 3, 12);
  });
  it('a class never predicted scores precision 0 and F1 0, without dividing by zero', () => {
    const cm = new ConfusionMatrix(2);
    cm.add(0, 0);
    cm.add(1, 0);
    expect(cm.scores()).toEqual({ precision: 0.25, recall: 0.5, f1: (2 * 0.5 * 1) / 1.5 / 2 });
  });
  it('MAE and RMSE; argmax takes the first maximum', () => {
    const r = new RegressionErrors();
    for (const [p, t] of [[1, 0], [0, 2], [3, 3]]) r.add(p!, t!);
    expect(r.scores().mae).toBeCloseTo(1, 12);
    expect(r.scores().rmse).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(argmax([0, 5, 2, 5], 0, 4)).toBe(1);
    expect(argmax([9, 0, 5, 2], 1, 3)).toBe(1);
  });
});

describe('metrics in the train section', () => {
  const src = (loss: string, metrics: string, target = 'input y: class[3]') => `model m {
  input x: f32[4]
  ${target}
  p = x -> dense(3)
  output p
}
train m { loss = ${loss}; optimizer = sgd(lr: 0.1); batch = 8; metrics = [${metrics}] }`;
  it('refuse a metric the loss cannot give, at the loss', () => {
    expect(compile(src('cross_entropy(p, y)', 'accuracy, mae')).diagnostics.map((d) => d.message))
      .toEqual(['mae is a regression metric (an mse loss); for classes use precision, recall, f1, confusion_matrix']);
    expect(compile(src('mse(p, y)', 'f1', 'input y: f32[3]')).diagnostics.map((d) => d.message))
      .toEqual(['f1 needs class labels (a cross_entropy or binary_cross_entropy loss)']);
    expect(compile(src('cross_entropy(p, y)', 'f2')).diagnostics.map((d) => d.message)[0]).toBe(
      "unknown metric 'f2'; did you mean 'f1'? (supported: accuracy, loss, precision, recall, f1, confusion_matrix, mae, rmse)");
  });

  const device = useDevice('gles');
  it('evaluate gives MAE and RMSE of the predictions it returns (regression), over a padded last batch', async (t) => {
    const h = device();
    if (!h) return t.skip();
    const s = await Session.create(compile(src('mse(p, y)', 'mae, rmse', 'input y: f32[3]')).artifact!, h.device);
    const rng = new Rng(2);
    const count = 13;
    const data = { count, tensors: { x: Float32Array.from({ length: count * 4 }, () => rng.normal()), y: Float32Array.from({ length: count * 3 }, () => rng.normal()) } };
    const ev = await evaluate(s, data);
    const p = (await predict(s, data)).p!;
    const errs = Array.from(p, (v, i) => v - data.tensors.y[i]!);
    expect(ev.mae).toBeCloseTo(errs.reduce((a, e) => a + Math.abs(e), 0) / errs.length, 5);
    expect(ev.rmse).toBeCloseTo(Math.sqrt(errs.reduce((a, e) => a + e * e, 0) / errs.length), 5);
    expect(ev.loss).toBeCloseTo((ev.rmse! ** 2), 4); // mse per row averaged over rows = mean squared error
    s.dispose();
  });
});
