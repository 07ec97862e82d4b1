// Accuracy with one-hot targets, Keras' categorical_accuracy (which "accuracy" means with
// categorical_crossentropy): 1 where argmax(prediction) equals argmax(target), first maximum winning
// in each. On the float64 interpreter it equals the sparse accuracy of the same samples as labels.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../runtime/random.ts';
import { compiles, errors } from '../helpers/compile-source.ts';
import { ReferenceRun } from '../helpers/reference.ts';

const B = 7;
const K = 4;
const net = (target: string, metrics = 'accuracy, f1') => `model m {
  input x: f32[5]
  input t: ${target}
  logits = x -> dense(6, activation: tanh) -> dense(${K})
  output logits
}
train m { loss = cross_entropy(logits, t); optimizer = sgd(lr: 0.1); batch = ${B}; seed = 4; metrics = [${metrics}] }`;

describe('accuracy with one-hot targets (Keras categorical_accuracy)', () => {
  const rng = new Rng(8);
  const x = Float32Array.from({ length: B * 5 }, () => rng.normal());
  const labels = Int32Array.from({ length: B }, () => rng.int(K));
  const oneHot = Float32Array.from({ length: B * K }, (_, k) => (labels[Math.floor(k / K)] === k % K ? 1 : 0));

  it('is argmax(prediction) == argmax(target) per sample, the sparse accuracy of the same labels', () => {
    const dense = new ReferenceRun(compiles(net(`f32[${K}]`)));
    const sparse = new ReferenceRun(compiles(net(`class[${K}]`)));
    const out = dense.run('eval', { x, t: oneHot });
    const logits = dense.run('forward', { x }).logits!.data;
    const want = Array.from(labels, (l, r) => {
      let best = 0;
      for (let j = 1; j < K; j++) if (logits[r * K + j]! > logits[r * K + best]!) best = j;
      return best === l ? 1 : 0;
    });
    expect(Array.from(out.correct_rows!.data)).toEqual(want);
    expect(Array.from(sparse.run('eval', { x, t: labels }).correct_rows!.data)).toEqual(want);
    // Both outcomes occur, so the comparison is not trivially all 0 or all 1.
    expect(new Set(want).size).toBe(2);
  });

  it('a smoothed or soft target counts as the class of its maximum', () => {
    const ref = new ReferenceRun(compiles(net(`f32[${K}]`)));
    const soft = Float32Array.from(oneHot, (v) => 0.1 + 0.5 * v);
    expect(Array.from(ref.run('eval', { x, t: soft }).correct_rows!.data)).toEqual(Array.from(ref.run('eval', { x, t: oneHot }).correct_rows!.data));
  });

  it('a regression metric with one-hot targets names the class metrics', () => {
    expect(errors(net(`f32[${K}]`, 'accuracy, mae'))).toBe(`net.dl:7:18: error: mae is a regression metric (an mse, mae or huber loss); for classes use accuracy, precision, recall, f1, confusion_matrix
 7 | train m { loss = cross_entropy(logits, t); optimizer = sgd(lr: 0.1); batch = 7; seed = 4; metrics = [accuracy, mae] }
   |                  ^^^^^^^^^^^^^^^^^^^^^^^^`);
  });
});
