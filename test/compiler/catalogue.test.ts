// The catalogue of issue 20 as Keras defines each item: n-ary concat and the Average / Maximum
// merges, reshape with an inferred (-1) dimension, global_maxpool and zero_padding2d, the hinge and
// kl_divergence losses, the lecun_uniform and lecun_normal initialisers. The float64 interpreter's forward values are held to the formulas written out here, one
// train step compiles and runs, and each item's commonest mistake has its message pinned.
import { describe, expect, it } from 'vitest';
import { initialValues } from '../../runtime/init.ts';
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

describe('concat of more than two values, average and maximum (Keras Concatenate, Average, Maximum)', () => {
  const B = 3;
  const src = `model m {
  input a: f32[2, 3]
  input b: f32[2, 3]
  input c: f32[2, 3]
  input y: f32[4]
  cat1 = concat(a, b, c)
  cat2 = concat(a, b, c, a, axis: 2)
  cat3 = a -> concat(b, c, axis: -1)
  avg = average(a, b, c)
  mx = maximum(a, b, c)
  mx2 = maximum(a, b)
  h = avg + mx -> flatten -> dense(4)
  output cat1, cat2, cat3, avg, mx, mx2, h
}
train m { loss = mse(h, y); optimizer = sgd(lr: 0.1); batch = ${B} }`;

  it('compile to the shapes Keras gives and compute its formulas', () => {
    const r = compiles(src);
    const ref = new ReferenceRun(r);
    const rng = new Rng(5);
    const [a, b, c] = [draw(B * 6, rng), draw(B * 6, rng), draw(B * 6, rng)];
    const out = ref.run('forward', { a, b, c });
    expect(out.cat1!.shape).toEqual([B, 6, 3]);
    expect(out.cat2!.shape).toEqual([B, 2, 12]);
    expect(out.cat3!.shape).toEqual([B, 2, 9]);
    // at(x, n, i, j): element [n, i, j] of a [B, 2, 3] input.
    const at = (x: Float32Array, n: number, i: number, j: number): number => x[n * 6 + i * 3 + j]!;
    for (let n = 0; n < B; n++) {
      for (let i = 0; i < 2; i++) {
        for (let j = 0; j < 3; j++) {
          const k = n * 6 + i * 3 + j;
          const [va, vb, vc] = [at(a, n, i, j), at(b, n, i, j), at(c, n, i, j)];
          [va, vb, vc].forEach((v, q) => expect(out.cat1!.data[n * 18 + (q * 2 + i) * 3 + j]).toBe(v));
          [va, vb, vc, va].forEach((v, q) => expect(out.cat2!.data[n * 24 + i * 12 + q * 3 + j]).toBe(v));
          [va, vb, vc].forEach((v, q) => expect(out.cat3!.data[n * 18 + i * 9 + q * 3 + j]).toBe(v));
          expect(Math.abs(out.avg!.data[k]! - (va + vb + vc) / 3)).toBeLessThan(1e-15);
          expect(out.mx!.data[k]).toBe(Math.max(va, vb, vc));
          expect(out.mx2!.data[k]).toBe(Math.max(va, vb));
        }
      }
    }
    const loss = ref.trainStep({ a, b, c, y: draw(B * 4, rng) });
    expect(Number.isFinite(loss)).toBe(true);
  });

  it('train: a kernel\'s gradient through concat, average and maximum matches finite differences', () => {
    const rng = new Rng(6);
    gradientMatchesDifferences(`model m {
  input x: f32[5]
  input y: f32[12]
  a = x -> dense(4)
  b = x -> dense(4) -> tanh
  c = maximum(a, b, average(a, b, x -> dense(4)))
  h = concat(a, c, b)
  output h
}
train m { loss = mse(h, y); optimizer = sgd(lr: 1); batch = 3 }`, 'dense_1.kernel', { x: draw(15, rng), y: draw(36, rng) });
  });

  it('average broadcasts as Keras merges do', () => {
    const r = compiles(`model m {
  input a: f32[2, 3]
  input b: f32[1, 3]
  y = average(a, b)
  output y
}`);
    const ref = new ReferenceRun(r);
    const a = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const b = Float32Array.from([10, 20, 30]);
    // The first sample (the batch is the default 32; the rest are zeros).
    expect(Array.from(ref.run('forward', { a, b }).y!.data.slice(0, 6))).toEqual([5.5, 11, 16.5, 7, 12.5, 18]);
  });

  it('pins: an axis written as a third positional argument', () => {
    expect(errors(`model m {
  input a: f32[2, 3]
  input b: f32[2, 3]
  y = concat(a, b, 2)
  output y
}`)).toBe(`net.dl:4:20: error: concat takes any number of input tensors, then its arguments by name: concat(a, b, c, axis: …); got the integer 2 as input 3
 4 |   y = concat(a, b, 2)
   |                    ^`);
  });

  it('pins: average of values whose shapes differ', () => {
    expect(errors(`model m {
  input x: f32[6]
  a = x -> dense(4)
  b = x -> dense(3)
  y = average(a, b)
  output y
}`)).toBe(`net.dl:5:7: error: average_1: average needs inputs of one shape (or shapes that broadcast), got [batch, 4], [batch, 3]
 5 |   y = average(a, b)
   |       ^^^^^^^^^^^^^`);
  });

  it('pins: a merge of one value', () => {
    expect(errors(`model m {
  input x: f32[6]
  y = maximum(x)
  output y
}`)).toBe(`net.dl:3:7: error: maximum needs at least 2 input tensors, got 1: write maximum(a, b), maximum(a, b, c), …, or a -> maximum(b, …) in a chain
 3 |   y = maximum(x)
   |       ^^^^^^^^^^`);
  });

  it('pins: concat of three values, one of another size', () => {
    expect(errors(`model m {
  input a: f32[2, 3]
  input b: f32[2, 3]
  input c: f32[2, 4]
  y = concat(a, b, c)
  output y
}`)).toBe(`net.dl:5:7: error: concat_1: concat along axis 1 needs equal other dimensions, got [batch, 2, 3] and [batch, 2, 3] and [batch, 2, 4]
 5 |   y = concat(a, b, c)
   |       ^^^^^^^^^^^^^^^`);
  });
});

