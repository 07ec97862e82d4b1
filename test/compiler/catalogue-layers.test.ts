// The layers of issue 20's catalogue as Keras defines each: conv1d, conv2d_transpose, bilinear
// upsampling, pooling with 'same' padding, groupnorm, spatial_dropout2d, prelu, depthwise and
// separable convolutions. The float64 interpreter's forward values are held to the formulas
// written out here, a kernel's gradient through each to central differences, and each layer's
// commonest mistake has its message pinned.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../runtime/random.ts';
import { ReferenceRun } from '../helpers/reference.ts';
import { compiles, errors } from '../helpers/compile-source.ts';

const draw = (n: number, rng: Rng): Float32Array => Float32Array.from({ length: n }, () => rng.normal());

/**
 * One sgd step (lr 1) of a compiled program moves parameter `param` by minus its gradient: held to
 * central differences of the float64 eval loss (the mean of its rows) over every element.
 */
function gradientMatchesDifferences(src: string, param: string, inputs: Record<string, Float32Array>): void {
  const r = compiles(src);
  const ref = new ReferenceRun(r);
  const slot = r.graph!.params.find((p) => r.graph!.value(p.value).name === param)!;
  expect(slot, param).toBeDefined();
  const w = ref.tensor(param);
  const lossAt = (wt: Float64Array): number => {
    ref.env.set(slot.value, { shape: r.graph!.value(slot.value).shape, data: wt });
    const rows = ref.run('eval', inputs).loss_rows!.data;
    return rows.reduce((a, b) => a + b, 0) / rows.length;
  };
  const fd = Array.from(w, (_, k) => {
    const h = 1e-6;
    return (lossAt(w.map((v, q) => (q === k ? v + h : v))) - lossAt(w.map((v, q) => (q === k ? v - h : v)))) / (2 * h);
  });
  ref.env.set(slot.value, { shape: r.graph!.value(slot.value).shape, data: Float64Array.from(w) });
  ref.trainStep(inputs);
  const after = ref.tensor(param);
  let err = 0;
  let norm = 0;
  w.forEach((v, k) => { err += (v - after[k]! - fd[k]!) ** 2; norm += fd[k]! ** 2; });
  expect(norm).toBeGreaterThan(0);
  expect(Math.sqrt(err / norm)).toBeLessThan(1e-6);
}

/** Sets a parameter of the float64 run to f(index). */
function setParam(ref: ReferenceRun, name: string, f: (i: number) => number): Float64Array {
  const g = ref.graph;
  const slot = g.params.find((p) => g.value(p.value).name === name)!;
  expect(slot, name).toBeDefined();
  const t = ref.env.get(slot.value)!;
  t.data.forEach((_, i) => { t.data[i] = f(i); });
  return Float64Array.from(t.data);
}

