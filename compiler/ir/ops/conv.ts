// 2-D convolution (NCHW) and its two gradients: conv2d, conv2d_bwd_input, conv2d_bwd_filter.
// Attrs (all required): stride [sh, sw], padding [top, left, bottom, right], dilation [dh, dw], groups g;
// the gradients also take inputShape [N, C, H, W] (bwd_input) or filterShape [CO, C/g, KH, KW] (bwd_filter).
import { convGeom, convParams, type ConvGeom } from '../geometry.ts';
import { grid, quantizedWeight, type ConvBlocking, type Epilogue, type KernelBody, type KernelIO } from '../kernel-spec.ts';
import { sameShape, shapeStr, tensor } from '../tensor.ts';
import type { Attrs } from '../types.ts';
import { ShapeError, type KernelRow } from './def.ts';

// Register blocking of the kernels (codegen/wgsl/conv.ts), tuned on llvmpipe (2 cores,
// x [64, 32, 13, 13] ⊛ w [64, 32, 3, 3]): bigger register blocks win there because every load is a
// gather (16×8 runs ~1.2× faster than 8×8, ~1.7× faster than 4×8), at the price of a slower first
// shader compile (~1–2 s per kernel uncached; Mesa caches it on disk). Workgroup memory of
// conv2d_bwd_filter stays within WebGPU's default 16 KiB: TCF · TQ · WGF floats.
/** Invocations per workgroup in conv2d / conv2d_bwd_input. */
const WG = 32;
/** Pixels per invocation in conv2d / conv2d_bwd_input (a multiple of 4: vec4 accumulators). */
const TP = 8;
/** Most output (input) channels per invocation; fewer when a group has fewer channels. */
const TC = 16;
/** conv2d_bwd_filter: invocations per workgroup, and weight rows (co) × columns (ci, kh, kw; a multiple of 4) per workgroup. */
const WGF = 32;
const TCF = 16;
const TQ = 8;
/**
 * SwiftShader (Chromium's software WebGPU) compiles the 8-pixel blocks for minutes (the CNN's
 * forward convolutions: over 400 s each, then the device is lost) and 4-pixel blocks in about a
 * second: there, 4 pixels (columns) per block. On llvmpipe 4 would cost ~30% of the CNN's step.
 */
const SWIFTSHADER_TP = 4;

/** Block height ≤ `max` that splits `n` rows into equal-as-possible blocks (20 rows, max 16 → 2 blocks of 10). */
const balanced = (n: number, max: number): number => Math.ceil(n / Math.ceil(n / max));

/** Channel blocks (`channels` per group, at most `max` per block) × blocks of `per` of `items` items, over the groups. */
function blocking(G: ConvGeom, channels: number, max: number, items: number, per: number, wg: number): ConvBlocking {
  const T = balanced(channels, max);
  const CBG = Math.ceil(channels / T);
  const PB = Math.ceil(items / per);
  return { wg, T, TP: per, CBG, PB, total: G.groups * CBG * PB };
}

function convKernel(kind: 'conv2d' | 'conv2d_bwd_input' | 'conv2d_bwd_filter') {
  return (io: KernelIO, epilogue?: Epilogue): KernelBody => {
    const [A, B] = io.inputs;
    const a = io.attrs;
    const G = kind === 'conv2d' ? convGeom(A!.shape, B!.shape, a)
      : kind === 'conv2d_bwd_input' ? convGeom(a.inputShape as number[], B!.shape, a)
        : convGeom(A!.shape, a.filterShape as number[], a);
    // conv2d: output channels × output pixels; bwd_input: input channels × input pixels; bwd_filter:
    // one workgroup per block of filter rows (co) × columns (ci, kh, kw).
    const swiftshader = io.target === 'swiftshader';
    const block = kind === 'conv2d' ? blocking(G, G.COg, TC, G.N * G.OH * G.OW, swiftshader ? SWIFTSHADER_TP : TP, WG)
      : kind === 'conv2d_bwd_input' ? blocking(G, G.CIg, TC, G.N * G.H * G.W, swiftshader ? SWIFTSHADER_TP : TP, WG)
        : blocking(G, G.COg, TCF, G.CIg * G.KH * G.KW, swiftshader ? SWIFTSHADER_TP : TQ, WGF);
    // Only the forward convolution reads int8 filters (an inference artifact has no gradients).
    const quantB = kind === 'conv2d' ? quantizedWeight(B!, 0) : undefined;
    // Likewise f16 filters (dlc export --precision f16).
    const halfB = kind === 'conv2d' && B!.dtype === 'f16';
    if (!quantB && (A!.dtype !== 'f32' || (B!.dtype !== 'f32' && !halfB))) throw new Error(`internal error: ${kind} of ${A!.dtype} and ${B!.dtype}`);
    return {
      template: { kind, a: A!.name, b: B!.name, out: io.output!.name, geom: G, block, ...(epilogue ? { epilogue } : {}), ...(quantB ? { quantB } : {}), ...(halfB ? { halfB: true as const } : {}) },
      workgroups: grid(kind === 'conv2d_bwd_filter' ? block.total : Math.ceil(block.total / block.wg)),
    };
  };
}

