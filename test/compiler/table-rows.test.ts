// silu, elu and nadam, each added as one row (an element-wise tree; an optimizer row): usable from
// the language, fused like the rest, and nadam's float64 rule pinned by an independent transcription
// of Keras 3's Nadam (Python, float64; the numbers below).
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { tensor } from '../../compiler/ir/tensor.ts';
import { evalOp } from '../../compiler/reference/interp.ts';
import { Rng } from '../../runtime/random.ts';
import { ReferenceRun } from '../helpers/reference.ts';

const net = (optimizer: string) => `model m {
  input x: f32[5]
  input y: class[3]
  h = x -> dense(16, activation: silu) -> elu(alpha: 0.5) -> dense(8) -> elu
  logits = h -> silu -> dense(3)
  output logits
}
train m { loss = cross_entropy(logits, y); optimizer = ${optimizer}; batch = 4; seed = 2 }`;

describe('silu and elu', () => {
  it('are layers and dense activations; their gradients, derived from their trees, fuse into the matmuls', () => {
    const r = compile(net('adam'));
    expect(r.diagnostics).toEqual([]);
    const m = r.artifact!.manifest;
    const names = m.programs.train_step.kernels.map((k) => m.kernels[k]!.name);
    // A derived gradient reads the op's input (as gelu's does), so the forward values stay stored.
    expect(names.slice(0, 3)).toEqual(['matmul+add:dense_1', 'silu:dense_1', 'elu:elu_1']);
    expect(names.filter((n) => n.includes('_bwd'))).toEqual(['matmul+silu_bwd+elu_bwd:elu_2', 'matmul+elu_bwd+silu_bwd:dense_1']);
  });

  it('train to the same float64 losses and parameters with and without fusion', () => {
    const [a, b] = [new ReferenceRun(compile(net('adam'), { fuse: false })), new ReferenceRun(compile(net('adam')))];
    const rng = new Rng(4);
    for (let step = 0; step < 3; step++) {
      const batch = { x: Float32Array.from({ length: 20 }, () => rng.normal()), y: Int32Array.from({ length: 4 }, () => rng.int(3)) };
      expect(b.trainStep(batch)).toBe(a.trainStep(batch));
    }
    for (const p of ['dense_1.kernel', 'dense_2.kernel', 'dense_3.bias']) expect(b.tensor(p)).toEqual(a.tensor(p));
  });
});

describe('nadam', () => {
  const step = (attrs: Record<string, number>, lr: number, t: number, [p, g, m, v]: number[]) =>
    evalOp('nadam', [p!, g!, m!, v!].map((x) => tensor([1], [x])), attrs, null, { lr, step: t, seed: 0 }).map((x) => x.data[0]!);

  it('one step matches Keras 3 Nadam computed independently in float64', () => {
    // keras/src/optimizers/nadam.py transcribed in Python: p, m, v after the step.
    const golden1 = [0.4989372127280849, 0.019999999999999997, 4.0000000000000044e-05];
    const golden3 = [-1.2400913025206728, -0.11599999999999996, 0.006880000000000003];
    const got1 = step({ beta1: 0.9, beta2: 0.999, eps: 1e-7 }, 0.001, 1, [0.5, 0.2, 0, 0]);
    const got3 = step({ beta1: 0.8, beta2: 0.99, eps: 1e-7 }, 0.01, 3, [-1.25, -0.7, 0.03, 0.002]);
    got1.forEach((x, k) => expect(Math.abs(x - golden1[k]!)).toBeLessThan(1e-15 * Math.max(1, Math.abs(golden1[k]!))));
    got3.forEach((x, k) => expect(Math.abs(x - golden3[k]!)).toBeLessThan(1e-15 * Math.max(1, Math.abs(golden3[k]!))));
  });

  it('is one optimizer of the train section with Keras defaults, run as one kernel over the arenas', () => {
    const m = compile(net('nadam')).artifact!.manifest;
    expect(m.train.optimizer).toEqual({ kind: 'nadam', lr: 0.001, hyper: { beta1: 0.9, beta2: 0.999, eps: 1e-7, weight_decay: 0 } });
    expect(m.programs.train_step.kernels.map((k) => m.kernels[k]!.name).filter((n) => n.startsWith('nadam'))).toEqual(['nadam:all parameters']);
    expect(m.state.filter((s) => s.owner === 'optimizer').map((s) => s.name).slice(0, 2)).toEqual(['dense_1.kernel.m', 'dense_1.kernel.v']);
  });
});
