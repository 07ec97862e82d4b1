// Gradients: one vector-Jacobian product rule per op, written as IR ops with op names checked by
// the compiler (b.op('mtmul', …) does not compile). An element-wise op without a rule here gets
// one derived from its scalar tree; optimizer updates are never differentiated.
import type { Attrs, ValueId } from '../types.ts';
import { sameShape } from '../tensor.ts';
import type { ElementwiseKind } from './elementwise.ts';
import type { OptimizerName } from './optimizers.ts';
import { OP_ROWS, type OpKind } from './registry.ts';

/** What a VJP rule may do: add nodes to the backward graph. */
export interface GradBuilder {
  op(op: OpKind, inputs: ValueId[], attrs?: Attrs): ValueId;
  shape(v: ValueId): number[];
  dtype(v: ValueId): string;
}

/** The parts of a node a rule reads. */
export interface VjpNode {
  inputs: ValueId[];
  output: ValueId | null;
  attrs: Attrs;
}

/** Gradient of each input given the gradient `g` of the node's output (null: no gradient flows). */
export type Grads = (ValueId | null)[];
export type VjpRule = (b: GradBuilder, node: VjpNode, g: ValueId) => Grads;

/** Reduces a broadcast gradient back to the shape of the input it flowed from. */
export function unbroadcast(b: GradBuilder, g: ValueId, shape: number[]): ValueId {
  return sameShape(b.shape(g), shape) ? g : b.op('sum_to', [g], { shape });
}

/** Every op but element-wise ones (their rule may be derived) and optimizer updates must say. */
type Required = Exclude<OpKind, ElementwiseKind | OptimizerName>;
type Rules = { readonly [K in Required]: VjpRule | null } & { readonly [K in ElementwiseKind]?: VjpRule | null };

const poolAttrs = (a: Attrs): Attrs => ({ kernel: a.kernel!, stride: a.stride!, padding: a.padding! });
const convAttrs = (a: Attrs): Attrs => ({ stride: a.stride!, padding: a.padding!, dilation: a.dilation!, groups: a.groups! });