/** max |a − b| over two arrays of one length. */
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('conv1d (Keras Conv1D)', () => {
  const B = 3;
  // Keras's output lengths: valid ⌊(L − span)/s⌋ + 1, same ⌈L/s⌉, causal L (stride 1).
  const program = (lr: number): string => `model m {
  input x: f32[4, 11]
  input y: f32[3]
  a = x -> conv1d(5, kernel: 3)
  b = x -> conv1d(4, kernel: 4, stride: 2, padding: same)
  c = x -> conv1d(2, kernel: 3, dilation: 2, padding: causal, groups: 2)
  d = x -> conv1d(3, kernel: 2, stride: 3, padding: [2, 1], use_bias: false)
  h = concat(a -> flatten, b -> flatten, c -> flatten, d -> flatten) -> dense(3)
  output a, b, c, d, h
}
train m { loss = mse(h, y); optimizer = sgd(lr: ${lr}); batch = ${B} }`;
  const src = program(0.1);

  /** y[n, co, o] = bias[co] + Σ_ci Σ_k x[n, g·C/G + ci, o·s − left + k·d]·w[co, ci, k] (zero outside). */
  function conv1dRef(x: Float32Array, C: number, L: number, w: Float64Array, bias: Float64Array | undefined, CO: number, k: number, s: number, d: number, left: number, G: number, OL: number): Float64Array {
    const y = new Float64Array(B * CO * OL);
    const CIg = C / G;
    for (let n = 0; n < B; n++) {
      for (let co = 0; co < CO; co++) {
        const grp = Math.floor(co / (CO / G));
        for (let o = 0; o < OL; o++) {
          let acc = bias ? bias[co]! : 0;
          for (let ci = 0; ci < CIg; ci++) {
            for (let t = 0; t < k; t++) {
              const i = o * s - left + t * d;
              if (i >= 0 && i < L) acc += x[(n * C + grp * CIg + ci) * L + i]! * w[(co * CIg + ci) * k + t]!;
            }
          }
          y[(n * CO + co) * OL + o] = acc;
        }
      }
    }
    return y;
  }

  it('compiles to the lengths Keras gives and computes its formula', () => {
    const r = compiles(src);
    const ref = new ReferenceRun(r);
    const x = draw(B * 44, new Rng(3));
    // Biases start at zero: give them values so the test sees them added.
    for (const name of ['conv1d_1.bias', 'conv1d_2.bias', 'conv1d_3.bias']) setParam(ref, name, (i) => 0.1 * (i + 1));
    const out = ref.run('forward', { x });
    expect(out.a!.shape).toEqual([B, 5, 9]);
    expect(out.b!.shape).toEqual([B, 4, 6]);
    expect(out.c!.shape).toEqual([B, 2, 11]);
    expect(out.d!.shape).toEqual([B, 3, 5]);
    expect(ref.tensor('conv1d_3.kernel').length).toBe(2 * 2 * 3);
    const t = (n: string): Float64Array => ref.tensor(n);
    expect(maxDiff(out.a!.data, conv1dRef(x, 4, 11, t('conv1d_1.kernel'), t('conv1d_1.bias'), 5, 3, 1, 1, 0, 1, 9))).toBeLessThan(1e-12);
    // same, L 11, stride 2, kernel 4: output 6, total padding (6 − 1)·2 + 4 − 11 = 3, left 1.
    expect(maxDiff(out.b!.data, conv1dRef(x, 4, 11, t('conv1d_2.kernel'), t('conv1d_2.bias'), 4, 4, 2, 1, 1, 1, 6))).toBeLessThan(1e-12);
    // causal: (3 − 1)·2 = 4 zeros on the left.
    expect(maxDiff(out.c!.data, conv1dRef(x, 4, 11, t('conv1d_3.kernel'), t('conv1d_3.bias'), 2, 3, 1, 2, 4, 2, 11))).toBeLessThan(1e-12);
    expect(maxDiff(out.d!.data, conv1dRef(x, 4, 11, t('conv1d_4.kernel'), undefined, 3, 2, 3, 1, 2, 1, 5))).toBeLessThan(1e-12);
  });

  it('takes Keras\'s fans for its initialiser: kernel·C/groups in, kernel·filters out', () => {
    const r = compiles(src);
    const p = r.artifact!.manifest.params.find((q) => q.name === 'conv1d_3.kernel')!;
    expect(p.shape).toEqual([2, 2, 3]);
    expect(p.init).toEqual({ kind: 'glorot_uniform', fanIn: 6, fanOut: 6 });
  });

  it('train: the kernel\'s gradient matches finite differences', () => {
    const rng = new Rng(7);
    gradientMatchesDifferences(program(1), 'conv1d_2.kernel', { x: draw(B * 44, rng), y: draw(B * 3, rng) });
    gradientMatchesDifferences(program(1), 'conv1d_3.kernel', { x: draw(B * 44, rng), y: draw(B * 3, rng) });
  });

  it('pins: an input without a channel axis', () => {
    expect(errors(`model m {
  input x: f32[100]
  y = x -> conv1d(8)
  output y
}`)).toBe(`net.dl:3:12: error: conv1d_1: conv1d needs an input of shape [batch, channels, length], got [batch, 100]; declare the input as e.g. f32[1, 100] or reshape it
 3 |   y = x -> conv1d(8)
   |            ^^^^^^^^^`);
  });
});

