// The kernel seam: what an op hands codegen. A KernelSpec names its bindings (dtype, shape, access),
// its workgroup grid and the template with every number the template prints already decided;
// codegen/ reads only this (and expression trees) and returns WGSL text.
import type { DType } from './dtype.ts';
import type { ExprBlock, Stmt } from './expr.ts';
import type { ConvGeom, Pool2d } from './geometry.ts';
import { int8ActLayout } from '../../runtime/int8-layout.ts';
import { broadcastStrides, numel, sameShape, strides } from './tensor.ts';
import type { Attrs } from './types.ts';

export type { DType };

/**
 * The per-kernel limits every device dlc targets allows: WebGPU's core defaults, which Dawn also
 * grants by default in compatibility mode (OpenGL ES 3.1 guarantees 8 storage blocks to compute
 * shaders). Fusion keeps every kernel within them and `dlc check` refuses a program it cannot fit
 * (E-LIMIT), so what compiles runs on any device; the runtime still checks the device it gets.
 */
export const DEVICE_FLOOR = {
  /** Storage buffers one kernel binds (the step uniform block is not one). */
  maxStorageBuffersPerShaderStage: 8,
  /** Workgroups per grid dimension; larger grids spill into y. */
  maxComputeWorkgroupsPerDimension: 65535,
  /** Invocations per workgroup (x · y · z of @workgroup_size; compatibility mode's default is 128). */
  maxComputeInvocationsPerWorkgroup: 256,
  /** Bytes one storage binding may span (WebGPU's default limit, 128 MiB). */
  maxStorageBufferBindingSize: 134_217_728,
  /** Bytes one buffer may hold (WebGPU's default limit, 256 MiB). */
  maxBufferSize: 268_435_456,
} as const;

/** Workgroups per dimension WebGPU guarantees; larger grids spill into y. */
export const MAX_WORKGROUPS_PER_DIM = DEVICE_FLOOR.maxComputeWorkgroupsPerDimension;
/** Storage buffers one kernel may bind on any device (fusion stops growing a kernel there). */
export const MAX_STORAGE_BUFFERS = DEVICE_FLOOR.maxStorageBuffersPerShaderStage;

/** Workgroup counts covering `groups` groups, split over x and y when above the per-dimension limit. */
export function grid(groups: number): [number, number, number] {
  const g = Math.max(1, groups);
  if (g <= MAX_WORKGROUPS_PER_DIM) return [g, 1, 1];
  const x = MAX_WORKGROUPS_PER_DIM;
  return [x, Math.ceil(g / x), 1];
}

/** A tensor a kernel reads or writes, by its binding name. */
export interface Operand {
  name: string;
  shape: number[];
  dtype: DType;
  /** An i8 weight laid out for int8 activations (runtime/int8-layout.ts): its kernel quantises its input too. */
  int8Activations?: true;
}

/** What an op's kernel builder gets: its operands (bound by the codegen pass) and attributes. */
export interface KernelIO {
  inputs: Operand[];
  output?: Operand;
  attrs: Attrs;
  /** Whether the kernel reads the step uniform block (lr, step, seed). */
  step: boolean;
  /**
   * Whether numbers that vary between otherwise equal kernels (a slice's start) may be read from a
   * per-dispatch uniform block instead of printed into the WGSL (see KernelBody.params).
   */
  params?: boolean;
  /** The adapters the kernel is tuned for (see KernelTarget); 'cpu' when absent. */
  target?: KernelTarget;
}

/**
 * Which adapters kernels are tuned for: 'cpu' for software adapters (Mesa's llvmpipe and lavapipe,
 * SwiftShader), where workgroup memory is ordinary memory and each invocation's own register block
 * reads fastest; 'gpu' for hardware GPUs, where large matmuls use workgroup-memory tiles;
 * 'swiftshader' as 'cpu' but with convolution blocks SwiftShader compiles in seconds (see
 * ir/ops/conv.ts); 'llvmpipe' as 'cpu' but with matmuls in workgroups of 16 invocations, which
 * Mesa's llvmpipe and lavapipe run faster than 64 (a GPU's 32-wide warp would run half empty; see
 * ir/ops/structural.ts). Each runs correctly on every adapter.
 */
export type KernelTarget = 'cpu' | 'gpu' | 'swiftshader' | 'llvmpipe';

/**
 * Flat index of an input at a flat output index under broadcasting: the same index, element 0, or
 * a sum over output axes of ((i / div) % mod) · mul (mod absent on the outermost axis).
 */
export type IndexMap = { kind: 'same' } | { kind: 'scalar' } | { kind: 'terms'; terms: { div: number; mod?: number; mul: number }[] };

