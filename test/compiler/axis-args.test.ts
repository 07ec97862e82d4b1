// Keras' `axis` arguments: layernorm(axis) normalises each sample over that axis (Keras
// LayerNormalization(axis)), batchnorm(axis) keeps statistics per entry of that axis over all the
// others (BatchNormalization(axis)), softmax(axis) runs over the last axis only. Axis 0 is the batch,
// negative axes count from the end. Held to the formulas in float64; mistakes' messages pinned.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../runtime/random.ts';
import { compiles, errors } from '../helpers/compile-source.ts';
import { gradientMatchesDifferences } from '../helpers/gradient-check.ts';
import { ReferenceRun } from '../helpers/reference.ts';

const B = 3;
const draw = (n: number, rng: Rng): Float32Array => Float32Array.from({ length: n }, () => rng.normal() * 2 + 0.5);

describe('layernorm(axis: 1) on an image normalises over the channels (Keras LayerNormalization(axis=1))', () => {
  const [C, H, W] = [4, 3, 5];
  const src = `model m {
  input x: f32[${C}, ${H}, ${W}]
  input y: f32[2]
  n = x -> conv2d(${C}, kernel: 3, padding: same) -> layernorm(axis: 1, epsilon: 0.01)
  p = n -> global_avgpool -> dense(2)
  output n, p
}
train m { loss = mse(p, y); optimizer = sgd(lr: 1); batch = ${B}; seed = 2 }`;
  const rng = new Rng(4);
  const x = draw(B * C * H * W, rng);
  const y = draw(B * 2, rng);

  it('gives (v − mean)/√(var + ε) over the C values at each position, with γ and β of C values', () => {
    const r = compiles(src);
    expect(r.artifact!.manifest.params.filter((p) => p.name.startsWith('layernorm')).map((p) => `${p.name} [${p.shape}]`)).toEqual([`layernorm_1.gamma [${C}]`, `layernorm_1.beta [${C}]`]);
    const ref = new ReferenceRun(r);
    // The conv's output, recomputed from a twin without the norm, is what layernorm normalises.
    const twin = new ReferenceRun(compiles(src.replace(' -> layernorm(axis: 1, epsilon: 0.01)', '')));
    for (const p of ['conv2d_1.kernel', 'conv2d_1.bias']) {
      const slot = twin.graph.params.find((q) => twin.graph.value(q.value).name === p)!;
      twin.env.set(slot.value, { shape: twin.graph.value(slot.value).shape, data: ref.tensor(p) });
    }
    const v = twin.run('forward', { x }).n!.data;
    const n = ref.run('forward', { x }).n!.data;
    const plane = H * W;
    for (let b = 0; b < B; b++) {
      for (let q = 0; q < plane; q++) {
        const at = (c: number) => b * C * plane + c * plane + q;
        const vals = Array.from({ length: C }, (_, c) => v[at(c)]!);
        const mean = vals.reduce((a, z) => a + z, 0) / C;
        const variance = vals.reduce((a, z) => a + (z - mean) ** 2, 0) / C;
        for (let c = 0; c < C; c++) expect(n[at(c)]).toBeCloseTo((vals[c]! - mean) / Math.sqrt(variance + 0.01), 10);
      }
    }
  });

  for (const param of ['conv2d_1.kernel', 'layernorm_1.gamma', 'layernorm_1.beta']) {
    it(`the gradient of ${param} matches central differences`, () => {
      gradientMatchesDifferences(compiles(src), param, { x, y });
    });
  }
});

describe('batchnorm(axis: -1) on a sequence keeps statistics per feature over batch and time (Keras BatchNormalization())', () => {
  const [T, F] = [5, 6];
  const src = `model m {
  input x: f32[${T}, ${F}]
  input y: f32[${T}, ${F}]
  n = x -> batchnorm(axis: -1, momentum: 0.9)
  output n
}
train m { loss = mse(n, y); optimizer = sgd(lr: 0.1); batch = ${B}; seed = 2 }`;

  it('has one statistic per feature, and one train step moves the moving mean by 0.1 of the mean over batch and time', () => {
    const r = compiles(src);
    expect(r.artifact!.manifest.params.map((p) => `${p.name} [${p.shape}]`)).toEqual([`batchnorm_1.gamma [${F}]`, `batchnorm_1.beta [${F}]`]);
    const ref = new ReferenceRun(r);
    const rng = new Rng(6);
    const x = draw(B * T * F, rng);
    ref.trainStep({ x, y: draw(B * T * F, rng) });
    const mean = Array.from({ length: F }, (_, f) => {
      let s = 0;
      for (let k = 0; k < B * T; k++) s += x[k * F + f]!;
      return s / (B * T);
    });
    const moved = ref.tensor('batchnorm_1.moving_mean');
    mean.forEach((m, f) => expect(moved[f]).toBeCloseTo(0.1 * m, 10));
  });
});

describe('axis mistakes', () => {
  const net = (layer: string) => `model m {
  input x: f32[4, 6]
  n = x -> ${layer}
  output n
}`;
  it('an axis past the input\'s rank', () => {
    expect(errors(net('layernorm(axis: 3)'))).toBe(`net.dl:3:12: error: layernorm_1: layernorm axis 3 is out of range for input [batch, 4, 6]: expected 1 to 2, or -1 to -2 from the end (axis 0 is the batch)
 3 |   n = x -> layernorm(axis: 3)
   |            ^^^^^^^^^^^^^^^^^^`);
  });
  it('the batch axis', () => {
    expect(errors(net('batchnorm(axis: 0)'))).toContain('error: batchnorm_1: batchnorm axis 0 is out of range for input [batch, 4, 6]: expected 1 to 2, or -1 to -2 from the end (axis 0 is the batch)');
  });
  it('softmax over another axis than the last', () => {
    expect(errors(net('softmax(axis: 1)'))).toBe(`net.dl:3:12: error: softmax_1: softmax runs over the last axis only (axis: -1 or 2 here), not axis 1; reshape so that axis is last
 3 |   n = x -> softmax(axis: 1)
   |            ^^^^^^^^^^^^^^^^`);
  });
  it('softmax(axis: 2) and softmax(axis: -1) are the last axis', () => {
    for (const axis of [2, -1]) {
      const r = compiles(`${net(`softmax(axis: ${axis})`)}\ntrain m { loss = mse(n, x); batch = 2 }`);
      expect(r.graph!.nodes.filter((n) => n.op === 'softmax').length).toBeGreaterThan(0);
    }
  });
});