describe('conv2d_transpose (Keras Conv2DTranspose)', () => {
  const B = 3;
  const program = (lr: number): string => `model m {
  input x: f32[2, 3, 4]
  input y: f32[3]
  a = x -> conv2d_transpose(3, kernel: 3, stride: 2, padding: same)
  b = x -> conv2d_transpose(2, kernel: [2, 3], stride: [1, 2])
  c = x -> conv2d_transpose(2, kernel: 1, stride: 3, use_bias: false)
  d = x -> conv2d_transpose(2, kernel: 3, dilation: 2, padding: same)
  h = concat(a -> global_avgpool, b -> global_maxpool, c -> global_avgpool, d -> global_avgpool) -> dense(3)
  output a, b, c, d, h
}
train m { loss = mse(h, y); optimizer = sgd(lr: ${lr}); batch = ${B} }`;

  /**
   * Every input element scatters into the output: y[n, f, i·s − top + kh·d, j·s − left + kw·d] +=
   * x[n, c, i, j]·w[c, f, kh, kw] (taps outside the output dropped), then the bias.
   */
  function transposeRef(x: Float32Array, [C, H, W]: number[], w: Float64Array, bias: Float64Array | undefined, [F, KH, KW]: number[], [sh, sw]: number[], [dh, dw]: number[], [top, left]: number[], [OH, OW]: number[]): Float64Array {
    const y = new Float64Array(B * F * OH * OW);
    for (let n = 0; n < B; n++) {
      for (let f = 0; f < F; f++) y.fill(bias ? bias[f]! : 0, (n * F + f) * OH * OW, (n * F + f + 1) * OH * OW);
      for (let c = 0; c < C!; c++) {
        for (let i = 0; i < H!; i++) {
          for (let j = 0; j < W!; j++) {
            const v = x[((n * C! + c) * H! + i) * W! + j]!;
            for (let f = 0; f < F!; f++) {
              for (let kh = 0; kh < KH!; kh++) {
                for (let kw = 0; kw < KW!; kw++) {
                  const oy = i * sh! - top! + kh * dh!;
                  const ox = j * sw! - left! + kw * dw!;
                  if (oy >= 0 && oy < OH! && ox >= 0 && ox < OW!) y[((n * F! + f) * OH! + oy) * OW! + ox] += v * w[((c * F! + f) * KH! + kh) * KW! + kw]!;
                }
              }
            }
          }
        }
      }
    }
    return y;
  }

  it('compiles to the sizes Keras gives and computes the transposed convolution', () => {
    const r = compiles(program(0.1));
    const ref = new ReferenceRun(r);
    const x = draw(B * 24, new Rng(4));
    for (const name of ['conv2d_transpose_1.bias', 'conv2d_transpose_2.bias', 'conv2d_transpose_4.bias']) setParam(ref, name, (i) => 0.1 * (i + 1));
    const out = ref.run('forward', { x });
    // same: H·s; valid: H·s + max(k − s, 0).
    expect(out.a!.shape).toEqual([B, 3, 6, 8]);
    expect(out.b!.shape).toEqual([B, 2, 4, 9]);
    expect(out.c!.shape).toEqual([B, 2, 9, 12]);
    expect(out.d!.shape).toEqual([B, 2, 3, 4]);
    const t = (n: string): Float64Array => ref.tensor(n);
    const X = [2, 3, 4];
    // same pads as the convolution from the output back: total max((H − 1)·s + span − OH, 0), top its floor half.
    expect(maxDiff(out.a!.data, transposeRef(x, X, t('conv2d_transpose_1.kernel'), t('conv2d_transpose_1.bias'), [3, 3, 3], [2, 2], [1, 1], [0, 0], [6, 8]))).toBeLessThan(1e-12);
    expect(maxDiff(out.b!.data, transposeRef(x, X, t('conv2d_transpose_2.kernel'), t('conv2d_transpose_2.bias'), [2, 2, 3], [1, 2], [1, 1], [0, 0], [4, 9]))).toBeLessThan(1e-12);
    expect(maxDiff(out.c!.data, transposeRef(x, X, t('conv2d_transpose_3.kernel'), undefined, [2, 1, 1], [3, 3], [1, 1], [0, 0], [9, 12]))).toBeLessThan(1e-12);
    expect(maxDiff(out.d!.data, transposeRef(x, X, t('conv2d_transpose_4.kernel'), t('conv2d_transpose_4.bias'), [2, 3, 3], [1, 1], [2, 2], [2, 2], [3, 4]))).toBeLessThan(1e-12);
  });

  it('takes Keras\'s fans for its kernel [kh, kw, filters, C]: kh·kw·filters in, kh·kw·C out', () => {
    const p = compiles(program(0.1)).artifact!.manifest.params.find((q) => q.name === 'conv2d_transpose_2.kernel')!;
    expect(p.shape).toEqual([2, 2, 2, 3]);
    expect(p.init).toEqual({ kind: 'glorot_uniform', fanIn: 12, fanOut: 12 });
  });

  it('train: the kernel\'s gradient matches finite differences', () => {
    const rng = new Rng(8);
    gradientMatchesDifferences(program(1), 'conv2d_transpose_1.kernel', { x: draw(B * 24, rng), y: draw(B * 3, rng) });
    gradientMatchesDifferences(program(1), 'conv2d_transpose_4.kernel', { x: draw(B * 24, rng), y: draw(B * 3, rng) });
  });

  it('train: the gradient flows through it to the layer before', () => {
    const rng = new Rng(9);
    gradientMatchesDifferences(`model m {
  input x: f32[2, 3, 3]
  input y: f32[2]
  h = x -> conv2d(3, kernel: 2) -> conv2d_transpose(2, kernel: 2, stride: 2) -> flatten -> dense(2)
  output h
}
train m { loss = mse(h, y); optimizer = sgd(lr: 1); batch = ${B} }`, 'conv2d_1.kernel', { x: draw(B * 18, rng), y: draw(B * 2, rng) });
  });

  it('pins: Keras\'s output_padding', () => {
    expect(errors(`model m {
  input x: f32[2, 3, 4]
  y = x -> conv2d_transpose(4, stride: 2, output_padding: 1)
  output y
}`)).toBe(`net.dl:3:43: error: unknown argument 'output_padding' for conv2d_transpose (accepted: filters, kernel, stride, padding, dilation, activation, use_bias, init)
 3 |   y = x -> conv2d_transpose(4, stride: 2, output_padding: 1)
   |                                           ^^^^^^^^^^^^^^`);
  });
});