/** How input `inShape` is read at each flat index of `outShape`. */
export function broadcastIndexMap(inShape: number[], outShape: number[]): IndexMap {
  if (sameShape(inShape, outShape)) return { kind: 'same' };
  if (numel(inShape) === 1) return { kind: 'scalar' };
  const bs = broadcastStrides(inShape, outShape);
  const os = strides(outShape);
  const terms: { div: number; mod?: number; mul: number }[] = [];
  for (let ax = 0; ax < outShape.length; ax++) {
    if (bs[ax] === 0) continue;
    terms.push(ax === 0 ? { div: os[ax]!, mul: bs[ax]! } : { div: os[ax]!, mod: outShape[ax]!, mul: bs[ax]! });
  }
  return { kind: 'terms', terms };
}

/** Element-wise consumers run where a kernel stores: source 0 is the stored value, then `extras`. */
export interface Epilogue {
  extras: { name: string; index: IndexMap }[];
  block: ExprBlock;
}

/** One invocation per output element (or per vec4 of them, VECS vec4s per invocation). */
export interface ElementwiseTemplate {
  kind: 'elementwise';
  out: string;
  n: number;
  wg: number;
  inputs: { name: string; index: IndexMap }[];
  /** The vec4 form: inputs of the output's shape and the output move four elements at a time. */
  vec4: { vecs: number } | null;
  value: ExprBlock;
  /** A chain prints as `let` lines (one per step); a single op as one expression. */
  lets: boolean;
}

export interface MatmulTemplate {
  kind: 'matmul';
  a: string; b: string; out: string;
  M: number; N: number; K: number;
  /** Products in the batch (1 for 2-D operands): product z reads A at z·M·K, B at z·K·N, writes C at z·M·N. */
  batch: number;
  transA: boolean; transB: boolean;
  /** Rows and columns of C per invocation; invocations per workgroup side. */
  TM: number; TN: number; wg: number;
  /**
   * Workgroup-memory tiles (see codegen/wgsl/matmul-tiled.ts): each K step of BK loads a
   * (wg·TM)×BK tile of A and a BK×(wg·TN) tile of B once per workgroup; absent, every invocation
   * reads its operands from storage itself.
   */
  shared?: { BK: number };
  epilogue?: Epilogue;
  /** B holds int8 weights (dlc quantize), one scale per column of C. */
  quantB?: QuantizedWeight;
  /** B holds f16 weights (dlc export --precision f16), converted to f32 as read. */
  halfB?: true;
}

/**
 * A weight operand quantised to int8 (compiler/quantize.ts): four values to a u32 word in row-major
 * order, then from word `scales` the f32 bits of each output channel's scale. The kernel converts
 * the int8 values to f32 in registers and multiplies each output channel's sum by its scale.
 */
export interface QuantizedWeight {
  scales: number;
  /**
   * dlc quantize --calibrate: the kernel also quantises its input activations to int8 (one scale per
   * tensor) and sums with dot4I8Packed in i32. The weight's words run along the summed dimension,
   * `wordsPerChannel` per output channel (runtime/int8-layout.ts); the activation scale is at word
   * `act`, its reciprocal at `act + 1`.
   */
  activations?: { wordsPerChannel: number; act: number };
}

/**
 * The QuantizedWeight of an operand stored as int8 with output channels along `axis` (its scales
 * after its packed words), or undefined for f32.
 */
export function quantizedWeight(o: Operand, axis: number): QuantizedWeight | undefined {
  if (o.dtype !== 'i8') return undefined;
  if (!o.int8Activations) return { scales: Math.ceil(numel(o.shape) / 4) };
  const l = int8ActLayout(o.shape, axis);
  return { scales: l.words, activations: { wordsPerChannel: l.wordsPerChannel, act: l.words + l.channels } };
}

/** Register blocking of the convolution kernels (see ir/ops/conv.ts). */
export interface ConvBlocking {
  /** Invocations per workgroup. */
  wg: number;
  /** Channels per invocation (per workgroup for the filter gradient). */
  T: number;
  /** Pixels (or filter columns) per invocation. */
  TP: number;
  /** Channel blocks per group, pixel blocks, and the work items (blocks) in all. */
  CBG: number;
  PB: number;
  total: number;
}

export interface Conv2dTemplate {
  kind: 'conv2d' | 'conv2d_bwd_input' | 'conv2d_bwd_filter';
  /** conv2d: x, w; bwd_input: g, w; bwd_filter: x, g. */
  a: string; b: string; out: string;
  geom: ConvGeom;
  block: ConvBlocking;
  epilogue?: Epilogue;
  /** conv2d: the filters hold int8 weights (dlc quantize), one scale per output channel. */
  quantB?: QuantizedWeight;
  /** conv2d: the filters hold f16 weights (dlc export --precision f16), converted to f32 as read. */
  halfB?: true;
}

