// Spatial ops over NCHW tensors (pooling, nearest upsampling), the axis copies concat and slice, and transpose.
import { aroundAxis, poolDims, windowSpan, type Pool2d } from '../geometry.ts';
import { grid, type AxisCopyTemplate, type Epilogue, type KernelBody, type KernelIO, type PoolTemplate } from '../kernel-spec.ts';
import { numel, sameShape, shapeStr, strides, tensor, type Tensor } from '../tensor.ts';
import type { Attrs } from '../types.ts';
import { ShapeError, type KernelRow } from './def.ts';
import { eachResizeTap } from './resize-taps.ts';

/** The [H, W] a bilinear upsampling by attrs.factor produces: its reference is a resize to that size. */
const upsampled = (H: number, W: number, attrs: Attrs): [number, number] => [H * (attrs.factor as number[])[0]!, W * (attrs.factor as number[])[1]!];

/** Invocations per workgroup: one per output element (per window for the tiled max-pool gradient). */
const WG = 64;

/** A pooling kernel over `total` invocations. */
function poolKernel(kind: PoolTemplate['kind'], io: KernelIO, pool: Pool2d, total: number, epilogue?: Epilogue): KernelBody {
  return {
    template: { kind, inputs: io.inputs.map((i) => i.name), out: io.output!.name, pool, total, wg: WG, ...(epilogue ? { epilogue } : {}) },
    workgroups: grid(Math.ceil(total / WG)),
  };
}

/**
 * dx of maxpool2d: each input element gathers g from the windows whose argmax it is; when windows
 * tile the input (stride = kernel, no padding) one invocation per window writes its whole tile
 * instead (4× fewer invocations, no repeated argmax: ~3× faster on llvmpipe for MNIST's 2×2 pools).
 */
function maxPoolBwdKernel(io: KernelIO, epilogue?: Epilogue): KernelBody {
  const [x, g] = io.inputs;
  const p = poolDims(x!.shape, io.attrs);
  const tiles = p.sh === p.kh && p.sw === p.kw && p.top + p.left + p.bottom + p.right === 0;
  return tiles ? poolKernel('maxpool2d_bwd_tiled', io, p, numel(g!.shape), epilogue) : poolKernel('maxpool2d_bwd', io, p, numel(x!.shape), epilogue);
}

/**
 * A copy along one axis: `inner` elements after it, sizes `dims` along it. A slice's start goes to the
 * per-dispatch uniform block when codegen allows it, so an unrolled recurrence's slices of one value
 * at every time step share one kernel text (one pipeline) instead of one each.
 */
function axisKernel(kind: AxisCopyTemplate['kind'], io: KernelIO, inner: number, dims: number[], start: number): KernelBody {
  const total = numel(io.output!.shape);
  const workgroups = grid(Math.ceil(total / WG));
  // Per-dispatch values where allowed: a slice's start; a concat's sizes (a gradient assembled from
  // time steps joins pieces of many sizes, which then share one shader). A grid too large for one
  // row prints its width into the text, so such a concat keeps its sizes there too.
  if (io.params === true && kind === 'concat' && workgroups[1] === 1) {
    const template: AxisCopyTemplate = { kind, inputs: io.inputs.map((i) => i.name), out: io.output!.name, inner, dims, start, sizesParam: true, total, wg: WG };
    return { template, workgroups, params: [dims[0]!, dims[1]!, total] };
  }
  const param = io.params === true && kind !== 'concat';
  const template: AxisCopyTemplate = { kind, inputs: io.inputs.map((i) => i.name), out: io.output!.name, inner, dims, start: param ? 'param' : start, total, wg: WG };
  return { template, workgroups, ...(param ? { params: [start] } : {}) };
}