describe('maxpool and avgpool with padding: same (Keras MaxPooling2D, AveragePooling2D)', () => {
  it('give ⌈H/s⌉ × ⌈W/s⌉ windows, the extra padding at the bottom and right; padding never wins a max nor counts in a mean', () => {
    const r = compiles(`model m {
  input x: f32[1, 5, 7]
  a = x -> maxpool(pool: 2, padding: same)
  b = x -> avgpool(pool: 3, stride: 2, padding: same)
  c = x -> maxpool(pool: [3, 2], stride: [1, 3], padding: same)
  output a, b, c
}`);
    const ref = new ReferenceRun(r);
    const x = draw(32 * 35, new Rng(5));
    const out = ref.run('forward', { x });
    /** The pool over the window of output (oh, ow) of sample 0, `top` and `left` rows/columns of padding before. */
    const pool = (f: 'max' | 'mean', [kh, kw]: number[], [sh, sw]: number[], [top, left]: number[], [OH, OW]: number[]): number[] => {
      const y: number[] = [];
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          const vals: number[] = [];
          for (let i = oh * sh! - top!; i < oh * sh! - top! + kh!; i++) {
            for (let j = ow * sw! - left!; j < ow * sw! - left! + kw!; j++) if (i >= 0 && i < 5 && j >= 0 && j < 7) vals.push(x[i * 7 + j]!);
          }
          y.push(f === 'max' ? Math.max(...vals) : vals.reduce((a, b) => a + b, 0) / vals.length);
        }
      }
      return y;
    };
    expect(out.a!.shape).toEqual([32, 1, 3, 4]);
    expect(out.b!.shape).toEqual([32, 1, 3, 4]);
    expect(out.c!.shape).toEqual([32, 1, 5, 3]);
    // a: total padding (3 − 1)·2 + 2 − 5 = 1 row, all at the bottom; 1 column at the right.
    expect(maxDiff(out.a!.data.slice(0, 12), pool('max', [2, 2], [2, 2], [0, 0], [3, 4]))).toBe(0);
    // b: (3 − 1)·2 + 3 − 5 = 2 rows, one above and one below; columns likewise.
    expect(maxDiff(out.b!.data.slice(0, 12), pool('mean', [3, 3], [2, 2], [1, 1], [3, 4]))).toBeLessThan(1e-15);
    // c: rows 4 + 3 − 5 = 2 (one above); columns (3 − 1)·3 + 2 − 7 = 1 (at the right).
    expect(maxDiff(out.c!.data.slice(0, 15), pool('max', [3, 2], [1, 3], [1, 0], [5, 3]))).toBe(0);
  });
});