export interface PoolTemplate {
  kind: 'maxpool2d' | 'avgpool2d' | 'maxpool2d_bwd' | 'maxpool2d_bwd_tiled' | 'avgpool2d_bwd';
  /** maxpool2d / avgpool2d: x; maxpool2d_bwd: x, g; avgpool2d_bwd: g. */
  inputs: string[];
  out: string;
  pool: Pool2d;
  /** Invocations (output elements, or windows for the tiled gradient). */
  total: number;
  wg: number;
  epilogue?: Epilogue;
}

/** Nearest or bilinear upsampling by (fh, fw) and their gradients; NCHW planes H×W in, (H·fh)×(W·fw) out. */
export interface UpsampleTemplate {
  kind: 'upsample' | 'upsample_bwd' | 'upsample_bilinear' | 'upsample_bilinear_bwd';
  x: string; out: string;
  H: number; W: number; fh: number; fw: number;
  total: number; wg: number;
}

/** Copies along one axis: concat of a (Da) and b (Db); slice of size from start; its gradient. */
export interface AxisCopyTemplate {
  kind: 'concat' | 'slice' | 'slice_bwd';
  inputs: string[]; out: string;
  /** Elements after the axis, and the sizes along it (concat: Da, Db; slice: D, size; slice_bwd: D, size). */
  inner: number;
  dims: number[];
  /** The start along the axis, or 'param' when it is p0 of the per-dispatch uniform block. */
  start: number | 'param';
  /** concat only: Da, Db and the element count are p0, p1, p2 of the per-dispatch block, not `dims`/`total`. */
  sizesParam?: true;
  total: number; wg: number;
}

/** Axes permuted: output element i reads x at Σₖ coordₖ(i)·strides[k] (coordinates over `dims`, the output shape). */
export interface TransposeTemplate {
  kind: 'transpose';
  x: string; out: string;
  dims: number[];
  /** x's stride of the input axis each output axis is. */
  strides: number[];
  total: number; wg: number;
}

/** Rows of `table` [V, D] at `ids`: one invocation per output element (`total` = ids × D). */
export interface GatherTemplate {
  kind: 'gather';
  table: string; ids: string; out: string;
  V: number; D: number; total: number; wg: number;
}

/** The positions of each block of rowsPerBucket rows' ids: one invocation per block writes its count, then its positions. */
export interface IdBucketsTemplate {
  kind: 'id_buckets';
  ids: string; out: string;
  blocks: number; rowsPerBucket: number; N: number; wg: number;
}

/** gather's table gradient: one invocation per table row, summing g over its block's positions (`width` = 1 + N per block) in order. */
export interface ScatterAddTemplate {
  kind: 'scatter_add';
  g: string; ids: string; buckets: string; out: string;
  V: number; D: number; width: number; rowsPerBucket: number; wg: number;
}

/** Sums x over `summed` axes into each output element; one workgroup per output element. */
/** What every augmentation kernel reads: x [N, C, H, W] → out of the same shape, one invocation per element. */
export interface AugmentBase {
  x: string; out: string;
  N: number; C: number; H: number; W: number;
  /** The layer's random stream (see ir/random.ts). */
  salt: number;
  total: number; wg: number;
}

/** Random flips, bilinear translations (or their transpose), cutout boxes, rotations and zooms, drawn per sample (ir/ops/augment.ts). */
export type AugmentTemplate =
  | (AugmentBase & { kind: 'random_flip'; horizontal: boolean; vertical: boolean })
  | (AugmentBase & { kind: 'random_translation'; height: [number, number]; width: [number, number]; fill: number; adjoint: boolean })
  | (AugmentBase & { kind: 'cutout'; size: [number, number] })
  | AffineTemplate;

/** Random rotations and zooms about the image centre, bilinear with a constant fill, or their transposes (ir/ops/augment-affine.ts). */
export type AffineTemplate =
  | (AugmentBase & { kind: 'random_rotation'; factor: [number, number]; fill: number; adjoint: boolean })
  | (AugmentBase & {
    kind: 'random_zoom'; height: [number, number]; width: [number, number] | null; fill: number; adjoint: boolean;
    /** The smallest zoom drawn (> 0): the transpose's window reaches 1 / smallest pixels. */
    smallest: number;
  });

/** Keras RandomCrop's training window of `size` in an `image` (one corner per batch, drawn from the step), or its transpose (ir/ops/crop.ts). */
export interface CropTemplate {
  kind: 'random_crop';
  x: string; out: string;
  image: [number, number]; size: [number, number];
  salt: number; adjoint: boolean;
  total: number; wg: number;
}

