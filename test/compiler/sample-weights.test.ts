// Keras' sample and class weights: with the default `sum_over_batch_size` reduction the loss of a
// batch is Σᵢ wᵢ·ℓᵢ / B (keras/src/losses/loss.py reduce_weighted_values), wᵢ the sample weight or
// the weight of the sample's class (data_adapter_utils.class_weight_to_sample_weights: a label, the
// argmax of a target row, or one target value rounded half to even; 1 for a class not listed).
// The float64 interpreter's loss and one SGD step are held to that formula written out here.
import { describe, expect, it } from 'vitest';
import { formatLoss } from '../../cli/train-text.ts';
import { compile } from '../../compiler/compile.ts';
import { formatDiagnostics } from '../../dsl/diagnostics.ts';
import { Rng } from '../../runtime/random.ts';
import { compiles } from '../helpers/compile-source.ts';
import { ReferenceRun } from '../helpers/reference.ts';

const B = 6;
const K = 3;
const net = (loss: string, extra = '') => `model m {
  input x: f32[4]
  input c: class[${K}]
  input t: f32[${K}]
  input y: f32[1]
  input w: f32[1]
  p = x -> dense(${K}, use_bias: false)
  q = x -> dense(1, use_bias: false)
  output p, q
}
train m {
  loss = ${loss}
  optimizer = sgd(lr: 1)
  batch = ${B}
  seed = 5${extra ? `\n  ${extra}` : ''}
}`;

const rng = new Rng(31);
const x = Float32Array.from({ length: B * 4 }, () => rng.normal());
const c = Int32Array.from([0, 2, 1, 2, 2, 0]);
const t = Float32Array.from({ length: B * K }, (_, k) => (c[Math.floor(k / K)] === k % K ? 1 : 0));
// Rounded half to even: 0.5 → 0, 1.5 → 2, 2.5 → 2, −0.5 → −0 (class 0); 3.2 and −1.2 are no class.
const y = Float32Array.from([0.5, 1.5, 2.5, -0.5, 3.2, -1.2]);
const w = Float32Array.from([0.5, 2, 0, 1, 3.25, 0.125]);
const feed = { x, c, t, y, w };

/** x·W for a kernel [4, n]. */
const matmul = (kernel: ArrayLike<number>, n: number): number[] =>
  Array.from({ length: B * n }, (_, q) => {
    const [i, j] = [Math.floor(q / n), q % n];
    let s = 0;
    for (let k = 0; k < 4; k++) s += x[i * 4 + k]! * kernel[k * n + j]!;
    return s;
  });
const crossEntropy = (kernel: ArrayLike<number>): number[] => {
  const z = matmul(kernel, K);
  return Array.from({ length: B }, (_, i) => {
    const row = z.slice(i * K, i * K + K);
    const m = Math.max(...row);
    return m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0)) - row[c[i]!]!;
  });
};
const squared = (kernel: ArrayLike<number>): number[] => matmul(kernel, 1).map((p, i) => (p - y[i]!) ** 2);

/** The loss, Σ wᵢ·ℓᵢ / B, and one SGD step (lr 1) against central differences of it. */
function holdsTo(src: string, kernelName: string, rows: (kernel: ArrayLike<number>) => number[], weights: number[]): void {
  const ref = new ReferenceRun(compiles(src));
  const k0 = ref.tensor(kernelName);
  const lossOf = (kernel: ArrayLike<number>): number => rows(kernel).reduce((s, l, i) => s + weights[i]! * l, 0) / B;
  expect(Math.abs(ref.trainStep(feed) - lossOf(k0))).toBeLessThan(1e-12);
  const k1 = ref.tensor(kernelName);
  for (let q = 0; q < k0.length; q++) {
    const h = 1e-6;
    const fd = (lossOf(k0.map((v, j) => (j === q ? v + h : v))) - lossOf(k0.map((v, j) => (j === q ? v - h : v)))) / (2 * h);
    expect(Math.abs(k0[q]! - k1[q]! - fd), `${kernelName}[${q}]`).toBeLessThan(1e-7);
  }
}