describe('groupnorm (Keras GroupNormalization)', () => {
  const B = 3;
  const program = (lr: number): string => `model m {
  input x: f32[6, 3, 5]
  input v: f32[4]
  input y: f32[2]
  a = x -> conv2d(6, kernel: 1) -> groupnorm(groups: 3)
  b = v -> groupnorm(groups: 2, epsilon: 0.01)
  h = concat(a -> global_avgpool, b, axis: 1) -> dense(2)
  output a, b, h
}
train m { loss = mse(h, y); optimizer = sgd(lr: ${lr}); batch = ${B} }`;

  it('normalises each group of channels with its plane by its mean and biased variance, then gamma and beta per channel', () => {
    const r = compiles(program(0.1));
    const ref = new ReferenceRun(r);
    const rng = new Rng(6);
    const x = draw(B * 90, rng);
    const v = draw(B * 4, rng);
    const gamma = setParam(ref, 'groupnorm_2.gamma', (i) => 1 + 0.5 * i);
    const beta = setParam(ref, 'groupnorm_2.beta', (i) => -0.25 * i);
    const out = ref.run('forward', { x, v });
    expect(out.a!.shape).toEqual([B, 6, 3, 5]);
    // b: [batch, 4] in 2 groups of 2 features.
    const want: number[] = [];
    for (let n = 0; n < B; n++) {
      for (let g = 0; g < 2; g++) {
        const vals = [v[n * 4 + 2 * g]!, v[n * 4 + 2 * g + 1]!];
        const mean = (vals[0]! + vals[1]!) / 2;
        const variance = ((vals[0]! - mean) ** 2 + (vals[1]! - mean) ** 2) / 2;
        vals.forEach((u, i) => want.push(((u - mean) / Math.sqrt(variance + 0.01)) * gamma[2 * g + i]! + beta[2 * g + i]!));
      }
    }
    expect(maxDiff(out.b!.data, want)).toBeLessThan(1e-12);
    // a: each group (2 channels × 15 values) has mean 0 and variance 15·…/(v + 1e-3) ≈ 1 (gamma 1, beta 0).
    for (let n = 0; n < B; n++) {
      for (let g = 0; g < 3; g++) {
        const vals = Array.from(out.a!.data.slice((n * 3 + g) * 30, (n * 3 + g + 1) * 30));
        const mean = vals.reduce((p, q) => p + q, 0) / 30;
        expect(Math.abs(mean)).toBeLessThan(1e-12);
        const variance = vals.reduce((p, q) => p + q * q, 0) / 30;
        expect(variance).toBeGreaterThan(0.9);
        expect(variance).toBeLessThan(1);
      }
    }
  });

  it('train: the gradient through it matches finite differences (the conv kernel and gamma)', () => {
    const rng = new Rng(10);
    const inputs = { x: draw(B * 90, rng), v: draw(B * 4, rng), y: draw(B * 2, rng) };
    gradientMatchesDifferences(program(1), 'conv2d_1.kernel', inputs);
    gradientMatchesDifferences(program(1), 'groupnorm_1.gamma', inputs);
  });

  it('pins: the default 32 groups on fewer channels', () => {
    expect(errors(`model m {
  input x: f32[16, 4, 4]
  y = x -> groupnorm
  output y
}`)).toBe(`net.dl:3:12: error: groupnorm_1: groupnorm's 32 groups (the default, as Keras) must divide the 16 channels; pass groups: a divisor of 16
 3 |   y = x -> groupnorm
   |            ^^^^^^^^^`);
  });
});

