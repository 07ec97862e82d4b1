// Regression losses as Keras defines them: mae = mean |p − t|, huber(delta) = mean of ½d² for
// |d| ≤ delta, delta·(|d| − ½delta) beyond, d = p − t, each averaged over a sample's values. The
// float64 interpreter's rows and gradients are held to those formulas written out here.
import { describe, expect, it } from 'vitest';
import { formatLoss } from '../../cli/train-text.ts';
import { compile } from '../../compiler/compile.ts';
import { formatDiagnostics } from '../../dsl/diagnostics.ts';
import { Rng } from '../../runtime/random.ts';
import { ReferenceRun } from '../helpers/reference.ts';
import { compiles } from '../helpers/compile-source.ts';

const B = 4;
const net = (loss: string, metrics = '') => `model m {
  input x: f32[3]
  input y: f32[2]
  input c: class[2]
  p = x -> dense(2, use_bias: false)
  output p
}
train m { loss = ${loss}; optimizer = sgd(lr: 1); batch = ${B}; seed = 9${metrics ? `; metrics = [${metrics}]` : ''} }`;

const huber = (d: number, delta: number): number => (Math.abs(d) <= delta ? 0.5 * d * d : delta * (Math.abs(d) - 0.5 * delta));
const KERAS: Record<string, (d: number) => number> = {
  'mae(p, y)': Math.abs,
  'mean_absolute_error(p, y)': Math.abs,
  'huber(p, y)': (d) => huber(d, 1),
  'huber(p, y, delta: 0.4)': (d) => huber(d, 0.4),
};

describe('mae and huber', () => {
  for (const [loss, f] of Object.entries(KERAS)) {
    it(`${loss}: rows, loss and one sgd step follow Keras' formula`, () => {
      const ref = new ReferenceRun(compiles(net(loss, 'mae, rmse')));
      const rng = new Rng(2);
      // Differences on both sides of 0.4 and 1, so both branches of huber are taken.
      const x = Float32Array.from({ length: B * 3 }, () => 2 * rng.normal());
      const y = Float32Array.from({ length: B * 2 }, () => 2 * rng.normal());
      const w = ref.tensor('dense_1.kernel');
      const predict = (wt: ArrayLike<number>): number[] => Array.from({ length: B * 2 }, (_, k) => {
        const [i, j] = [Math.floor(k / 2), k % 2];
        return x[i * 3]! * wt[j]! + x[i * 3 + 1]! * wt[2 + j]! + x[i * 3 + 2]! * wt[4 + j]!;
      });
      const lossOf = (wt: ArrayLike<number>): number => predict(wt).reduce((s, p, k) => s + f(p - y[k]!), 0) / (B * 2);
      const rows = ref.run('eval', { x, y }).loss_rows!.data;
      const p = predict(w);
      for (let i = 0; i < B; i++) expect(Math.abs(rows[i]! - (f(p[2 * i]! - y[2 * i]!) + f(p[2 * i + 1]! - y[2 * i + 1]!)) / 2)).toBeLessThan(1e-12);
      expect(Math.abs(ref.trainStep({ x, y }) - lossOf(w))).toBeLessThan(1e-12);
      // sgd with lr 1 moved each weight by minus its gradient: central differences of the formula.
      const after = ref.tensor('dense_1.kernel');
      for (let k = 0; k < 6; k++) {
        const h = 1e-6;
        const fd = (lossOf(w.map((v, q) => (q === k ? v + h : v))) - lossOf(w.map((v, q) => (q === k ? v - h : v)))) / (2 * h);
        expect(Math.abs(w[k]! - after[k]! - fd), `weight ${k}`).toBeLessThan(1e-6);
      }
    });
  }

  it('train to the same float64 losses fused and unfused', () => {
    for (const loss of ['mae(p, y)', 'huber(p, y, delta: 0.5)']) {
      const [a, b] = [new ReferenceRun(compile(net(loss), { fuse: false })), new ReferenceRun(compiles(net(loss)))];
      const rng = new Rng(4);
      for (let step = 0; step < 3; step++) {
        const batch = { x: Float32Array.from({ length: B * 3 }, () => rng.normal()), y: Float32Array.from({ length: B * 2 }, () => rng.normal()) };
        const [la, lb] = [a.trainStep(batch), b.trainStep(batch)];
        expect(Math.abs(la - lb)).toBeLessThan(1e-12 * Math.abs(la));
      }
    }
  });

  it('the manifest names the loss and its arguments, as dlc check shows them', () => {
    expect(compiles(net('mean_absolute_error(p, y)')).artifact!.manifest.train.loss).toBe('mae');
    expect(formatLoss(compiles(net('huber(p, y)')).artifact!.manifest.train)).toBe('huber(p, y, delta: 1)');
    expect(formatLoss(compiles(net('huber(p, y, delta: 0.4)')).artifact!.manifest.train)).toBe('huber(p, y, delta: 0.4)');
    expect(formatLoss(compiles(net('cross_entropy(p, c, label_smoothing: 0.1)')).artifact!.manifest.train)).toBe('cross_entropy(p, c, label_smoothing: 0.1)');
    expect(formatLoss(compiles(net('cross_entropy(p, c)')).artifact!.manifest.train)).toBe('cross_entropy(p, c)');
  });
});