describe('reshape with one inferred dimension (Keras Reshape, -1)', () => {
  it('infers the -1 from the other dimensions and keeps the values in order', () => {
    const r = compiles(`model m {
  input x: f32[3, 4]
  y = x -> reshape([-1, 2])
  z = x -> reshape([-1])
  w = x -> reshape([2, -1, 3])
  h = z -> dense(2)
  output y, z, w, h
}
train m { loss = mse(h, h); optimizer = sgd(lr: 0.1); batch = 2 }`);
    const ref = new ReferenceRun(r);
    const x = Float32Array.from({ length: 24 }, (_, i) => i);
    const out = ref.run('forward', { x });
    expect(out.y!.shape).toEqual([2, 6, 2]);
    expect(out.z!.shape).toEqual([2, 12]);
    expect(out.w!.shape).toEqual([2, 2, 2, 3]);
    for (const v of [out.y!, out.z!, out.w!]) expect(Array.from(v.data)).toEqual(Array.from(x));
  });

  it('pins: a -1 that does not divide the values', () => {
    expect(errors(`model m {
  input x: f32[3, 4]
  y = x -> reshape([-1, 5])
  output y
}`)).toBe(`net.dl:3:12: error: reshape_1: cannot reshape per-sample shape [3, 4] (12 values) to [-1, 5]: 12 is not a multiple of 5, the product of the other dimensions
 3 |   y = x -> reshape([-1, 5])
   |            ^^^^^^^^^^^^^^^^`);
  });

  it('pins: two inferred dimensions', () => {
    expect(errors(`model m {
  input x: f32[3, 4]
  y = x -> reshape([-1, -1])
  output y
}`)).toBe(`net.dl:3:20: error: argument 'shape' of reshape: at most one dimension may be -1 (inferred), got 2 in [-1, -1]
 3 |   y = x -> reshape([-1, -1])
   |                    ^^^^^^^^`);
  });
});