describe('sample weights (Keras sample_weight)', () => {
  it('cross_entropy: loss Σ wᵢ·ℓᵢ / B and its gradient; eval rows wᵢ·ℓᵢ', () => {
    const src = net('cross_entropy(p, c, sample_weight: w)');
    holdsTo(src, 'dense_1.kernel', crossEntropy, [...w]);
    const ref = new ReferenceRun(compiles(src));
    const rows = ref.run('eval', feed).loss_rows!.data;
    const want = crossEntropy(ref.tensor('dense_1.kernel'));
    for (let i = 0; i < B; i++) expect(Math.abs(rows[i]! - w[i]! * want[i]!), `row ${i}`).toBeLessThan(1e-12);
  });

  it('mse: loss Σ wᵢ·(pᵢ − yᵢ)² / B and its gradient', () => {
    holdsTo(net('mse(q, y, sample_weight: w)'), 'dense_2.kernel', squared, [...w]);
  });

  it('fused and unfused programs train to the same float64 losses', () => {
    const src = net('cross_entropy(p, c, sample_weight: w)', 'metrics = [accuracy]');
    const [a, b] = [new ReferenceRun(compile(src, { fuse: false })), new ReferenceRun(compiles(src))];
    for (let step = 0; step < 3; step++) {
      const [la, lb] = [a.trainStep(feed), b.trainStep(feed)];
      expect(Math.abs(la - lb)).toBeLessThan(1e-12 * Math.abs(la));
    }
  });

  it('weighted cross-entropy stays one fused head kernel (loss, gradient and sums), the weights one input of it', () => {
    for (const src of [net('cross_entropy(p, c, sample_weight: w)', 'metrics = [accuracy]'), net('cross_entropy(p, c)', 'class_weight = [1, 2, 3]')]) {
      const g = compiles(src).graph!;
      const ops = g.programs.train_step.nodes.map((id) => g.nodes[id]!.op);
      expect(ops.filter((op) => op === 'softmax_ce_head')).toHaveLength(1);
      expect(ops).not.toContain('softmax_ce');
      expect(ops).not.toContain('softmax_ce_bwd');
      const head = g.nodes.find((n) => n.op === 'softmax_ce_head')!;
      expect(head.attrs.weighted).toBe(true);
    }
  });

  it('the manifest and dlc check name the weight input', () => {
    const m = compiles(net('mse(q, y, sample_weight: w)')).artifact!.manifest;
    expect(m.train.sampleWeight).toBe('w');
    expect(formatLoss(m.train)).toBe('mse(q, y, sample_weight: w)');
    // The forward program does not read it.
    expect(m.programs.forward.inputs).not.toContain('w');
    expect(m.programs.train_step.inputs).toContain('w');
  });
});

