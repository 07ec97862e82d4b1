// How each IR op is written as standard ONNX operators (opset 17), one rule per op. The table is
// exhaustive over the op set, so a new op does not compile until it says whether it has an ONNX
// form; null: it has none (gradients, losses, optimizer updates, training-only dropout, and the
// fused kernels, which the exporter never sees since it reads the graph before fusion).
import { reducedAxes } from '../ir/geometry.ts';
import type { OpKind } from '../ir/ops/index.ts';
import type { Tensor } from '../ir/tensor.ts';
import type { Attrs } from '../ir/types.ts';
import type { OnnxAttr } from './model.ts';

/** What a rule sees of one IR node and how it writes ONNX nodes. */
export interface RuleContext {
  readonly attrs: Attrs;
  /** How many inputs the node has. */
  readonly arity: number;
  /** The ONNX value name of input k (a constant is written as an initializer when first used). */
  input(k: number): string;
  /** Input k's value when it is a constant (weights, and what is folded from them only). */
  constant(k: number): Tensor | undefined;
  /** Input k's shape as compiled (axis 0 of a batched value is the compile-time batch). */
  shape(k: number): number[];
  /** Whether input k carries the batch axis (it depends on a model input). */
  batched(k: number): boolean;
  readonly outShape: number[];
  /** The ONNX name the node's value must be written to. */
  readonly output: string;
  /** Appends an ONNX node; returns its output (`output`, or a fresh name). */
  emit(opType: string, inputs: string[], attrs?: Record<string, OnnxAttr>, output?: string): string;
  /** An int64 initializer holding `values` (1-D). */
  ints(values: number[]): string;
  /** A float initializer: a scalar, or `values` with `dims`. */
  floats(values: number[], dims?: number[]): string;
}

/** Writes the node's value to `cx.output`; throws OnnxRuleError when this instance cannot be written. */
export type OnnxRule = (cx: RuleContext) => void;

/** An op that has an ONNX form, used in a way that has none (e.g. a sum over the batch axis). */
export class OnnxRuleError extends Error {}

const int = (value: number): OnnxAttr => ({ kind: 'int', value });
const float = (value: number): OnnxAttr => ({ kind: 'float', value });
const ints = (value: number[]): OnnxAttr => ({ kind: 'ints', value });
const str = (value: string): OnnxAttr => ({ kind: 'string', value });
const num = (cx: RuleContext, k: string): number => cx.attrs[k] as number;
const list = (cx: RuleContext, k: string): number[] => cx.attrs[k] as number[];

/** The same op on every input, in order. */
const same = (opType: string, attrs: (cx: RuleContext) => Record<string, OnnxAttr> = () => ({})): OnnxRule =>
  (cx) => { cx.emit(opType, Array.from({ length: cx.arity }, (_, k) => cx.input(k)), attrs(cx), cx.output); };

/** x · c and x + c with a number c. */
const withScalar = (opType: 'Mul' | 'Add', attr: string): OnnxRule =>
  (cx) => { cx.emit(opType, [cx.input(0), cx.floats([num(cx, attr)])], {}, cx.output); };

/** 0.5·x·(1 + erf(x/√2)), or with attrs.approximate 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
const gelu: OnnxRule = (cx) => {
  const x = cx.input(0);
  const half = cx.emit('Mul', [x, cx.floats([0.5])]);
  let t: string;
  if (cx.attrs.approximate === true) {
    const cube = cx.emit('Mul', [cx.emit('Mul', [x, x]), x]);
    const inner = cx.emit('Add', [x, cx.emit('Mul', [cube, cx.floats([0.044715])])]);
    t = cx.emit('Tanh', [cx.emit('Mul', [inner, cx.floats([Math.sqrt(2 / Math.PI)])])]);
  } else {
    t = cx.emit('Erf', [cx.emit('Mul', [x, cx.floats([Math.SQRT1_2])])]);
  }
  cx.emit('Mul', [half, cx.emit('Add', [t, cx.floats([1])])], {}, cx.output);
};

/**
 * A Reshape whose target keeps the batch symbolic: axis 0 of a batched value becomes -1 (inferred),
 * which is right while the other dimensions are per-sample (dense folds the batch into axis 0 and
 * back; reshape and flatten keep it first).
 */