const RULES: Rules = {
  add: (b, n, g) => [unbroadcast(b, g, b.shape(n.inputs[0]!)), unbroadcast(b, g, b.shape(n.inputs[1]!))],
  sub: (b, n, g) => [unbroadcast(b, g, b.shape(n.inputs[0]!)), unbroadcast(b, b.op('neg', [g]), b.shape(n.inputs[1]!))],
  mul: (b, n, g) => [
    unbroadcast(b, b.op('mul', [g, n.inputs[1]!]), b.shape(n.inputs[0]!)),
    unbroadcast(b, b.op('mul', [g, n.inputs[0]!]), b.shape(n.inputs[1]!)),
  ],
  div: (b, n, g) => {
    const [x, y] = n.inputs as [ValueId, ValueId];
    const gx = b.op('div', [g, y]);
    const gy = b.op('neg', [b.op('div', [b.op('mul', [gx, x]), y])]);
    return [unbroadcast(b, gx, b.shape(x)), unbroadcast(b, gy, b.shape(y))];
  },
  neg: (b, _n, g) => [b.op('neg', [g])],
  scale: (b, n, g) => [b.op('scale', [g], { factor: n.attrs.factor! })],
  shift: (_b, _n, g) => [g],
  exp: (b, n, g) => [b.op('mul', [g, b.op('exp', [n.inputs[0]!])])],
  log: (b, n, g) => [b.op('div', [g, n.inputs[0]!])],
  sqrt: (b, n, g) => [b.op('div', [b.op('scale', [g], { factor: 0.5 }), b.op('sqrt', [n.inputs[0]!])])],
  // d/dx x^(-1/2) = -1/2 · x^(-3/2) = -1/2 · y / x
  rsqrt: (b, n, g) => [b.op('mul', [b.op('scale', [g], { factor: -0.5 }), b.op('div', [n.output!, n.inputs[0]!])])],
  square: (b, n, g) => [b.op('mul', [b.op('scale', [g], { factor: 2 }), n.inputs[0]!])],
  abs: (b, n, g) => [b.op('mul', [g, b.op('sign', [n.inputs[0]!])])],
  ones_like: null,
  sign: null,
  // The mask comes from relu's output (y > 0 exactly where x > 0), so the pre-activation can die
  // inside a fused matmul + bias + relu kernel.
  relu: (b, n, g) => [b.op('relu_bwd', [n.output!, g])],
  leaky_relu: (b, n, g) => [b.op('leaky_relu_bwd', [n.inputs[0]!, g], { alpha: n.attrs.alpha! })],
  sigmoid: (b, n, g) => [b.op('sigmoid_bwd', [n.output!, g])],
  tanh: (b, n, g) => [b.op('tanh_bwd', [n.output!, g])],
  // The tanh form has a hand-written gradient; the exact one is derived from its tree.
  gelu: (b, n, g) => (n.attrs.approximate === true ? [b.op('gelu_bwd', [n.inputs[0]!, g])] : derivedRule('gelu')(b, n, g)),
  relu_bwd: null,
  leaky_relu_bwd: null,
  sigmoid_bwd: null,
  tanh_bwd: null,
  gelu_bwd: null,
  elementwise_bwd: null,
  // The third input counts the batch's non-binary targets (a step function): no gradient flows to it.
  hinge: (b, n, g) => [...derivedRule('hinge')(b, n, g).slice(0, 2), null],
  bce_logits: (b, n, g) => [unbroadcast(b, b.op('bce_logits_bwd', [n.inputs[0]!, n.inputs[1]!, g]), b.shape(n.inputs[0]!)), null],
  bce_logits_bwd: null,
  dropout: (b, n, g) => [b.op('dropout', [g], { ...n.attrs })],
  // x + noise: the noise is data, so the gradient passes unchanged.
  gaussian_noise: (_b, _n, g) => [g],
  fill: null,
  broadcast_to: (b, n, g) => [unbroadcast(b, g, b.shape(n.inputs[0]!))],

  matmul: (b, n, g) => {
    const [A, B] = n.inputs as [ValueId, ValueId];
    const tA = n.attrs.transA === true;
    const tB = n.attrs.transB === true;
    // Derivation per case: C = op(A)op(B) ⇒ dop(A) = g·op(B)ᵀ, dop(B) = op(A)ᵀ·g, then undo op.
    const mm = (x: ValueId, y: ValueId, ta: boolean, tb: boolean): ValueId => b.op('matmul', [x, y], { transA: ta, transB: tb });
    if (!tA && !tB) return [mm(g, B, false, true), mm(A, g, true, false)];
    if (tA && !tB) return [mm(B, g, false, true), mm(A, g, false, false)];
    if (!tA && tB) return [mm(g, B, false, false), mm(g, A, true, false)];
    return [mm(B, g, true, true), mm(g, A, true, true)];
  },
  sum_to: (b, n, g) => [b.op('broadcast_to', [g], { shape: b.shape(n.inputs[0]!) })],
  reshape: (b, n, g) => [b.op('reshape', [g], { shape: b.shape(n.inputs[0]!) })],

  softmax: (b, n, g) => [b.op('softmax_bwd', [n.output!, g])],
  // Masked entries are 0 in y, so softmax's rule gives them no gradient; the ids get none.
  masked_softmax: (b, n, g) => [b.op('softmax_bwd', [n.output!, g]), ...n.inputs.slice(1).map(() => null)],
  log_softmax: (b, n, g) => [b.op('log_softmax_bwd', [n.output!, g])],
  softmax_bwd: null,
  log_softmax_bwd: null,
  softmax_ce: (b, n, g) => [b.op('softmax_ce_bwd', [n.inputs[0]!, n.inputs[1]!, g]), null],
  softmax_ce_bwd: null,
  correct: null,
  correct_onehot: null,
  // Class weights come from the targets, which are data (lowering requires a model input).
  class_weight: null,
  class_weight_target: null,

  conv2d: (b, n, g) => {
    const [x, w] = n.inputs as [ValueId, ValueId];
    const a = convAttrs(n.attrs);
    return [
      b.op('conv2d_bwd_input', [g, w], { ...a, inputShape: b.shape(x) }),
      b.op('conv2d_bwd_filter', [x, g], { ...a, filterShape: b.shape(w) }),
    ];
  },
  // The forward of conv2d_transpose: its input gradient is the convolution itself, its filter
  // gradient conv2d's with the roles of image (here the upstream gradient) and gradient swapped.
  conv2d_bwd_input: (b, n, g) => {
    const [x, w] = n.inputs as [ValueId, ValueId];
    const a = convAttrs(n.attrs);
    return [b.op('conv2d', [g, w], a), b.op('conv2d_bwd_filter', [g, x], { ...a, filterShape: b.shape(w) })];
  },
  conv2d_bwd_filter: null,

  maxpool2d: (b, n, g) => [b.op('maxpool2d_bwd', [n.inputs[0]!, g], poolAttrs(n.attrs))],
  maxpool2d_bwd: null,
  avgpool2d: (b, n, g) => [b.op('avgpool2d_bwd', [g], { ...poolAttrs(n.attrs), inputShape: [...b.shape(n.inputs[0]!)] })],
  avgpool2d_bwd: null,
  upsample: (b, n, g) => [b.op('upsample_bwd', [g], { factor: n.attrs.factor! })],
  upsample_bwd: null,
  upsample_bilinear: (b, n, g) => [b.op('upsample_bilinear_bwd', [g], { factor: n.attrs.factor! })],
  upsample_bilinear_bwd: null,
  concat: (b, n, g) => {
    const axis = n.attrs.axis as number;
    const da = b.shape(n.inputs[0]!)[axis]!;
    const db = b.shape(n.inputs[1]!)[axis]!;
    return [b.op('slice', [g], { axis, start: 0, size: da }), b.op('slice', [g], { axis, start: da, size: db })];
  },
  transpose: (b, n, g) => {
    const perm = n.attrs.perm as number[];
    const inverse = perm.map((_, k) => perm.indexOf(k));
    return [b.op('transpose', [g], { perm: inverse })];
  },
  slice: (b, n, g) => [b.op('slice_bwd', [g], { axis: n.attrs.axis!, start: n.attrs.start!, shape: [...b.shape(n.inputs[0]!)] })],
  // Linear (zero padding along one axis, as zero_padding2d uses it): its gradient is the slice it pads.
  slice_bwd: (b, n, g) => {
    const axis = n.attrs.axis as number;
    return [b.op('slice', [g], { axis, start: n.attrs.start!, size: b.shape(n.inputs[0]!)[axis]! })];
  },

  // The table's gradient sums g into the rows the ids name; ids get none. scatter_add is linear in
  // g: its own gradient is the gather of the cotangent at the same ids.
  gather: (b, n, g) => {
    const rows = b.shape(n.inputs[0]!)[0]!;
    const ids = n.inputs[1]!;
    return [b.op('scatter_add', [g, ids, b.op('id_buckets', [ids], { rows })], { rows }), null];
  },
  scatter_add: (b, n, g) => [b.op('gather', [g, n.inputs[1]!]), null, null],
  id_buckets: null,

  // Augmentations redraw the same choices from (seed, step, salt): a flip and a cutout mask are their
  // own transposes; a translation's, rotation's or zoom's transpose reads the other way (its constant fill is no function of x).
  random_flip: (b, n, g) => [b.op('random_flip', [g], { ...n.attrs })],
  cutout: (b, n, g) => [b.op('cutout', [g], { ...n.attrs })],
  random_translation: (b, n, g) => [b.op('random_translation', [g], { ...n.attrs, fill: 0, adjoint: n.attrs.adjoint !== true })],
  random_rotation: (b, n, g) => [b.op('random_rotation', [g], { ...n.attrs, fill: 0, adjoint: n.attrs.adjoint !== true })],
  random_zoom: (b, n, g) => [b.op('random_zoom', [g], { ...n.attrs, fill: 0, adjoint: n.attrs.adjoint !== true })],
  // A crop is a gather at the batch's corner: its transpose writes g back there (zeros elsewhere), and the transpose's is the crop.
  random_crop: (b, n, g) => [b.op('random_crop', [g], { ...n.attrs, adjoint: n.attrs.adjoint !== true })],
  resize_bilinear: (b, n, g) => [b.op('resize_bilinear_bwd', [g], { image: b.shape(n.inputs[0]!).slice(2) })],
  resize_bilinear_bwd: null,

  ema: null,
  accumulate: null,
  // Made by the fusion and loss-head passes after autodiff: never differentiated.
  fused: null,
  matmul_chain: null,
  conv2d_chain: null,
  maxpool2d_bwd_chain: null,
  softmax_ce_head: null,
};

/**
 * The rule of an element-wise op stated only as a tree: g · ∂f/∂x_k for each f32 input k (one
 * `elementwise_bwd` node each), summed back over broadcast axes.
 */
function derivedRule(op: OpKind): VjpRule {
  return (b, n, g) => n.inputs.map((x, k) => (b.dtype(x) !== 'f32' ? null
    : unbroadcast(b, b.op('elementwise_bwd', [...n.inputs, g], { ...n.attrs, of: op, wrt: k }), b.shape(x))));
}

/** The VJP of `op`: its rule, a rule derived from its tree, or null (not differentiable). */
export function vjpRule(op: OpKind): VjpRule | null {
  const rule = (RULES as Partial<Record<OpKind, VjpRule | null>>)[op];
  if (rule !== undefined) return rule;
  return OP_ROWS[op].kind === 'elementwise' ? derivedRule(op) : null;
}