/** Bilinear resize of NCHW planes H×W to Ho×Wo (tf.image.resize, half-pixel centres), and its gradient Ho×Wo → H×W. */
export interface ResizeTemplate {
  kind: 'resize_bilinear' | 'resize_bilinear_bwd';
  x: string; out: string;
  H: number; W: number; Ho: number; Wo: number;
  total: number; wg: number;
}

export interface SumToTemplate {
  kind: 'sum_to';
  x: string; out: string;
  /** Output elements, summed elements per output. */
  O: number; R: number;
  /** Kept and summed axes of x: each dimension and its stride in x. */
  kept: { dim: number; stride: number }[];
  summed: { dim: number; stride: number }[];
  wg: number;
}

export type RowKind = 'softmax' | 'log_softmax' | 'softmax_bwd' | 'log_softmax_bwd' | 'softmax_ce' | 'softmax_ce_bwd' | 'correct' | 'correct_onehot'
  | 'class_weight' | 'class_weight_target' | 'masked_softmax';

/** One invocation per row of the last axis. */
export interface RowsTemplate {
  kind: 'rows';
  row: RowKind;
  inputs: string[]; out: string;
  C: number; rows: number; wg: number;
  /** The class weights a `class_weight` row looks up (its class's entry, 1 outside the list). */
  weights?: number[];
  /**
   * masked_softmax: row r is query t = r mod T of sample r / perSample; with `ids` (the second
   * input, token ids [samples, C]) a key holding the padding id (0) is masked, and `causal` masks keys after t.
   */
  mask?: { T: number; perSample: number; ids: boolean; causal: boolean };
}

/** The fused softmax cross-entropy head (see ir/ops/loss-head.ts). */
export interface LossHeadTemplate {
  kind: 'loss_head';
  x: string; labels: string; lossOut: string; lossSum: string;
  correctSum?: string; extra?: string;
  /** Each row's weight (sample or class weights), multiplying its loss and gradient. */
  weight?: string;
  grad: string;
  R: number; C: number; gradScale: number; lossScale: number;
  wg: number;
}

/** An optimizer update: per-element rule over p, g and the states, after clipping the gradient. */
export interface UpdateTemplate {
  kind: 'update';
  param: string; grad: string; states: string[];
  n: number; wg: number;
  /** The vec4 form: vec4s per invocation. */
  vec4: { vecs: number } | null;
  clipValue: number;
  /** Clipping by global norm: the binding holding ‖g‖² and the limit. */
  clipNorm?: { sumsq: string; limit: number };
  /** Pruning: the binding of the parameter's mask; where it is 0, p and the states are stored as 0. */
  mask?: string;
  /** Values of the step alone (lr, t), computed once per invocation, then the per-element rule. */
  perStep: Stmt[];
  rule: Stmt[];
}

export interface EmaTemplate {
  kind: 'ema';
  r: string; x: string;
  n: number; momentum: number; wg: number;
}

export interface AccumulateTemplate {
  kind: 'accumulate';
  acc: string; x: string; n: number;
}

export type Template =
  | ElementwiseTemplate | MatmulTemplate | Conv2dTemplate | PoolTemplate | UpsampleTemplate | AxisCopyTemplate | TransposeTemplate
  | GatherTemplate | IdBucketsTemplate | ScatterAddTemplate | AugmentTemplate | CropTemplate | ResizeTemplate
  | SumToTemplate | RowsTemplate | LossHeadTemplate | UpdateTemplate | EmaTemplate | AccumulateTemplate;

/** What an op's kernel builder decides: the template and its grid, and which bindings move as vec4. */
export interface KernelBody {
  template: Template;
  workgroups: [number, number, number];
  /** Bindings read or written as array<vec4f> (their element counts are multiples of 4). */
  vec4?: string[];
  /**
   * Values of the per-dispatch uniform block (at most 4 u32s, artifact.ts DISPATCH_PARAMS_BYTES, read as p0, p1, …),
   * when KernelIO.params allowed them: kernels that differ only in these share one WGSL text, so
   * one pipeline (an unrolled recurrence's time-step slices).
   */
  params?: number[];
}


export interface BindingDecl {
  name: string;
  access: 'read' | 'read_write';
  dtype: DType;
  shape: number[];
  vec4: boolean;
}

/** Everything codegen needs for one kernel. */
export interface KernelSpec {
  /** A one-line description for the kernel's first line (sanitised when printed). */
  comment: string;
  bindings: BindingDecl[];
  /** The step uniform block is bound after the storage bindings. */
  step: boolean;
  workgroups: [number, number, number];
  template: Template;
  /** Whether the per-dispatch uniform block is bound (after the step block). */
  params?: boolean;
  /**
   * Set in inference artifacts: the kernel reads the batch from the batch uniform block (bound last)
   * and every count of the template that scales with the batch was computed for `max` samples.
   */
  batch?: { max: number };
}