const reshape: OnnxRule = (cx) => {
  const target = [...list(cx, 'shape')];
  // Keeping the batch and joining the rest (the flatten layer) is Flatten.
  if (cx.batched(0) && target.length === 2 && target[0] === cx.shape(0)[0]) {
    cx.emit('Flatten', [cx.input(0)], { axis: int(1) }, cx.output);
    return;
  }
  if (cx.batched(0)) {
    if (target.length === 0) throw new OnnxRuleError('a reshape of a batched value to a scalar has no batch-independent form');
    target[0] = -1;
  }
  cx.emit('Reshape', [cx.input(0), cx.ints(target)], {}, cx.output);
};

/** ReduceSum over the axes sum_to sums (kept as size 1), never over the batch axis. */
const sumTo: OnnxRule = (cx) => {
  const inShape = cx.shape(0);
  const target = list(cx, 'shape');
  const red = reducedAxes(inShape, target);
  const axes = red.flatMap((r, i) => (r ? [i] : []));
  if (cx.batched(0) && (target.length !== inShape.length || axes.includes(0))) {
    throw new OnnxRuleError('it sums over the batch axis, which an inference graph of any batch size cannot do');
  }
  if (axes.length === 0) {
    cx.emit('Identity', [cx.input(0)], {}, cx.output);
    return;
  }
  const kept = cx.emit('ReduceSum', [cx.input(0), cx.ints(axes)], { keepdims: int(1) }, target.length === inShape.length ? cx.output : undefined);
  if (target.length !== inShape.length) cx.emit('Reshape', [kept, cx.ints(target)], {}, cx.output);
};

/** Conv's attributes for a conv2d of filters `w` (dlc's [top, left, bottom, right] padding is ONNX's pads order). */
export function convAttrs(a: Attrs, w: readonly number[]): Record<string, OnnxAttr> {
  return {
    kernel_shape: ints([w[2]!, w[3]!]), strides: ints(a.stride as number[]), pads: ints(a.padding as number[]),
    dilations: ints(a.dilation as number[]), group: int(a.groups as number),
  };
}

/**
 * ConvTranspose's attributes for conv2d_bwd_input from g [N, CO, OH, OW] to attrs.inputShape: the
 * conv's own, and output_padding, the rows and columns the forward conv's floor division dropped,
 * so the output has exactly the input's height and width.
 */
export function convTransposeAttrs(a: Attrs, g: readonly number[], w: readonly number[]): Record<string, OnnxAttr> {
  const [sh, sw] = a.stride as [number, number];
  const [dh, dw] = a.dilation as [number, number];
  const [pt, pl, pb, pr] = a.padding as [number, number, number, number];
  const [, , H, W] = a.inputShape as [number, number, number, number];
  const covered = (o: number, s: number, k: number, d: number, before: number, after: number): number => s * (o - 1) + d * (k - 1) + 1 - before - after;
  return {
    ...convAttrs(a, w),
    output_padding: ints([H - covered(g[2]!, sh, w[2]!, dh, pt, pb), W - covered(g[3]!, sw, w[3]!, dw, pl, pr)]),
  };
}

const pool = (opType: 'MaxPool' | 'AveragePool'): OnnxRule => (cx) => {
  const attrs: Record<string, OnnxAttr> = { kernel_shape: ints(list(cx, 'kernel')), strides: ints(list(cx, 'stride')), pads: ints(list(cx, 'padding')) };
  // dlc's average is over the real (non-padding) elements: count_include_pad 0.
  if (opType === 'AveragePool') attrs.count_include_pad = int(0);
  cx.emit(opType, [cx.input(0)], attrs, cx.output);
};