describe('global_maxpool and zero_padding2d (Keras GlobalMaxPooling2D, ZeroPadding2D)', () => {
  const B = 2;
  const src = `model m {
  input x: f32[2, 3, 5]
  input y: f32[3]
  g = x -> global_maxpool
  p1 = x -> zero_padding2d
  p2 = x -> zero_padding2d([2, 0])
  p3 = x -> zero_padding2d([[1, 0], [2, 3]])
  h = p3 -> conv2d(3, kernel: 2, use_bias: false) -> global_maxpool
  output g, p1, p2, p3, h
}
train m { loss = mse(h, y); optimizer = sgd(lr: 1); batch = ${B}; seed = 3 }`;

  it('compute Keras\' formulas: the max over each plane, zeros around it', () => {
    const ref = new ReferenceRun(compiles(src));
    const x = draw(B * 30, new Rng(8));
    const out = ref.run('forward', { x });
    expect(out.g!.shape).toEqual([B, 2]);
    for (let nc = 0; nc < B * 2; nc++) expect(out.g!.data[nc]).toBe(Math.max(...x.slice(nc * 15, nc * 15 + 15)));
    const padded = (t: { shape: number[]; data: Float64Array }, [top, bottom, left, right]: number[]): void => {
      expect(t.shape).toEqual([B, 2, 3 + top! + bottom!, 5 + left! + right!]);
      const [H, W] = [t.shape[2]!, t.shape[3]!];
      for (let nc = 0; nc < B * 2; nc++) {
        for (let i = 0; i < H; i++) {
          for (let j = 0; j < W; j++) {
            const [si, sj] = [i - top!, j - left!];
            const want = si >= 0 && si < 3 && sj >= 0 && sj < 5 ? x[nc * 15 + si * 5 + sj]! : 0;
            expect(t.data[(nc * H + i) * W + j]).toBe(want);
          }
        }
      }
    };
    padded(out.p1!, [1, 1, 1, 1]);
    padded(out.p2!, [2, 2, 0, 0]);
    padded(out.p3!, [1, 0, 2, 3]);
  });

  it('train: the conv kernel\'s gradient through the padding and the global max matches finite differences', () => {
    const rng = new Rng(4);
    gradientMatchesDifferences(src, 'conv2d_1.kernel', { x: draw(B * 30, rng), y: draw(B * 3, rng) });
  });

  it('pins: a flat list of four paddings', () => {
    expect(errors(`model m {
  input x: f32[2, 3, 5]
  y = x -> zero_padding2d([1, 1, 2, 2])
  output y
}`)).toBe(`net.dl:3:27: error: argument 'padding' of zero_padding2d: a flat list of 4 is ambiguous here; write [[top, bottom], [left, right]] as Keras' ZeroPadding2D does
 3 |   y = x -> zero_padding2d([1, 1, 2, 2])
   |                           ^^^^^^^^^^^^`);
  });

  it('pins: global_maxpool of a flat input', () => {
    expect(errors(`model m {
  input x: f32[12]
  y = x -> global_maxpool
  output y
}`)).toBe(`net.dl:3:12: error: global_maxpool_1: global_maxpool needs an input of shape [batch, channels, height, width], got [batch, 12]; declare the input as e.g. f32[1, 28, 28] or reshape it
 3 |   y = x -> global_maxpool
   |            ^^^^^^^^^^^^^^`);
  });
});

describe('losses hinge and kl_divergence (Keras hinge, kl_divergence)', () => {
  const B = 4;
  const net = (loss: string, head = 'p = x -> dense(3)') => `model m {
  input x: f32[5]
  input t: f32[3]
  ${head}
  output p
}
train m { loss = ${loss}; optimizer = sgd(lr: 1); batch = ${B}; seed = 6 }`;
  // Keras, written out: hinge converts the batch's targets to 2t − 1 when all are 0 or 1.
  const kerasHinge = (p: ArrayLike<number>, t: ArrayLike<number>): number[] => {
    const binary = Array.from(t).every((v) => v === 0 || v === 1);
    return Array.from({ length: B }, (_, i) => {
      let s = 0;
      for (let j = 0; j < 3; j++) s += Math.max(1 - (binary ? 2 * t[i * 3 + j]! - 1 : t[i * 3 + j]!) * p[i * 3 + j]!, 0);
      return s / 3;
    });
  };
  const clip = (v: number): number => Math.min(Math.max(v, 1e-7), 1);
  const kerasKl = (p: ArrayLike<number>, t: ArrayLike<number>): number[] => Array.from({ length: B }, (_, i) => {
    let s = 0;
    for (let j = 0; j < 3; j++) s += clip(t[i * 3 + j]!) * Math.log(clip(t[i * 3 + j]!) / clip(p[i * 3 + j]!));
    return s;
  });
  const rng = new Rng(12);
  const x = draw(B * 5, rng);
  const targets: Record<string, Float32Array> = {
    'labels -1/1': Float32Array.from({ length: B * 3 }, () => (rng.next() < 0.5 ? -1 : 1)),
    'labels 0/1 (converted)': Float32Array.from({ length: B * 3 }, () => (rng.next() < 0.5 ? 0 : 1)),
    'labels -1/0/1 (not converted)': Float32Array.from({ length: B * 3 }, (_, k) => (k % 3) - 1),
  };

  for (const [what, t] of Object.entries(targets)) {
    it(`hinge, ${what}: rows follow Keras' formula and the gradient matches finite differences`, () => {
      const r = compiles(net('hinge(p, t)'));
      const ref = new ReferenceRun(r);
      const p = ref.run('forward', { x }).p!.data;
      const rows = ref.run('eval', { x, t }).loss_rows!.data;
      kerasHinge(p, t).forEach((want, i) => expect(Math.abs(rows[i]! - want)).toBeLessThan(1e-12));
      gradientMatchesDifferences(net('hinge(p, t)'), 'dense_1.kernel', { x, t });
    });
  }

  it('kl_divergence of a softmax against distributions, with zeros the clip keeps finite', () => {
    const src = net('kl_divergence(p, t)', 'p = x -> dense(3) -> softmax');
    const ref = new ReferenceRun(compiles(src));
    const t = Float32Array.from({ length: B * 3 }, (_, k) => [0.2, 0.8, 0, 0.5, 0.25, 0.25][k % 6]!);
    const p = ref.run('forward', { x }).p!.data;
    const rows = ref.run('eval', { x, t }).loss_rows!.data;
    kerasKl(p, t).forEach((want, i) => expect(Math.abs(rows[i]! - want)).toBeLessThan(1e-12));
    gradientMatchesDifferences(src, 'dense_1.kernel', { x, t });
    expect(compiles(net('kld(p, t)', 'p = x -> dense(3) -> softmax')).artifact!.manifest.train.loss).toBe('kl_divergence');
  });

  it('pins: hinge with class labels as the target', () => {
    expect(errors(`model m {
  input x: f32[5]
  input label: class[2]
  p = x -> dense(1)
  output p
}
train m { loss = hinge(p, label) }`)).toBe(`net.dl:7:27: error: hinge needs float targets, targets of −1 or 1 (or 0 or 1); 'label' holds class labels
 7 | train m { loss = hinge(p, label) }
   |                           ^^^^^`);
  });

  it('pins: accuracy asked of a kl_divergence loss', () => {
    expect(errors(`model m {
  input x: f32[5]
  input t: f32[3]
  p = x -> dense(3) -> softmax
  output p
}
train m { loss = kl_divergence(p, t); metrics = [accuracy] }`)).toBe(`net.dl:7:18: error: accuracy is not computed for a kl_divergence loss (only the loss is)
 7 | train m { loss = kl_divergence(p, t); metrics = [accuracy] }
   |                  ^^^^^^^^^^^^^^^^^^^`);
  });
});