describe('prelu (Keras PReLU)', () => {
  const B = 3;
  const program = (lr: number): string => `model m {
  input x: f32[2, 3, 4]
  input y: f32[3]
  c = x -> conv2d(3, kernel: 2)
  a = c -> prelu(shared_axes: [2, 3])
  b = x -> flatten -> dense(5) -> prelu
  h = concat(a -> flatten, b) -> dense(3)
  output a, b, c, h
}
train m { loss = mse(h, y); optimizer = sgd(lr: ${lr}); batch = ${B} }`;

  it('is x above 0 and alpha·x below, alpha of the per-sample shape (1 on shared axes) starting at zeros', () => {
    const r = compiles(program(0.1));
    const params = r.artifact!.manifest.params;
    expect(params.find((p) => p.name === 'prelu_1.alpha')).toMatchObject({ shape: [3, 1, 1], init: { kind: 'zeros' } });
    expect(params.find((p) => p.name === 'prelu_2.alpha')).toMatchObject({ shape: [5], init: { kind: 'zeros' } });
    const ref = new ReferenceRun(r);
    const alpha = setParam(ref, 'prelu_2.alpha', (i) => 0.1 * i - 0.2);
    const rng = new Rng(11);
    const x = draw(B * 24, rng);
    const out = ref.run('forward', { x });
    // b against dense's output recomputed: the kernel and zero bias.
    const w = ref.tensor('dense_1.kernel');
    for (let n = 0; n < B; n++) {
      for (let u = 0; u < 5; u++) {
        let z = 0;
        for (let i = 0; i < 24; i++) z += x[n * 24 + i]! * w[i * 5 + u]!;
        const want = z > 0 ? z : alpha[u]! * z;
        expect(Math.abs(out.b!.data[n * 5 + u]! - want)).toBeLessThan(1e-12);
      }
    }
    // a: per channel, one alpha for the whole plane.
    const a1 = setParam(ref, 'prelu_1.alpha', (i) => 0.3 * (i + 1));
    const again = ref.run('forward', { x });
    expect(again.a!.shape).toEqual([B, 3, 2, 3]);
    again.c!.data.forEach((z, i) => {
      const ch = Math.floor(i / 6) % 3;
      expect(Math.abs(again.a!.data[i]! - (z > 0 ? z : a1[ch]! * z))).toBeLessThan(1e-15);
    });
  });

  it('train: alpha\'s gradient and the kernel\'s through it match finite differences', () => {
    const rng = new Rng(12);
    const inputs = { x: draw(B * 24, rng), y: draw(B * 3, rng) };
    gradientMatchesDifferences(program(1), 'dense_1.kernel', inputs);
  });

  it('pins: a shared axis beyond the input', () => {
    expect(errors(`model m {
  input x: f32[8]
  y = x -> prelu(shared_axes: [2])
  output y
}`)).toBe(`net.dl:3:12: error: prelu_1: prelu shared_axes 2 is out of range for an input of shape [batch, 8] (axes 1 to 1; 0 is the batch)
 3 |   y = x -> prelu(shared_axes: [2])
   |            ^^^^^^^^^^^^^^^^^^^^^^^`);
  });
});

describe('spatial_dropout2d (Keras SpatialDropout2D)', () => {
  it('zeroes whole channels while training and scales the rest by 1/(1 − rate); identity in eval', () => {
    const r = compiles(`model m {
  input x: f32[40, 3, 5]
  input y: f32[600]
  d = x -> spatial_dropout2d(0.25)
  h = d -> flatten
  output d, h
}
train m { loss = mse(h, y); optimizer = sgd(lr: 0.1); batch = 4 }`);
    const ref = new ReferenceRun(r);
    const x = Float32Array.from({ length: 4 * 600 }, (_, i) => 1 + (i % 7));
    expect(Array.from(ref.run('forward', { x }).d!.data)).toEqual(Array.from(x));
    ref.run('train_step', { x, y: new Float32Array(4 * 600) });
    // The training value of d: the product of x and the dropped-out mask, one per channel.
    const g = r.graph!;
    const mask = g.nodes.find((n) => n.op === 'dropout' && g.programs.train_step.nodes.includes(n.id))!.output!;
    expect(g.value(mask).shape).toEqual([4, 40, 1, 1]);
    const d = ref.env.get(g.nodes.find((n) => n.op === 'mul' && n.inputs.includes(mask))!.output!)!.data;
    let dropped = 0;
    for (let c = 0; c < 160; c++) {
      const plane = Array.from(d.slice(c * 15, (c + 1) * 15));
      const kept = plane.every((v, i) => Math.abs(v - x[c * 15 + i]! / 0.75) < 1e-12);
      if (!kept) { expect(plane.every((v) => v === 0)).toBe(true); dropped++; }
    }
    // 160 channels at rate 0.25: 40 expected, 4 standard deviations (5.5 each) either side.
    expect(dropped).toBeGreaterThan(18);
    expect(dropped).toBeLessThan(62);
  });

  it('pins: an input that is not an image', () => {
    expect(errors(`model m {
  input x: f32[40]
  y = x -> spatial_dropout2d(0.2)
  output y
}`)).toBe(`net.dl:3:12: error: spatial_dropout2d_1: spatial_dropout2d needs an input of shape [batch, channels, height, width], got [batch, 40]; declare the input as e.g. f32[1, 28, 28] or reshape it
 3 |   y = x -> spatial_dropout2d(0.2)
   |            ^^^^^^^^^^^^^^^^^^^^^^`);
  });
});