describe('class weights (Keras fit(class_weight=…))', () => {
  const cw = [0.5, 4, 1.5];
  it('class labels: each sample weighs its class; eval and val_loss are unweighted, as Keras', () => {
    const src = net('cross_entropy(p, c)', `class_weight = [${cw.join(', ')}]`);
    holdsTo(src, 'dense_1.kernel', crossEntropy, [...c].map((k) => cw[k]!));
    const ref = new ReferenceRun(compiles(src));
    const rows = ref.run('eval', feed).loss_rows!.data;
    const want = crossEntropy(ref.tensor('dense_1.kernel'));
    for (let i = 0; i < B; i++) expect(Math.abs(rows[i]! - want[i]!), `row ${i}`).toBeLessThan(1e-12);
    expect(compiles(src).artifact!.manifest.train.classWeight).toEqual(cw);
  });

  it('one-hot targets: the class of the argmax', () => {
    const oneHot = net('categorical_crossentropy(p, t)', `class_weight = [${cw.join(', ')}]`);
    holdsTo(oneHot, 'dense_1.kernel', crossEntropy, [...c].map((k) => cw[k]!));
  });

  it('one target value: rounded half to even, a class outside the list weighs 1', () => {
    // y = 0.5, 1.5, 2.5, −0.5, 3.2, −1.2 → classes 0, 2, 2, 0, none, none.
    holdsTo(net('mse(q, y)', `class_weight = [${cw.join(', ')}]`), 'dense_2.kernel', squared, [cw[0]!, cw[2]!, cw[2]!, cw[0]!, 1, 1]);
  });

  it('binary_cross_entropy on a sigmoid: classes 0 and 1', () => {
    const src = `model m {
  input x: f32[4]
  input y: f32[1]
  q = x -> dense(1, use_bias: false) -> sigmoid
  output q
}
train m { loss = binary_cross_entropy(q, y); optimizer = sgd(lr: 1); batch = ${B}; seed = 2; class_weight = [1, 7] }`;
    const labels = Float32Array.from([1, 0, 0, 1, 1, 0]);
    const bce = (kernel: ArrayLike<number>): number[] => matmul(kernel, 1).map((z, i) => Math.max(z, 0) - z * labels[i]! + Math.log1p(Math.exp(-Math.abs(z))));
    const ref = new ReferenceRun(compiles(src));
    const k0 = ref.tensor('dense_1.kernel');
    const want = bce(k0).reduce((s, l, i) => s + (labels[i] ? 7 : 1) * l, 0) / B;
    expect(Math.abs(ref.trainStep({ x, y: labels }) - want)).toBeLessThan(1e-12);
  });
});

describe('weighted sums of losses (Keras loss_weights)', () => {
  it('cross_entropy(p, c) + 0.5 * mse(q, y): the loss Σ wₖ·Lₖ and one step of both heads', () => {
    const src = net('cross_entropy(p, c) + 0.5 * mse(q, y, sample_weight: w)', 'metrics = [accuracy]');
    const ref = new ReferenceRun(compiles(src));
    const [kp, kq] = [ref.tensor('dense_1.kernel'), ref.tensor('dense_2.kernel')];
    const mean = (v: number[], wt: ArrayLike<number> = v.map(() => 1)): number => v.reduce((a, l, i) => a + wt[i]! * l, 0) / B;
    const lossOf = (p: ArrayLike<number>, q: ArrayLike<number>): number => mean(crossEntropy(p)) + 0.5 * mean(squared(q), w);
    expect(Math.abs(ref.trainStep(feed) - lossOf(kp, kq))).toBeLessThan(1e-12);
    // SGD with lr 1 moved each weight of both heads by minus the sum's gradient: central differences.
    const [kp1, kq1] = [ref.tensor('dense_1.kernel'), ref.tensor('dense_2.kernel')];
    const h = 1e-6;
    const nudge = (k: Float64Array, q: number, d: number): Float64Array => k.map((v, j) => (j === q ? v + d : v));
    kp.forEach((v, q) => expect(Math.abs(v - kp1[q]! - (lossOf(nudge(kp, q, h), kq) - lossOf(nudge(kp, q, -h), kq)) / (2 * h)), `p kernel ${q}`).toBeLessThan(1e-7));
    kq.forEach((v, q) => expect(Math.abs(v - kq1[q]! - (lossOf(kp, nudge(kq, q, h)) - lossOf(kp, nudge(kq, q, -h))) / (2 * h)), `q kernel ${q}`).toBeLessThan(1e-7));
    const rows = ref.run('eval', feed).loss_rows!.data;
    const [ce, sq] = [crossEntropy(ref.tensor('dense_1.kernel')), squared(ref.tensor('dense_2.kernel'))];
    for (let i = 0; i < B; i++) expect(Math.abs(rows[i]! - (ce[i]! + 0.5 * w[i]! * sq[i]!)), `row ${i}`).toBeLessThan(1e-12);
    const m = compiles(src).artifact!.manifest;
    expect(formatLoss(m.train)).toBe('cross_entropy(p, c) + 0.5 * mse(q, y, sample_weight: w)');
    expect([m.train.loss, m.train.prediction, m.train.label]).toEqual(['cross_entropy', 'p', 'c']);
  });

  it('one loss times a number, on either side', () => {
    const [a, b] = [new ReferenceRun(compiles(net('mse(q, y) * 3'))), new ReferenceRun(compiles(net('mse(q, y)')))];
    expect(Math.abs(a.trainStep(feed) - 3 * b.trainStep(feed))).toBeLessThan(1e-12);
    expect(formatLoss(compiles(net('2 * mse(q, y)')).artifact!.manifest.train)).toBe('2 * mse(q, y)');
  });
});