function upsampleKernel(kind: 'upsample' | 'upsample_bwd' | 'upsample_bilinear' | 'upsample_bilinear_bwd') {
  return (io: KernelIO): KernelBody => {
    const total = numel(io.output!.shape);
    // H × W are the planes of the smaller side: x for upsample, dx for its gradient.
    const [, , H, W] = (kind === 'upsample' || kind === 'upsample_bilinear' ? io.inputs[0]!.shape : io.output!.shape) as [number, number, number, number];
    const [fh, fw] = io.attrs.factor as [number, number];
    return { template: { kind, x: io.inputs[0]!.name, out: io.output!.name, H, W, fh, fw, total, wg: WG }, workgroups: grid(Math.ceil(total / WG)) };
  };
}

/** An attribute that must be `len` integers, each at least `min`. */
function ints(op: string, attrs: Attrs, name: string, len: number, min: number): number[] {
  const v = attrs[name];
  if (!Array.isArray(v) || v.length !== len || !v.every((d) => Number.isInteger(d) && d >= min)) {
    throw new ShapeError(`${op} needs '${name}' as ${len} integers ≥ ${min}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** An attribute that must be one integer ≥ min. */
function int(op: string, attrs: Attrs, name: string, min: number): number {
  const v = attrs[name];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new ShapeError(`${op} needs '${name}' as an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  return v;
}

const nchw = (op: string, what: string, s: readonly number[]): void => {
  if (s.length !== 4) throw new ShapeError(`${op} needs ${what} in NCHW layout [N, C, H, W], got ${shapeStr(s)}`);
};

/** Output shape of a pooling of `xShape`; rejects bad attributes and windows with no real input. */
function poolShape(op: string, xShape: readonly number[], attrs: Attrs): number[] {
  nchw(op, 'an input', xShape);
  const [kh, kw] = ints(op, attrs, 'kernel', 2, 1) as [number, number];
  const [sh, sw] = ints(op, attrs, 'stride', 2, 1) as [number, number];
  const pad = ints(op, attrs, 'padding', 4, 0);
  const [top, left, bottom, right] = pad as [number, number, number, number];
  const [N, C, H, W] = xShape as [number, number, number, number];
  const Hp = H + top + bottom;
  const Wp = W + left + right;
  if (kh > Hp || kw > Wp) throw new ShapeError(`${op} window ${kh}×${kw} is larger than the padded input ${Hp}×${Wp}`);
  const p = poolDims(xShape, attrs);
  // Windows move monotonically, so only the first and the last along each axis can miss the input.
  const empty = top >= kh || left >= kw || (p.Ho - 1) * sh - top >= H || (p.Wo - 1) * sw - left >= W;
  if (empty) {
    throw new ShapeError(`${op} padding ${shapeStr(pad)} leaves windows with no input element (window ${kh}×${kw}, stride ${sh}×${sw}, input ${H}×${W})`);
  }
  return [N, C, p.Ho, p.Wo];
}

/** Calls f(base of plane in x, base of plane in y, oh, ow, real extent) for every window. */
function eachWindow(p: Pool2d, f: (xb: number, yb: number, oh: number, ow: number, h: [number, number], w: [number, number]) => void): void {
  for (let nc = 0; nc < p.N * p.C; nc++) {
    for (let oh = 0; oh < p.Ho; oh++) {
      const h = windowSpan(oh, p.kh, p.sh, p.top, p.H);
      for (let ow = 0; ow < p.Wo; ow++) f(nc * p.H * p.W, nc * p.Ho * p.Wo, oh, ow, h, windowSpan(ow, p.kw, p.sw, p.left, p.W));
    }
  }
}

/** Flat index in x of the first (row-major) maximum of a window. */
function argmax(x: Float64Array, W: number, xb: number, h: [number, number], w: [number, number]): number {
  let best = xb + h[0] * W + w[0];
  for (let r = h[0]; r < h[1]; r++) {
    for (let c = w[0]; c < w[1]; c++) if (x[xb + r * W + c]! > x[best]!) best = xb + r * W + c;
  }
  return best;
}

function maxPool(x: Tensor, attrs: Attrs): Tensor {
  const p = poolDims(x.shape, attrs);
  const y = tensor([p.N, p.C, p.Ho, p.Wo]);
  eachWindow(p, (xb, yb, oh, ow, h, w) => { y.data[yb + oh * p.Wo + ow] = x.data[argmax(x.data, p.W, xb, h, w)]!; });
  return y;
}

function avgPool(x: Tensor, attrs: Attrs): Tensor {
  const p = poolDims(x.shape, attrs);
  const y = tensor([p.N, p.C, p.Ho, p.Wo]);
  eachWindow(p, (xb, yb, oh, ow, h, w) => {
    let s = 0;
    for (let r = h[0]; r < h[1]; r++) for (let c = w[0]; c < w[1]; c++) s += x.data[xb + r * p.W + c]!;
    y.data[yb + oh * p.Wo + ow] = s / ((h[1] - h[0]) * (w[1] - w[0]));
  });
  return y;
}

const axisOf = (op: string, attrs: Attrs, rank: number): number => {
  const axis = int(op, attrs, 'axis', 0);
  if (axis >= rank) throw new ShapeError(`${op} axis ${axis} is out of range for rank ${rank}`);
  return axis;
};

/** Copies x's [start, start+size) along `axis` (size = y's dimension there) into y at yStart. */
function copyAlong(x: Tensor, xStart: number, y: Tensor, yStart: number, axis: number, size: number): void {
  const { outer, inner } = aroundAxis(x.shape, axis);
  const Dx = x.shape[axis]!;
  const Dy = y.shape[axis]!;
  for (let o = 0; o < outer; o++) {
    for (let a = 0; a < size; a++) {
      const xo = (o * Dx + xStart + a) * inner;
      const yo = (o * Dy + yStart + a) * inner;
      for (let r = 0; r < inner; r++) y.data[yo + r] = x.data[xo + r]!;
    }
  }
}

/** Output shape of an upsampling of NCHW `x` by attrs.factor. */
function upsampledShape(op: string, x: number[], attrs: Attrs): number[] {
  nchw(op, 'an input', x);
  const [fh, fw] = ints(op, attrs, 'factor', 2, 1) as [number, number];
  const [N, C, H, W] = x as [number, number, number, number];
  return [N, C, H * fh, W * fw];
}

/** Shape of an upsampling's input given its gradient `g` (each plane a multiple of the factor). */
function downsampledShape(op: string, g: number[], attrs: Attrs): number[] {
  nchw(op, 'a gradient', g);
  const [fh, fw] = ints(op, attrs, 'factor', 2, 1) as [number, number];
  const [N, C, Ho, Wo] = g as [number, number, number, number];
  if (Ho % fh !== 0 || Wo % fw !== 0) throw new ShapeError(`${op} gradient ${shapeStr(g)} is not a multiple of factor ${fh}×${fw}`);
  return [N, C, Ho / fh, Wo / fw];
}

export const SPATIAL_OPS = {
  upsample_bilinear: {
    kind: 'kernel', doc: 'bilinear upsampling of NCHW x by factor [fh, fw], half-pixel centres, edges clamped (Keras UpSampling2D bilinear)', arity: 1,
    shape: ([x], attrs) => ({ shape: upsampledShape('upsample_bilinear', x!.shape, attrs), dtype: 'f32' }),
    reference: ([x], attrs, out) => {
      const [N, C, H, W] = x!.shape as [number, number, number, number];
      const y = tensor(out.shape);
      eachResizeTap(N * C, [H, W], upsampled(H, W, attrs), (o, i, w) => { y.data[o] += w * x!.data[i]!; });
      return y;
    },
    kernel: upsampleKernel('upsample_bilinear'),
  },
  upsample_bilinear_bwd: {
    kind: 'kernel', doc: 'dx of upsample_bilinear given g: each output\'s g back to its four taps', arity: 1,
    shape: ([g], attrs) => ({ shape: downsampledShape('upsample_bilinear_bwd', g!.shape, attrs), dtype: 'f32' }),
    reference: ([g], attrs, out) => {
      const [N, C, H, W] = out.shape as [number, number, number, number];
      const dx = tensor(out.shape);
      eachResizeTap(N * C, [H, W], upsampled(H, W, attrs), (o, i, w) => { dx.data[i] += w * g!.data[o]!; });
      return dx;
    },
    kernel: upsampleKernel('upsample_bilinear_bwd'),
  },
  maxpool2d: {
    kind: 'kernel', doc: 'max over kernel windows of NCHW x (stride, padding [top, left, bottom, right]; padding never wins, first maximum on ties)', arity: 1,
    shape: ([x], attrs) => ({ shape: poolShape('maxpool2d', x!.shape, attrs), dtype: 'f32' }),
    reference: ([x], attrs) => maxPool(x!, attrs),
    kernel: (io) => poolKernel('maxpool2d', io, poolDims(io.inputs[0]!.shape, io.attrs), numel(io.output!.shape)),
  },
  maxpool2d_bwd: {
    kind: 'kernel', doc: 'dx of maxpool2d(x) given g: each window\'s g goes to its (first) maximum', arity: 2,
    shape: ([x, g], attrs) => {
      const y = poolShape('maxpool2d_bwd', x!.shape, attrs);
      if (!sameShape(g!.shape, y)) throw new ShapeError(`maxpool2d_bwd gradient ${shapeStr(g!.shape)} does not match the pooled shape ${shapeStr(y)}`);
      return { shape: [...x!.shape], dtype: 'f32' };
    },
    reference: ([x, g], attrs) => {
      const p = poolDims(x!.shape, attrs);
      const dx = tensor(x!.shape);
      eachWindow(p, (xb, yb, oh, ow, h, w) => { dx.data[argmax(x!.data, p.W, xb, h, w)] += g!.data[yb + oh * p.Wo + ow]!; });
      return dx;
    },
    kernel: maxPoolBwdKernel,
  },
  avgpool2d: {
    kind: 'kernel', doc: 'mean over the real (non-padding) elements of kernel windows of NCHW x', arity: 1,
    shape: ([x], attrs) => ({ shape: poolShape('avgpool2d', x!.shape, attrs), dtype: 'f32' }),
    reference: ([x], attrs) => avgPool(x!, attrs),
    kernel: (io) => poolKernel('avgpool2d', io, poolDims(io.inputs[0]!.shape, io.attrs), numel(io.output!.shape)),
  },
  avgpool2d_bwd: {
    kind: 'kernel', doc: 'dx of avgpool2d given g (x\'s shape in inputShape): g / count spread over each window', arity: 1,
    shape: ([g], attrs) => {
      const inputShape = attrs.inputShape;
      if (!Array.isArray(inputShape)) throw new ShapeError(`avgpool2d_bwd needs 'inputShape', got ${JSON.stringify(inputShape)}`);
      ints('avgpool2d_bwd', attrs, 'inputShape', inputShape.length, 1);
      const y = poolShape('avgpool2d_bwd', inputShape, attrs);
      if (!sameShape(g!.shape, y)) throw new ShapeError(`avgpool2d_bwd gradient ${shapeStr(g!.shape)} does not match the pooled shape ${shapeStr(y)}`);
      return { shape: [...inputShape], dtype: 'f32' };
    },
    reference: ([g], attrs) => {
      const p = poolDims(attrs.inputShape as number[], attrs);
      const dx = tensor(attrs.inputShape as number[]);
      eachWindow(p, (xb, yb, oh, ow, h, w) => {
        const share = g!.data[yb + oh * p.Wo + ow]! / ((h[1] - h[0]) * (w[1] - w[0]));
        for (let r = h[0]; r < h[1]; r++) for (let c = w[0]; c < w[1]; c++) dx.data[xb + r * p.W + c] += share;
      });
      return dx;
    },
    kernel: (io) => poolKernel('avgpool2d_bwd', io, poolDims(io.attrs.inputShape as number[], io.attrs), numel(io.output!.shape)),
  },
  upsample: {
    kind: 'kernel', doc: 'nearest-neighbour upsampling of NCHW x by factor [fh, fw]', arity: 1,
    shape: ([x], attrs) => {
      nchw('upsample', 'an input', x!.shape);
      const [fh, fw] = ints('upsample', attrs, 'factor', 2, 1) as [number, number];
      const [N, C, H, W] = x!.shape as [number, number, number, number];
      return { shape: [N, C, H * fh, W * fw], dtype: 'f32' };
    },
    reference: ([x], attrs, out) => {
      const [fh, fw] = attrs.factor as [number, number];
      const [, , H, W] = x!.shape as [number, number, number, number];
      const [N, C, Ho, Wo] = out.shape as [number, number, number, number];
      const y = tensor(out.shape);
      for (let nc = 0; nc < N * C; nc++) {
        for (let h = 0; h < Ho; h++) for (let w = 0; w < Wo; w++) y.data[(nc * Ho + h) * Wo + w] = x!.data[(nc * H + Math.floor(h / fh)) * W + Math.floor(w / fw)]!;
      }
      return y;
    },
    kernel: upsampleKernel('upsample'),
  },
  upsample_bwd: {
    kind: 'kernel', doc: 'dx of upsample given g: sums each fh×fw block', arity: 1,
    shape: ([g], attrs) => {
      nchw('upsample_bwd', 'a gradient', g!.shape);
      const [fh, fw] = ints('upsample_bwd', attrs, 'factor', 2, 1) as [number, number];
      const [N, C, Ho, Wo] = g!.shape as [number, number, number, number];
      if (Ho % fh !== 0 || Wo % fw !== 0) throw new ShapeError(`upsample_bwd gradient ${shapeStr(g!.shape)} is not a multiple of factor ${fh}×${fw}`);
      return { shape: [N, C, Ho / fh, Wo / fw], dtype: 'f32' };
    },
    reference: ([g], attrs, out) => {
      const [fh, fw] = attrs.factor as [number, number];
      const [, , Ho, Wo] = g!.shape as [number, number, number, number];
      const [, , H, W] = out.shape as [number, number, number, number];
      const dx = tensor(out.shape);
      for (let nc = 0; nc * Ho * Wo < g!.data.length; nc++) {
        for (let h = 0; h < Ho; h++) for (let w = 0; w < Wo; w++) dx.data[(nc * H + Math.floor(h / fh)) * W + Math.floor(w / fw)] += g!.data[(nc * Ho + h) * Wo + w]!;
      }
      return dx;
    },
    kernel: upsampleKernel('upsample_bwd'),
  },
  /** numpy's transpose: output axis k is input axis perm[k] (channels_last inputs become NCHW with [0, 3, 1, 2]). */
  transpose: {
    kind: 'kernel', doc: 'axes permuted: output axis k is input axis perm[k]', arity: 1,
    shape: ([x], attrs) => {
      const perm = attrs.perm as number[];
      const n = x!.shape.length;
      if (!Array.isArray(perm) || perm.length !== n || [...perm].sort((a, b) => a - b).some((a, i) => a !== i)) throw new ShapeError(`transpose of ${shapeStr(x!.shape)} needs a permutation of its ${n} axes, got [${perm}]`);
      return { shape: perm.map((a) => x!.shape[a]!), dtype: 'f32' };
    },
    reference: ([x], attrs, out) => {
      const perm = attrs.perm as number[];
      const st = strides(x!.shape);
      const y = tensor(out.shape);
      const ost = strides(out.shape);
      for (let i = 0; i < y.data.length; i++) {
        let src = 0;
        for (let k = 0; k < perm.length; k++) src += (Math.floor(i / ost[k]!) % out.shape[k]!) * st[perm[k]!]!;
        y.data[i] = x!.data[src]!;
      }
      return y;
    },
    kernel: (io) => {
      const st = strides(io.inputs[0]!.shape);
      const perm = io.attrs.perm as number[];
      const total = numel(io.output!.shape);
      return { template: { kind: 'transpose', x: io.inputs[0]!.name, out: io.output!.name, dims: [...io.output!.shape], strides: perm.map((a) => st[a]!), total, wg: WG }, workgroups: grid(Math.ceil(total / WG)) };
    },
  },
  concat: {
    kind: 'kernel', doc: 'a and b joined along `axis` (all other dimensions equal)', arity: 2,
    shape: ([a, b], attrs) => {
      const axis = axisOf('concat', attrs, a!.shape.length);
      const other = (s: number[]) => s.filter((_, i) => i !== axis);
      if (a!.shape.length !== b!.shape.length || !sameShape(other(a!.shape), other(b!.shape))) {
        throw new ShapeError(`concat along axis ${axis} needs equal other dimensions, got ${shapeStr(a!.shape)} and ${shapeStr(b!.shape)}`);
      }
      return { shape: a!.shape.map((d, i) => (i === axis ? d + b!.shape[i]! : d)), dtype: 'f32' };
    },
    reference: ([a, b], attrs, out) => {
      const axis = attrs.axis as number;
      const y = tensor(out.shape);
      copyAlong(a!, 0, y, 0, axis, a!.shape[axis]!);
      copyAlong(b!, 0, y, a!.shape[axis]!, axis, b!.shape[axis]!);
      return y;
    },
    kernel: (io) => {
      const [a, b] = io.inputs;
      const axis = io.attrs.axis as number;
      return axisKernel('concat', io, aroundAxis(a!.shape, axis).inner, [a!.shape[axis]!, b!.shape[axis]!], 0);
    },
  },
  slice: {
    kind: 'kernel', doc: 'x[start : start+size] along `axis`', arity: 1,
    shape: ([x], attrs) => {
      const axis = axisOf('slice', attrs, x!.shape.length);
      const start = int('slice', attrs, 'start', 0);
      const size = int('slice', attrs, 'size', 1);
      const D = x!.shape[axis]!;
      if (start + size > D) throw new ShapeError(`slice [${start}, ${start + size}) along axis ${axis} is out of range for ${shapeStr(x!.shape)}`);
      return { shape: x!.shape.map((d, i) => (i === axis ? size : d)), dtype: 'f32' };
    },
    reference: ([x], attrs, out) => {
      const y = tensor(out.shape);
      copyAlong(x!, attrs.start as number, y, 0, attrs.axis as number, attrs.size as number);
      return y;
    },
    kernel: (io) => {
      const x = io.inputs[0]!;
      const axis = io.attrs.axis as number;
      return axisKernel('slice', io, aroundAxis(x.shape, axis).inner, [x.shape[axis]!, io.attrs.size as number], io.attrs.start as number);
    },
  },
  slice_bwd: {
    kind: 'kernel', doc: 'zeros of `shape` with g placed at [start, …) along `axis` (dx of slice; zero padding along one axis)', arity: 1,
    shape: ([g], attrs) => {
      const shape = attrs.shape;
      if (!Array.isArray(shape)) throw new ShapeError(`slice_bwd needs 'shape', got ${JSON.stringify(shape)}`);
      ints('slice_bwd', attrs, 'shape', shape.length, 1);
      const axis = axisOf('slice_bwd', attrs, shape.length);
      const start = int('slice_bwd', attrs, 'start', 0);
      const expect = shape.map((d, i) => (i === axis ? g!.shape[axis]! : d));
      if (g!.shape.length !== shape.length || !sameShape(g!.shape, expect) || start + g!.shape[axis]! > shape[axis]!) {
        throw new ShapeError(`slice_bwd gradient ${shapeStr(g!.shape)} at ${start} along axis ${axis} does not fit in ${shapeStr(shape)}`);
      }
      return { shape: [...shape], dtype: 'f32' };
    },
    reference: ([g], attrs, out) => {
      const axis = attrs.axis as number;
      const y = tensor(out.shape);
      copyAlong(g!, 0, y, attrs.start as number, axis, g!.shape[axis]!);
      return y;
    },
    kernel: (io) => {
      const out = io.output!;
      const axis = io.attrs.axis as number;
      return axisKernel('slice_bwd', io, aroundAxis(out.shape, axis).inner, [out.shape[axis]!, io.inputs[0]!.shape[axis]!], io.attrs.start as number);
    },
  },
} satisfies Record<string, KernelRow>;

