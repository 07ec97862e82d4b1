// Per-layer regularisers and bias initialisers (Keras' kernel_regularizer, bias_regularizer,
// bias_initializer): the penalty is Keras' l1·Σ|w| + l2·Σw² per tensor, a layer's own regulariser
// replaces the train section's `regularize` for that tensor, and both are in the train and eval losses.
import { describe, expect, it } from 'vitest';
import type { CompileResult } from '../../compiler/compile.ts';
import { Rng } from '../../runtime/random.ts';
import { compiles, errors } from '../helpers/compile-source.ts';
import { gradientMatchesDifferences } from '../helpers/gradient-check.ts';
import { ReferenceRun } from '../helpers/reference.ts';

const B = 3;
const net = (layers: string, train: string) => `model m {
  input x: f32[1, 5, 4]
  input y: f32[3]
  h = x -> ${layers}
  output h
}
train m { loss = mse(h, y); optimizer = sgd(lr: 1); batch = ${B}; seed = 9${train} }`;
const REGULARIZED = net('conv2d(2, kernel: 3, kernel_regularizer: l1_l2(l1: 0.002, l2: 0.03), bias_init: ones) -> flatten -> dense(5, kernel_regularizer: l2(0.01), bias_regularizer: l1(0.5), bias_init: ones) -> tanh -> dense(3, bias_init: he_uniform)', '; regularize = l1(0.1)');
const PLAIN = net('conv2d(2, kernel: 3, bias_init: ones) -> flatten -> dense(5, bias_init: ones) -> tanh -> dense(3, bias_init: he_uniform)', '');

function inputs(): Record<string, Float32Array> {
  const rng = new Rng(5);
  return { x: Float32Array.from({ length: B * 20 }, () => rng.normal()), y: Float32Array.from({ length: B * 3 }, () => rng.normal()) };
}

const sum = (v: Float64Array, f: (x: number) => number) => v.reduce((a, x) => a + f(x), 0);
const mean = (xs: ArrayLike<number>): number => Array.from(xs).reduce((a, b) => a + b, 0) / xs.length;

/** A run of `r` from the weights of `from`. */
function runFrom(r: CompileResult, from: ReferenceRun): ReferenceRun {
  const ref = new ReferenceRun(r);
  for (const p of r.graph!.params) {
    const name = r.graph!.value(p.value).name;
    ref.env.set(p.value, { shape: r.graph!.value(p.value).shape, data: from.tensor(name) });
  }
  return ref;
}

describe('per-layer regularisers (Keras kernel_regularizer, bias_regularizer)', () => {
  it('add l1·Σ|w| + l2·Σw² per tensor; a layer\'s own replaces `regularize`, which covers the other kernels', () => {
    const data = inputs();
    const reg = new ReferenceRun(compiles(REGULARIZED));
    const plain = runFrom(compiles(PLAIN), reg);
    const t = (n: string) => reg.tensor(n);
    // conv2d_1's kernel and dense_1's have their own; dense_2's kernel gets the section's l1(0.1); dense_1's bias its own l1.
    const want = 0.002 * sum(t('conv2d_1.kernel'), Math.abs) + 0.03 * sum(t('conv2d_1.kernel'), (x) => x * x)
      + 0.01 * sum(t('dense_1.kernel'), (x) => x * x) + 0.5 * sum(t('dense_1.bias'), Math.abs) + 0.1 * sum(t('dense_2.kernel'), Math.abs);
    const evalPenalty = mean(reg.run('eval', data).loss_rows!.data) - mean(plain.run('eval', data).loss_rows!.data);
    expect(evalPenalty).toBeCloseTo(want, 12);
    const trainPenalty = reg.trainStep(data) - plain.trainStep(data);
    expect(trainPenalty).toBeCloseTo(want, 12);
    expect(want).toBeGreaterThan(0.5);
  });

  for (const param of ['conv2d_1.kernel', 'dense_1.kernel', 'dense_1.bias', 'dense_2.kernel', 'dense_2.bias']) {
    it(`the gradient of ${param} matches central differences of the regularised loss`, () => {
      gradientMatchesDifferences(compiles(REGULARIZED), param, inputs());
    });
  }

  it('bias_init: ones, and he_uniform with a vector\'s fans (its length, in and out, as Keras\' compute_fans)', () => {
    const r = compiles(REGULARIZED);
    const ref = new ReferenceRun(r);
    expect([...ref.tensor('dense_1.bias')]).toEqual([1, 1, 1, 1, 1]);
    expect([...ref.tensor('conv2d_1.bias')]).toEqual([1, 1]);
    expect(r.graph!.params.find((p) => r.graph!.value(p.value).name === 'dense_2.bias')!.init).toEqual({ kind: 'he_uniform', fanIn: 3, fanOut: 3 });
    const b = ref.tensor('dense_2.bias');
    expect(b.every((v) => Math.abs(v) <= Math.sqrt(6 / 3))).toBe(true);
    expect(new Set(b).size).toBe(3);
  });
});

describe('per-layer regulariser mistakes', () => {
  it('a number for a regulariser', () => {
    expect(errors(`model m {
  input a: f32[4]
  h = a -> dense(5, kernel_regularizer: 0.01)
  output h
}`)).toBe(`net.dl:3:41: error: argument 'kernel_regularizer' of dense must be l1(factor), l2(factor) or l1_l2(l1: a, l2: b)
 3 |   h = a -> dense(5, kernel_regularizer: 0.01)
   |                                         ^^^^`);
  });

  it('Keras\' bias_initializer', () => {
    expect(errors(`model m {
  input a: f32[4]
  h = a -> dense(5, bias_initializer: ones)
  output h
}`)).toBe(`net.dl:3:21: error: unknown argument 'bias_initializer' for dense; did you mean 'bias_init'?
 3 |   h = a -> dense(5, bias_initializer: ones)
   |                     ^^^^^^^^^^^^^^^^`);
  });

  it('a negative factor', () => {
    expect(errors(`model m {
  input a: f32[4]
  h = a -> dense(5, bias_regularizer: l2(-1))
  output h
}`)).toBe(`net.dl:3:42: error: l2 factor: must not be negative
 3 |   h = a -> dense(5, bias_regularizer: l2(-1))
   |                                          ^^`);
  });
});