describe('weight mistakes', () => {
  const errors = (src: string): string => formatDiagnostics(compile(src, { file: 'net.dl' }).diagnostics, src);
  it('class_weight with a length other than the number of classes names file:line', () => {
    expect(errors(net('cross_entropy(p, c)', 'class_weight = [1, 5]'))).toContain(
      "net.dl:16:18: error: class_weight has 2 weights but 'c' has 3 classes; give one weight per class, class 0 first");
    expect(errors(net('categorical_crossentropy(p, t)', 'class_weight = [1, 5, 2, 2]'))).toContain(
      "error: class_weight has 4 weights but 't' has 3 classes (the argmax of each target row); give one weight per class, class 0 first");
  });

  it('class_weight with sample_weight, negative weights, a dict, a computed target', () => {
    expect(errors(net('cross_entropy(p, c, sample_weight: w)', 'class_weight = [1, 5, 2]'))).toContain(
      'error: class_weight and sample_weight cannot be used together (Keras refuses both at once); multiply the class weights into the sample weights');
    expect(errors(net('cross_entropy(p, c)', 'class_weight = [1, -5, 2]'))).toContain("error: train setting 'class_weight': expected weights of 0 or more, got the integer -5");
    expect(errors(net('cross_entropy(p, c)', 'class_weight = 5'))).toContain("error: train setting 'class_weight': expected a list of weights, one per class from class 0, e.g. [1, 5] (Keras' {0: 1, 1: 5})");
    expect(errors(net('mse(q, p2)', 'class_weight = [1, 2]').replace('output p, q', 'p2 = relu(q)\n  output p, q'))).toContain(
      "error: class_weight weighs each sample by the class of its target, which must be an input of the model (data, as Keras' y); 'p2' is computed");
  });

  it('a sum of losses: a term that is not a loss call, a weight that is not positive, class_weight', () => {
    expect(errors(net('cross_entropy(p, c) + 0.5'))).toContain(
      "net.dl:12:32: error: each term of a sum of losses is a loss call, alone or times a positive number, e.g. loss = cross_entropy(p, c) + 0.5 * mse(q, y) (Keras' loss_weights)");
    expect(errors(net('cross_entropy(p, c) + 0 * mse(q, y)'))).toContain('error: a loss weight must be a positive number, got the integer 0');
    expect(errors(net('cross_entropy(p, c) + mse(q, y)', 'class_weight = [1, 2, 3]'))).toContain(
      'error: class_weight weighs the samples of one loss; this loss is a sum of 2 (Keras takes class_weight for a single output only): give each term a sample_weight instead');
  });

  it('sample_weight must be an input of one value per sample', () => {
    expect(errors(net('cross_entropy(p, c, sample_weight: t)'))).toContain(
      "error: sample_weight must be an input of the model holding one weight per sample, declared e.g. 'input t: f32[1]'; 't' has shape [batch, 3]");
    expect(errors(net('cross_entropy(p, c, sample_weight: q)'))).toContain("'q' is computed");
    expect(errors(net('cross_entropy(p, c, sample_weight: 0.5)'))).toContain('error: sample_weight of cross_entropy takes the name of a model input holding one weight per sample, e.g. sample_weight: w');
    expect(errors(net('cross_entropy(p, c, sample_weights: w)'))).toContain("error: unknown argument 'sample_weights' for cross_entropy; did you mean 'sample_weight'?");
  });
});