describe('loss mistakes', () => {
  const errors = (src: string): string => formatDiagnostics(compile(src, { file: 'net.dl' }).diagnostics, src);
  it('delta must be positive and belongs to huber', () => {
    expect(errors(net('huber(p, y, delta: 0)'))).toContain("error: argument 'delta' of huber: expected a positive number, got the integer 0");
    expect(errors(net('huber(p, y, delt: 2)'))).toContain("error: unknown argument 'delt' for huber; did you mean 'delta'?");
    expect(errors(net('mae(p, y, delta: 2)'))).toContain("error: unknown argument 'delta' for mae");
  });

  it('mae needs float targets of the prediction\'s shape; accuracy needs class labels', () => {
    expect(errors(net('mae(p, c)'))).toContain("error: mae needs float targets; 'c' holds class labels (use cross_entropy)");
    expect(errors(net('huber(p, y)', 'accuracy'))).toContain('error: accuracy needs a cross_entropy loss with class labels or one-hot targets');
    expect(errors(net('huber(p, y)', 'f1'))).toContain('error: f1 needs class labels (a cross_entropy or binary_cross_entropy loss)');
  });
});

describe('categorical cross-entropy with one-hot targets and label smoothing', () => {
  const K = 4;
  const N = 5;
  const cnet = (loss: string, head = 'p = x -> dense(4)', metrics = '') => `model m {
  input x: f32[3]
  input t: f32[${K}]
  input c: class[${K}]
  ${head}
  output p
}
train m { loss = ${loss}; optimizer = sgd(lr: 0.5); batch = ${N}; seed = 3${metrics ? `; metrics = [${metrics}]` : ''} }`;
  const rng = new Rng(12);
  const x = Float32Array.from({ length: N * 3 }, () => rng.normal());
  const c = Int32Array.from({ length: N }, () => rng.int(K));
  const t = Float32Array.from({ length: N * K }, (_, k) => (c[Math.floor(k / K)] === k % K ? 1 : 0));

  /** Keras: −Σₖ (tₖ·(1 − ls) + ls/K)·log softmax(z)ₖ per row, from the logits z. */
  const keras = (z: ArrayLike<number>, targets: ArrayLike<number>, ls: number): number[] => Array.from({ length: N }, (_, i) => {
    const row = Array.from({ length: K }, (_, k) => z[i * K + k]!);
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    return -row.reduce((s, v, k) => s + (targets[i * K + k]! * (1 - ls) + ls / K) * (v - lse), 0);
  });

  for (const ls of [0, 0.1]) {
    const arg = ls ? `, label_smoothing: ${ls}` : '';
    it(`one-hot and class-label targets give Keras' rows and the same step${ls ? ', smoothed' : ''}`, () => {
      const oneHot = new ReferenceRun(compiles(cnet(`categorical_crossentropy(p, t${arg})`)));
      const sparse = new ReferenceRun(compiles(cnet(`cross_entropy(p, c${arg})`)));
      const z = oneHot.run('forward', { x }).p!.data;
      const want = keras(z, t, ls);
      for (const ref of [oneHot, sparse]) {
        const rows = ref.run('eval', { x, t, c }).loss_rows!.data;
        want.forEach((w, i) => expect(Math.abs(rows[i]! - w), `row ${i}`).toBeLessThan(1e-12));
      }
      const [la, lb] = [oneHot.trainStep({ x, t, c }), sparse.trainStep({ x, t, c })];
      expect(Math.abs(la - want.reduce((s, v) => s + v, 0) / N)).toBeLessThan(1e-12);
      expect(Math.abs(la - lb)).toBeLessThan(1e-12);
      const [wa, wb] = [oneHot.tensor('dense_1.kernel'), sparse.tensor('dense_1.kernel')];
      wa.forEach((v, i) => expect(Math.abs(v - wb[i]!)).toBeLessThan(1e-12));
    });
  }

  it('soft targets and a softmax output: computed from the logits; the step follows finite differences', () => {
    const soft = Float32Array.from({ length: N * K }, () => rng.next());
    const ref = new ReferenceRun(compiles(cnet('categorical_crossentropy(p, t, label_smoothing: 0.2)', 'z = x -> dense(4, use_bias: false)\n  p = z -> softmax')));
    const w = ref.tensor('dense_1.kernel');
    const logits = (wt: ArrayLike<number>) => Array.from({ length: N * K }, (_, q) => {
      const [i, k] = [Math.floor(q / K), q % K];
      return x[i * 3]! * wt[k]! + x[i * 3 + 1]! * wt[K + k]! + x[i * 3 + 2]! * wt[2 * K + k]!;
    });
    const lossOf = (wt: ArrayLike<number>) => keras(logits(wt), soft, 0.2).reduce((s, v) => s + v, 0) / N;
    expect(Math.abs(ref.trainStep({ x, t: soft, c }) - lossOf(w))).toBeLessThan(1e-12);
    const after = ref.tensor('dense_1.kernel');
    for (let k = 0; k < 3 * K; k++) {
      const h = 1e-6;
      const fd = (lossOf(w.map((v, q) => (q === k ? v + h : v))) - lossOf(w.map((v, q) => (q === k ? v - h : v)))) / (2 * h);
      expect(Math.abs((w[k]! - after[k]!) / 0.5 - fd), `weight ${k}`).toBeLessThan(1e-6);
    }
  });

  it('mistakes: a target of another shape, a regression metric for one-hot targets, label_smoothing out of [0, 1)', () => {
    const errs = (src: string) => formatDiagnostics(compile(src, { file: 'net.dl' }).diagnostics, src);
    expect(errs(cnet('categorical_crossentropy(p, x)'))).toContain("error: cross_entropy needs class labels (class[n]) or one-hot targets shaped like the prediction [batch, 4] as its target; 'x' has shape [batch, 3]");
    expect(errs(cnet('categorical_crossentropy(p, t)', 'p = x -> dense(4)', 'rmse'))).toContain('error: rmse is a regression metric (an mse, mae or huber loss); for classes use accuracy, precision, recall, f1, confusion_matrix');
    expect(errs(cnet('cross_entropy(p, t, label_smoothing: 1)'))).toContain("error: argument 'label_smoothing' of cross_entropy: expected a number in [0, 1), got the integer 1");
    expect(errs(cnet('cross_entropy(p, c, label_smothing: 0.1)'))).toContain("error: unknown argument 'label_smothing' for cross_entropy; did you mean 'label_smoothing'?");
  });
});