describe('depthwise_conv2d and separable_conv2d (Keras DepthwiseConv2D, SeparableConv2D)', () => {
  const B = 3;
  const program = (lr: number): string => `model m {
  input x: f32[3, 5, 6]
  input y: f32[2]
  a = x -> depthwise_conv2d(kernel: 3, depth_multiplier: 2, padding: same)
  b = x -> separable_conv2d(4, kernel: [2, 3], stride: 2)
  h = concat(a -> global_avgpool, b -> global_avgpool) -> dense(2)
  output a, b, h
}
train m { loss = mse(h, y); optimizer = sgd(lr: ${lr}); batch = ${B} }`;

  it('filter each channel on its own (output channel c·multiplier + m), then mix with a 1×1 convolution', () => {
    const r = compiles(program(0.1));
    const params = r.artifact!.manifest.params;
    // Keras's fans: depthwise [kh, kw, C, m] → kh·kw·C in, kh·kw·m out; pointwise [1, 1, C·m, filters].
    expect(params.find((p) => p.name === 'depthwise_conv2d_1.depthwise_kernel')).toMatchObject({ shape: [6, 1, 3, 3], init: { kind: 'glorot_uniform', fanIn: 27, fanOut: 18 } });
    expect(params.find((p) => p.name === 'separable_conv2d_1.depthwise_kernel')).toMatchObject({ shape: [3, 1, 2, 3], init: { kind: 'glorot_uniform', fanIn: 18, fanOut: 6 } });
    expect(params.find((p) => p.name === 'separable_conv2d_1.pointwise_kernel')).toMatchObject({ shape: [4, 3, 1, 1], init: { kind: 'glorot_uniform', fanIn: 3, fanOut: 4 } });
    const ref = new ReferenceRun(r);
    const bias = setParam(ref, 'depthwise_conv2d_1.bias', (i) => 0.1 * i);
    const x = draw(B * 90, new Rng(13));
    const out = ref.run('forward', { x });
    expect(out.a!.shape).toEqual([B, 6, 5, 6]);
    expect(out.b!.shape).toEqual([B, 4, 2, 2]);
    const wd = ref.tensor('depthwise_conv2d_1.depthwise_kernel');
    const want = new Float64Array(B * 6 * 30);
    for (let n = 0; n < B; n++) {
      for (let c = 0; c < 3; c++) {
        for (let m = 0; m < 2; m++) {
          const co = c * 2 + m;
          for (let i = 0; i < 5; i++) {
            for (let j = 0; j < 6; j++) {
              let acc = bias[co]!;
              for (let kh = 0; kh < 3; kh++) {
                for (let kw = 0; kw < 3; kw++) {
                  const [u, v] = [i - 1 + kh, j - 1 + kw];
                  if (u >= 0 && u < 5 && v >= 0 && v < 6) acc += x[((n * 3 + c) * 5 + u) * 6 + v]! * wd[co * 9 + kh * 3 + kw]!;
                }
              }
              want[((n * 6 + co) * 5 + i) * 6 + j] = acc;
            }
          }
        }
      }
    }
    expect(maxDiff(out.a!.data, want)).toBeLessThan(1e-12);
    // b: depthwise 2×3 stride 2 valid (2 × 2 outputs), then Σ_c pointwise[f, c]·d[c].
    const sd = ref.tensor('separable_conv2d_1.depthwise_kernel');
    const pw = ref.tensor('separable_conv2d_1.pointwise_kernel');
    const wantB = new Float64Array(B * 16);
    for (let n = 0; n < B; n++) {
      for (let oi = 0; oi < 2; oi++) {
        for (let oj = 0; oj < 2; oj++) {
          const d = [0, 1, 2].map((c) => {
            let acc = 0;
            for (let kh = 0; kh < 2; kh++) for (let kw = 0; kw < 3; kw++) acc += x[((n * 3 + c) * 5 + oi * 2 + kh) * 6 + oj * 2 + kw]! * sd[c * 6 + kh * 3 + kw]!;
            return acc;
          });
          for (let f = 0; f < 4; f++) wantB[((n * 4 + f) * 2 + oi) * 2 + oj] = d.reduce((acc, v, c) => acc + pw[f * 3 + c]! * v, 0);
        }
      }
    }
    expect(maxDiff(out.b!.data, wantB)).toBeLessThan(1e-12);
  });

  it('train: both kernels\' gradients match finite differences', () => {
    const rng = new Rng(14);
    const inputs = { x: draw(B * 90, rng), y: draw(B * 2, rng) };
    gradientMatchesDifferences(program(1), 'separable_conv2d_1.depthwise_kernel', inputs);
    gradientMatchesDifferences(program(1), 'separable_conv2d_1.pointwise_kernel', inputs);
  });

  it('pins: a filter count given to depthwise_conv2d', () => {
    expect(errors(`model m {
  input x: f32[3, 8, 8]
  y = x -> depthwise_conv2d(kernel: 3, filters: 6)
  output y
}`)).toBe(`net.dl:3:40: error: unknown argument 'filters' for depthwise_conv2d (accepted: kernel, stride, padding, dilation, depth_multiplier, activation, use_bias, init)
 3 |   y = x -> depthwise_conv2d(kernel: 3, filters: 6)
   |                                        ^^^^^^^`);
  });
});