/** Checks conv2d of input shape `x` with filter shape `w` under `attrs`; returns the output shape. */
function convShape(op: string, x: number[], w: number[], attrs: Attrs): number[] {
  const p = convParams(attrs, op);
  if (typeof p === 'string') throw new ShapeError(p);
  if (x.length !== 4 || w.length !== 4) {
    throw new ShapeError(`${op} expects input [N, C, H, W] and filters [CO, C/groups, KH, KW], got ${shapeStr(x)} and ${shapeStr(w)}`);
  }
  const [, C, H, W] = x as [number, number, number, number];
  const [CO, CIg, KH, KW] = w as [number, number, number, number];
  const g = p.groups;
  if (C % g !== 0 || CO % g !== 0) {
    throw new ShapeError(`${op} groups ${g} must divide the input channels (${C}) and the output channels (${CO})`);
  }
  if (CIg * g !== C) {
    throw new ShapeError(`${op} expects ${CIg * g} input channels (filters ${shapeStr(w)}${g > 1 ? `, groups ${g}` : ''}), got ${C} (input ${shapeStr(x)})`);
  }
  const spanH = p.dh * (KH - 1) + 1;
  const spanW = p.dw * (KW - 1) + 1;
  const padH = H + p.pt + p.pb;
  const padW = W + p.pl + p.pr;
  if (KH < 1 || KW < 1 || spanH > padH || spanW > padW) {
    const dil = p.dh > 1 || p.dw > 1 ? ` (dilated to ${spanH}×${spanW})` : '';
    throw new ShapeError(`${op} kernel ${KH}×${KW}${dil} is larger than the padded input ${padH}×${padW}`);
  }
  const g4 = convGeom(x, w, attrs);
  return [g4.N, CO, g4.OH, g4.OW];
}

const shapeAttr = (attrs: Attrs, key: string, op: string): number[] => {
  const s = attrs[key];
  if (!Array.isArray(s) || s.length !== 4 || !s.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new ShapeError(`${op} needs attr ${key}: a shape of 4 positive integers, got ${JSON.stringify(s)}`);
  }
  return s;
};

/**
 * Visits every in-bounds tap (output element o, input element i, weight k) of the convolution and
 * accumulates: 'fwd': y[o] += x[i]·w[k]; 'dx': dx[i] += g[o]·w[k]; 'dw': dw[k] += g[o]·x[i].
 * One function with the mode hoisted out of the innermost loop keeps the float64 oracle fast.
 */
