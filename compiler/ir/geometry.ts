// Index arithmetic of the structured ops, shared by their shape rules, float64 references and
// kernels: convolution and pooling geometry, matmul dimensions, reduced and split axes.
import { numel } from './tensor.ts';
import type { Attrs } from './types.ts';

/** Stride, explicit [top, left, bottom, right] padding, dilation and groups of a convolution. */
export interface ConvParams {
  sh: number; sw: number;
  pt: number; pl: number; pb: number; pr: number;
  dh: number; dw: number;
  groups: number;
}

/** Every size of one convolution: input [N, C, H, W], filters [CO, CIg, KH, KW], output [N, CO, OH, OW]. */
export interface ConvGeom extends ConvParams {
  N: number; C: number; H: number; W: number;
  CO: number; CIg: number; COg: number; KH: number; KW: number;
  OH: number; OW: number;
}

const isInts = (v: unknown, len: number, min: number): v is number[] =>
  Array.isArray(v) && v.length === len && v.every((d) => Number.isInteger(d) && d >= min);

/** Reads conv attrs; returns an error message instead when they are malformed. */
export function convParams(attrs: Attrs, op: string): ConvParams | string {
  const { stride, padding, dilation, groups } = attrs;
  if (!isInts(stride, 2, 1)) return `${op} needs attr stride: [sh, sw] of positive integers, got ${JSON.stringify(stride)}`;
  if (!isInts(padding, 4, 0)) return `${op} needs attr padding: [top, left, bottom, right] of non-negative integers, got ${JSON.stringify(padding)}`;
  if (!isInts(dilation, 2, 1)) return `${op} needs attr dilation: [dh, dw] of positive integers, got ${JSON.stringify(dilation)}`;
  if (!(typeof groups === 'number' && Number.isInteger(groups) && groups >= 1)) return `${op} needs attr groups: a positive integer, got ${JSON.stringify(groups)}`;
  return { sh: stride[0]!, sw: stride[1]!, pt: padding[0]!, pl: padding[1]!, pb: padding[2]!, pr: padding[3]!, dh: dilation[0]!, dw: dilation[1]!, groups };
}

/** Geometry of a convolution of input shape `x` with filter shape `w` (assumed valid; see the op's shape rule). */
export function convGeom(x: number[], w: number[], attrs: Attrs): ConvGeom {
  const p = convParams(attrs, 'conv2d');
  if (typeof p === 'string') throw new Error(`internal error: ${p}`);
  const [N, C, H, W] = x as [number, number, number, number];
  const [CO, CIg, KH, KW] = w as [number, number, number, number];
  const OH = Math.floor((H + p.pt + p.pb - p.dh * (KH - 1) - 1) / p.sh) + 1;
  const OW = Math.floor((W + p.pl + p.pr - p.dw * (KW - 1) - 1) / p.sw) + 1;
  return { ...p, N, C, H, W, CO, CIg, COg: CO / p.groups, KH, KW, OH, OW };
}

/** Geometry of a 2-D pooling over an NCHW input (attrs already validated by the shape rule). */
export interface Pool2d {
  N: number; C: number; H: number; W: number;
  kh: number; kw: number; sh: number; sw: number;
  top: number; left: number; bottom: number; right: number;
  Ho: number; Wo: number;
}

export function poolDims(xShape: readonly number[], attrs: Attrs): Pool2d {
  const [N, C, H, W] = xShape as [number, number, number, number];
  const [kh, kw] = attrs.kernel as [number, number];
  const [sh, sw] = attrs.stride as [number, number];
  const [top, left, bottom, right] = attrs.padding as [number, number, number, number];
  const Ho = Math.floor((H + top + bottom - kh) / sh) + 1;
  const Wo = Math.floor((W + left + right - kw) / sw) + 1;
  return { N, C, H, W, kh, kw, sh, sw, top, left, bottom, right, Ho, Wo };
}

/** Real (non-padding) rows or columns of window `o` along one axis: [start, end). */
export function windowSpan(o: number, k: number, s: number, pad: number, size: number): [number, number] {
  const a = o * s - pad;
  return [Math.max(a, 0), Math.min(a + k, size)];
}

/**
 * Dimensions of C = op(A)·op(B) given stored shapes and transpose flags; the transposes act on the
 * last two axes, and a 3-D pair is a batch of `batch` products (1 for 2-D operands).
 */
export function matmulDims(a: number[], b: number[], transA: boolean, transB: boolean): { M: number; K: number; N: number; Kb: number; batch: number } {
  const [a0, a1] = a.slice(-2) as [number, number];
  const [b0, b1] = b.slice(-2) as [number, number];
  const [M, K] = transA ? [a1, a0] : [a0, a1];
  const [Kb, N] = transB ? [b1, b0] : [b0, b1];
  return { M, K, N, Kb, batch: a.length === 3 ? a[0]! : 1 };
}

/** Which input axes are summed when reducing `inShape` to `target` (numpy rules, target right-aligned). */
export function reducedAxes(inShape: number[], target: number[]): boolean[] {
  const off = inShape.length - target.length;
  return inShape.map((d, i) => (i < off ? true : target[i - off] === 1 && d !== 1));
}

/** Splits `shape` around `axis`: product of the dimensions before it, and after it. */
export function aroundAxis(shape: readonly number[], axis: number): { outer: number; inner: number } {
  return { outer: numel(shape.slice(0, axis)), inner: numel(shape.slice(axis + 1)) };
}