describe('upsample(interpolation: bilinear) (Keras UpSampling2D bilinear: tf.image.resize, half-pixel centres)', () => {
  it('matches tf.image.resize\'s bilinear weights on a worked example', () => {
    const r = compiles(`model m {
  input x: f32[1, 2, 3]
  y = x -> upsampling2d(factor: [2, 3], interpolation: bilinear)
  output y
}`);
    const x = Float32Array.from({ length: 32 * 6 }, (_, i) => [1, 2, 4, 8, 16, 32][i % 6]!);
    const y = new ReferenceRun(r).run('forward', { x }).y!;
    expect(y.shape).toEqual([32, 1, 4, 9]);
    // Rows: output 0 at src −0.25 (clamped to row 0), 1 at 0.25, 2 at 0.75, 3 at 1.25 (clamped to 1).
    // Columns (factor 3): src −1/3, 0, 1/3, 2/3, 1, 4/3, 5/3, 2, 7/3.
    const cols = (a: number, b: number, c: number): number[] => [a, a, a + (b - a) / 3, a + (2 * (b - a)) / 3, b, b + (c - b) / 3, b + (2 * (c - b)) / 3, c, c];
    const top = cols(1, 2, 4);
    const bottom = cols(8, 16, 32);
    const want = [top, top.map((t, j) => 0.75 * t + 0.25 * bottom[j]!), top.map((t, j) => 0.25 * t + 0.75 * bottom[j]!), bottom].flat();
    expect(maxDiff(y.data.slice(0, 36), want)).toBeLessThan(1e-12);
  });

  it('train: the gradient through it matches finite differences', () => {
    const rng = new Rng(15);
    gradientMatchesDifferences(`model m {
  input x: f32[2, 3, 4]
  input y: f32[2]
  h = x -> conv2d(2, kernel: 2) -> upsample(factor: 3, interpolation: bilinear) -> flatten -> dense(2)
  output h
}
train m { loss = mse(h, y); optimizer = sgd(lr: 1); batch = 3 }`, 'conv2d_1.kernel', { x: draw(3 * 24, rng), y: draw(3 * 2, rng) });
  });

  it('pins: Keras\'s spelling of the factor', () => {
    expect(errors(`model m {
  input x: f32[1, 4, 4]
  y = x -> upsampling2d(size: 2, interpolation: bilinear)
  output y
}`)).toBe(`net.dl:3:25: error: unknown argument 'size' for upsampling2d; did you mean 'factor'?
 3 |   y = x -> upsampling2d(size: 2, interpolation: bilinear)
   |                         ^^^^`);
  });
});