function convLoop(G: ConvGeom, mode: 'fwd' | 'dx' | 'dw', x: Float64Array, w: Float64Array, g: Float64Array): void {
  const { N, C, H, W, CO, CIg, COg, KH, KW, OH, OW, sh, sw, pt, pl, dh, dw } = G;
  for (let n = 0; n < N; n++) {
    for (let co = 0; co < CO; co++) {
      const grp = Math.floor(co / COg);
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          const o = ((n * CO + co) * OH + oh) * OW + ow;
          const iw0 = ow * sw - pl;
          // kw range whose input column is inside the image.
          const kw0 = Math.max(0, Math.ceil(-iw0 / dw));
          const kw1 = Math.min(KW, Math.ceil((W - iw0) / dw));
          let acc = 0;
          const go = g[o]!;
          for (let ci = 0; ci < CIg; ci++) {
            const xc = (n * C + grp * CIg + ci) * H;
            for (let kh = 0; kh < KH; kh++) {
              const ih = oh * sh - pt + kh * dh;
              if (ih < 0 || ih >= H) continue;
              const xr = (xc + ih) * W + iw0;
              const wr = ((co * CIg + ci) * KH + kh) * KW;
              if (mode === 'fwd') for (let kw = kw0; kw < kw1; kw++) acc += x[xr + kw * dw]! * w[wr + kw]!;
              else if (mode === 'dx') for (let kw = kw0; kw < kw1; kw++) x[xr + kw * dw] += go * w[wr + kw]!;
              else for (let kw = kw0; kw < kw1; kw++) w[wr + kw] += go * x[xr + kw * dw]!;
            }
          }
          if (mode === 'fwd') g[o] = acc;
        }
      }
    }
  }
}

export const CONV_OPS = {
  conv2d: {
    kind: 'kernel', doc: '2-D convolution, NCHW: x [N, C, H, W] ⊛ w [CO, C/groups, KH, KW] → [N, CO, OH, OW]', arity: 2,
    shape: ([x, w], attrs) => ({ shape: convShape('conv2d', x!.shape, w!.shape, attrs), dtype: 'f32' }),
    reference: ([x, w], attrs, out) => {
      const y = tensor(out.shape);
      convLoop(convGeom(x!.shape, w!.shape, attrs), 'fwd', x!.data, w!.data, y.data);
      return y;
    },
    kernel: convKernel('conv2d'),
  },
  conv2d_bwd_input: {
    kind: 'kernel', doc: 'gradient of conv2d with respect to its input: (g [N, CO, OH, OW], w) → [N, C, H, W] = inputShape', arity: 2,
    shape: ([g, w], attrs) => {
      const xs = shapeAttr(attrs, 'inputShape', 'conv2d_bwd_input');
      const ys = convShape('conv2d_bwd_input', xs, w!.shape, attrs);
      if (!sameShape(g!.shape, ys)) {
        throw new ShapeError(`conv2d_bwd_input: gradient ${shapeStr(g!.shape)} does not match the conv2d output ${shapeStr(ys)} of input ${shapeStr(xs)} and filters ${shapeStr(w!.shape)}`);
      }
      return { shape: [...xs], dtype: 'f32' };
    },
    reference: ([g, w], attrs, out) => {
      const dx = tensor(out.shape);
      convLoop(convGeom(out.shape, w!.shape, attrs), 'dx', dx.data, w!.data, g!.data);
      return dx;
    },
    kernel: convKernel('conv2d_bwd_input'),
  },
  conv2d_bwd_filter: {
    kind: 'kernel', doc: 'gradient of conv2d with respect to its filters: (x, g [N, CO, OH, OW]) → [CO, C/groups, KH, KW] = filterShape', arity: 2,
    shape: ([x, g], attrs) => {
      const ws = shapeAttr(attrs, 'filterShape', 'conv2d_bwd_filter');
      const ys = convShape('conv2d_bwd_filter', x!.shape, ws, attrs);
      if (!sameShape(g!.shape, ys)) {
        throw new ShapeError(`conv2d_bwd_filter: gradient ${shapeStr(g!.shape)} does not match the conv2d output ${shapeStr(ys)} of input ${shapeStr(x!.shape)} and filters ${shapeStr(ws)}`);
      }
      return { shape: [...ws], dtype: 'f32' };
    },
    reference: ([x, g], attrs, out) => {
      const dw = tensor(out.shape);
      convLoop(convGeom(x!.shape, out.shape, attrs), 'dw', x!.data, dw.data, g!.data);
      return dw;
    },
    kernel: convKernel('conv2d_bwd_filter'),
  },
} satisfies Record<string, KernelRow>;