describe('initialisers lecun_uniform and lecun_normal (Keras LecunUniform, LecunNormal)', () => {
  const src = (init: string) => `model m {
  input x: f32[2, 9, 9]
  c = x -> conv2d(3, kernel: 5, init: ${init}, activation: selu)
  d = c -> flatten -> dense(401, init: ${init})
  output d
}`;

  it('bind fan-in as Keras counts it (input channels × kernel area; dense inputs)', () => {
    const m = compiles(src('lecun_normal')).artifact!.manifest;
    const init = (name: string) => m.params.find((p) => p.name === name)!.init;
    expect(init('conv2d_1.kernel')).toEqual({ kind: 'lecun_normal', fanIn: 50, fanOut: 75 });
    expect(init('dense_1.kernel')).toEqual({ kind: 'lecun_normal', fanIn: 75, fanOut: 401 });
    expect(compiles(src('lecun_uniform')).artifact!.manifest.params.find((p) => p.name === 'dense_1.kernel')!.init.kind).toBe('lecun_uniform');
  });

  it('draw Keras\' distributions: uniform in ±√(3/fan_in), normal with σ = √(1/fan_in) truncated at 2σ', () => {
    const fanIn = 75;
    const n = 200_000;
    const u = initialValues({ kind: 'lecun_uniform', fanIn, fanOut: 401 }, n, new Rng(1));
    const limit = Math.sqrt(3 / fanIn);
    const largest = (a: Float32Array): number => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(largest(u)).toBeLessThanOrEqual(limit);
    expect(largest(u)).toBeGreaterThan(0.99 * limit);
    const variance = (a: Float32Array): number => a.reduce((s, v) => s + v * v, 0) / a.length;
    // Var of U(±l) is l²/3 = 1/fan_in; sampling error at n = 2e5 is about 0.3%.
    expect(Math.abs(variance(u) * fanIn - 1)).toBeLessThan(0.01);
    const g = initialValues({ kind: 'lecun_normal', fanIn, fanOut: 401 }, n, new Rng(2));
    // Keras divides the truncation out: the truncated normal's variance is 1/fan_in.
    const sigma = Math.sqrt(1 / fanIn) / 0.87962566103423978;
    expect(largest(g)).toBeLessThanOrEqual(2 * sigma * (1 + 1e-6));
    expect(largest(g)).toBeGreaterThan(1.99 * sigma);
    expect(Math.abs(variance(g) * fanIn - 1)).toBeLessThan(0.015);
  });

  it('pins: a misspelt initialiser', () => {
    expect(errors(`model m {
  input x: f32[4]
  y = x -> dense(3, init: lecun)
  output y
}`)).toBe(`net.dl:3:27: error: argument 'init' of dense: unknown value 'lecun' (one of auto, glorot_uniform, glorot_normal, he_uniform, he_normal, lecun_uniform, lecun_normal, zeros)
 3 |   y = x -> dense(3, init: lecun)
   |                           ^^^^^`);
  });
});