export const ONNX_RULES: { readonly [K in OpKind]: OnnxRule | null } = {
  add: same('Add'),
  sub: same('Sub'),
  mul: same('Mul'),
  div: same('Div'),
  maximum: same('Max'),
  neg: same('Neg'),
  scale: withScalar('Mul', 'factor'),
  shift: withScalar('Add', 'offset'),
  rdiv: (cx) => { cx.emit('Div', [cx.floats([num(cx, 'numerator')]), cx.input(0)], {}, cx.output); },
  exp: same('Exp'),
  log: same('Log'),
  sqrt: same('Sqrt'),
  rsqrt: (cx) => { cx.emit('Reciprocal', [cx.emit('Sqrt', [cx.input(0)])], {}, cx.output); },
  square: (cx) => { cx.emit('Mul', [cx.input(0), cx.input(0)], {}, cx.output); },
  abs: same('Abs'),
  sign: same('Sign'),
  relu: same('Relu'),
  leaky_relu: same('LeakyRelu', (cx) => ({ alpha: float(num(cx, 'alpha')) })),
  sigmoid: same('Sigmoid'),
  tanh: same('Tanh'),
  gelu,
  silu: (cx) => { cx.emit('Mul', [cx.input(0), cx.emit('Sigmoid', [cx.input(0)])], {}, cx.output); },
  elu: same('Elu', (cx) => ({ alpha: float(num(cx, 'alpha')) })),
  // ONNX's defaults are these constants rounded to f32; written out so no reader depends on them.
  selu: same('Selu', () => ({ alpha: float(1.6732632423543772), gamma: float(1.0507009873554805) })),
  softplus: same('Softplus'),
  relu6: (cx) => { cx.emit('Clip', [cx.input(0), cx.floats([0]), cx.floats([6])], {}, cx.output); },
  softmax: same('Softmax', () => ({ axis: int(-1) })),
  log_softmax: same('LogSoftmax', () => ({ axis: int(-1) })),
  matmul: (cx) => {
    const transA = cx.attrs.transA === true;
    const transB = cx.attrs.transB === true;
    if (cx.shape(0).length === 3) {
      // A batch of products: MatMul broadcasts over the leading axis; Gemm is 2-D only.
      const swapped = (k: number): string => cx.emit('Transpose', [cx.input(k)], { perm: ints([0, 2, 1]) });
      cx.emit('MatMul', [transA ? swapped(0) : cx.input(0), transB ? swapped(1) : cx.input(1)], {}, cx.output);
      return;
    }
    if (!transA && !transB) cx.emit('MatMul', [cx.input(0), cx.input(1)], {}, cx.output);
    else cx.emit('Gemm', [cx.input(0), cx.input(1)], { transA: int(transA ? 1 : 0), transB: int(transB ? 1 : 0) }, cx.output);
  },
  sum_to: sumTo,
  reshape,
  conv2d: (cx) => { cx.emit('Conv', [cx.input(0), cx.input(1)], convAttrs(cx.attrs, cx.shape(1)), cx.output); },
  // conv2d_transpose's forward: its filters [CO, C/groups, KH, KW] are ConvTranspose's [in, out/group, …].
  conv2d_bwd_input: (cx) => { cx.emit('ConvTranspose', [cx.input(0), cx.input(1)], convTransposeAttrs(cx.attrs, cx.shape(0), cx.shape(1)), cx.output); },
  maxpool2d: pool('MaxPool'),
  avgpool2d: pool('AveragePool'),
  upsample: (cx) => {
    const [fh, fw] = list(cx, 'factor') as [number, number];
    // Nearest with floor(output / factor): asymmetric coordinates, floor rounding.
    cx.emit('Resize', [cx.input(0), '', cx.floats([1, 1, fh, fw], [4])], {
      mode: str('nearest'), coordinate_transformation_mode: str('asymmetric'), nearest_mode: str('floor'),
    }, cx.output);
  },
  upsample_bilinear: (cx) => {
    const [fh, fw] = list(cx, 'factor') as [number, number];
    // tf.image.resize's bilinear: half-pixel centres, coordinates clamped to the edges.
    cx.emit('Resize', [cx.input(0), '', cx.floats([1, 1, fh, fw], [4])], {
      mode: str('linear'), coordinate_transformation_mode: str('half_pixel'),
    }, cx.output);
  },
  resize_bilinear: (cx) => {
    const [, , H, W] = cx.shape(0) as [number, number, number, number];
    const [h, w] = list(cx, 'size') as [number, number];
    // ONNX sizes the output ⌊n·scale⌋ with a float32 scale: the least one with n·scale ≥ m exactly (so in float and double alike).
    const scale = (n: number, m: number): number => {
      let s = Math.fround(m / n);
      while (n * s < m) s = Math.fround(s * (1 + 2 ** -23));
      return s;
    };
    // tf.image.resize's bilinear: half-pixel centres, coordinates clamped to the edges, no antialias (ONNX Resize has none before opset 18).
    cx.emit('Resize', [cx.input(0), '', cx.floats([1, 1, scale(H, h), scale(W, w)], [4])], {
      mode: str('linear'), coordinate_transformation_mode: str('half_pixel'),
    }, cx.output);
  },
  concat: same('Concat', (cx) => ({ axis: int(num(cx, 'axis')) })),
  transpose: same('Transpose', (cx) => ({ perm: ints(list(cx, 'perm')) })),
  slice: (cx) => {
    const start = num(cx, 'start');
    cx.emit('Slice', [cx.input(0), cx.ints([start]), cx.ints([start + num(cx, 'size')]), cx.ints([num(cx, 'axis')])], {}, cx.output);
  },
  // Zeros around x along one axis (zero_padding2d): Pad with [begins..., ends...].
  slice_bwd: (cx) => {
    const axis = num(cx, 'axis');
    const start = num(cx, 'start');
    const rank = cx.outShape.length;
    const pads = new Array<number>(2 * rank).fill(0);
    pads[axis] = start;
    pads[rank + axis] = cx.outShape[axis]! - start - cx.shape(0)[axis]!;
    cx.emit('Pad', [cx.input(0), cx.ints(pads)], { mode: str('constant') }, cx.output);
  },
  // ONNX Gather along the table's rows (an id outside the table is an error there, zeros in dlc).
  gather: same('Gather', () => ({ axis: int(0) })),
  scatter_add: null,
  id_buckets: null,
  broadcast_to: (cx) => {
    // Expand broadcasts both ways: a 1 keeps the input's size, so the batch stays symbolic.
    const shape = [...list(cx, 'shape')];
    if (cx.batched(0)) shape[0] = 1;
    cx.emit('Expand', [cx.input(0), cx.ints(shape)], {}, cx.output);
  },
  // Data-independent: folded into a constant before any rule runs.
  fill: null,
  ones_like: null,
  dropout: null,
  // Training-only augmentation: the inference graph the exporter reads has none.
  gaussian_noise: null,
  random_flip: null,
  random_translation: null,
  random_rotation: null,
  random_zoom: null,
  cutout: null,
  random_crop: null,
  huber: null,
  hinge: null,
  kl_divergence: null,
  bce_logits: null,
  relu_bwd: null,
  leaky_relu_bwd: null,
  sigmoid_bwd: null,
  tanh_bwd: null,
  gelu_bwd: null,
  elementwise_bwd: null,
  bce_logits_bwd: null,
  // An attention mask: no ONNX form yet (an unmasked attention exports through softmax).
  masked_softmax: null,
  softmax_bwd: null,
  log_softmax_bwd: null,
  softmax_ce: null,
  softmax_ce_bwd: null,
  correct: null,
  correct_onehot: null,
  class_weight: null,
  class_weight_target: null,
  conv2d_bwd_filter: null,
  maxpool2d_bwd: null,
  avgpool2d_bwd: null,
  upsample_bwd: null,
  upsample_bilinear_bwd: null,
  resize_bilinear_bwd: null,
  sgd: null,
  momentum: null,
  adagrad: null,
  rmsprop: null,
  adam: null,
  adamw: null,
  nadam: null,
  adamax: null,
  adadelta: null,
  ema: null,
  accumulate: null,
  fused: null,
  matmul_chain: null,
  conv2d_chain: null,
  maxpool2d_bwd_chain: null,
  softmax_ce_head: null,
};
