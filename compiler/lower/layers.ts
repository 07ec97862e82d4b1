// The layers of the language (dense, activations, dropout, flatten, ...): each lowers to IR primitives.
import type { Initializer } from '../artifact.ts';
import { broadcastShapes, numel, shapeStr } from '../ir/tensor.ts';
import type { ValueId } from '../ir/types.ts';
import type { ArgSpec } from './bind-args.ts';
import type { Regularizer } from './regularizer.ts';
import type { Hyper } from './values.ts';

/** A user-facing error in a layer call; lowering reports it at the call. */
export class LayerError extends Error {}

/** What a layer may do while lowering. */
export interface LayerContext {
  readonly training: boolean;
  /** Frozen (trainable: false or the freeze list): batch norm then normalises with its running statistics, as Keras does. */
  readonly frozen: boolean;
  /** The layer's instance name, e.g. "dense_2". */
  readonly name: string;
  /** Next stage in the chain when it is an activation, e.g. "relu": picks He vs Glorot init. */
  readonly nextActivation?: string;
  /** A per-call number that makes each dropout's random stream distinct. */
  readonly salt: number;
  shape(v: ValueId): number[];
  /** The vocabulary size of a token input (tokens[V, T]); undefined for any other value. */
  vocab(v: ValueId): number | undefined;
  op(op: string, inputs: ValueId[], attrs?: Record<string, Hyper>): ValueId;
  /** A parameter; `regularize`: the train section's regulariser applies; `own`: the layer's, instead. */
  param(suffix: string, shape: number[], init: Initializer, regularize: boolean, own?: Regularizer): ValueId;
  /** Non-trainable layer state saved with the weights (batch norm's running statistics). */
  state(suffix: string, shape: number[], init: Initializer): ValueId;
}

export interface LayerDef {
  doc: string;
  /** How many tensor inputs the layer takes; with `variadic`, the least (every positional argument is then an input). */
  inputs: number;
  variadic?: boolean;
  /** Its (first) input must be token ids, a tokens[V, T] input (embedding); no other layer takes them. */
  tokenInput?: boolean;
  /**
   * It takes `mask: ids`, the token ids of a tokens[V, T] input whose padding id (0) marks the steps
   * to leave out (Keras' mask_zero mask, passed by name); lower() then gets them after its inputs.
   */
  maskArg?: boolean;
  /**
   * A wrapper (bidirectional): its `layer` argument is a call of one of these layers, written as
   * `bidirectional(lstm(64))`, whose arguments are bound against that layer's table and passed to
   * lower() under WRAPPED_ARG (`layer.units`).
   */
  wraps?: readonly string[];
  /** Its arguments besides the inputs, bound by bind-args.ts. */
  hyper: ArgSpec[];
  lower(cx: LayerContext, xs: ValueId[], h: Record<string, Hyper>): ValueId;
}

export const ACTIVATIONS = [
  'linear', 'relu', 'sigmoid', 'tanh', 'gelu', 'silu', 'swish', 'elu', 'selu', 'softplus', 'relu6', 'leaky_relu', 'softmax', 'log_softmax',
] as const;
const RELU_LIKE = new Set(['relu', 'leaky_relu', 'gelu', 'relu6']);
/** The prefix of an activation's own arguments among a layer's (`activation: leaky_relu(alpha: 0.2)`). */
export const ACTIVATION_ARG = 'activation.';
/** The prefix of a wrapped layer's own arguments among its wrapper's (bidirectional's `layer.units`). */
export const WRAPPED_ARG = 'layer.';
/** Keras 3's spellings of layer arguments, suggested as dlc's names (`kernel_size` → `kernel`). */
export const KERAS_ARG_NAMES: Readonly<Record<string, string>> = {
  kernel_size: 'kernel', strides: 'stride', dilation_rate: 'dilation', pool_size: 'pool', size: 'factor',
  target_shape: 'shape', negative_slope: 'alpha', kernel_initializer: 'init', bias_initializer: 'bias_init',
  merge_mode: 'merge',
};
export const INITS = ['auto', 'glorot_uniform', 'glorot_normal', 'he_uniform', 'he_normal', 'lecun_uniform', 'lecun_normal', 'zeros'] as const;

/** What `bias_init:` takes: Keras' constant initialisers, and the fan-based ones with a vector's fans (both its length). */
export const BIAS_INITS = ['zeros', 'ones', 'glorot_uniform', 'glorot_normal', 'he_uniform', 'he_normal', 'lecun_uniform', 'lecun_normal'] as const;

/** The arguments of a layer with a kernel and a bias besides `init`: Keras' per-layer regularisers and bias initialiser. */
export const WEIGHT_ARGS: ArgSpec[] = [
  { name: 'bias_init', type: 'word', default: 'zeros', oneOf: BIAS_INITS },
  // [] is "not given": the train section's `regularize` then covers the kernel.
  { name: 'kernel_regularizer', type: 'regularizer', default: [] },
  { name: 'bias_regularizer', type: 'regularizer', default: [] },
];

/** A `*_regularizer` argument as bound ([l1, l2]), or undefined when it was not given. */
export function ownRegularizer(h: Record<string, Hyper>, name: 'kernel_regularizer' | 'bias_regularizer'): Regularizer | undefined {
  const v = h[name] as number[];
  return v.length === 2 ? { l1: v[0]!, l2: v[1]! } : undefined;
}

/** A bias of `n` values as `bias_init:` asks; Keras' fans of a vector are its length, in and out. */
export function biasInit(h: Record<string, Hyper>, n: number): Initializer {
  const kind = h.bias_init as (typeof BIAS_INITS)[number];
  return kind === 'zeros' || kind === 'ones' ? { kind } : { kind, fanIn: n, fanOut: n };
}

/**
 * Applies the `activation:` argument of dense or conv2d as the layer of that name would, with its
 * own arguments (under ACTIVATION_ARG in `h`) or that layer's defaults.
 */
export function activate(cx: LayerContext, x: ValueId, act: string, h: Record<string, Hyper> = {}): ValueId {
  if (act === 'linear') return x;
  const def = DENSE_LAYERS[act];
  if (!def) throw new Error(`internal error: '${act}' is not an activation layer`);
  const args: Record<string, Hyper> = {};
  for (const spec of def.hyper) args[spec.name] = h[`${ACTIVATION_ARG}${spec.name}`] ?? spec.default!;
  return def.lower(cx, [x], args);
}

function unary(op: string, doc: string): LayerDef {
  return { doc, inputs: 1, hyper: [], lower: (cx, [x]) => cx.op(op, [x!]) };
}

/**
 * A layer's `axis:` as an index of the shape (0 is the batch; negative counts from the end, as
 * Keras' axis does); a LayerError when it is out of range or the batch axis.
 */
export function featureAxis(shape: number[], axis: number, layer: string): number {
  const rank = shape.length;
  const k = axis < 0 ? axis + rank : axis;
  if (k < 1 || k >= rank) {
    throw new LayerError(`${layer} axis ${axis} is out of range for input [batch${shape.slice(1).map((d) => `, ${d}`).join('')}]: expected 1 to ${rank - 1}, or -1 to -${rank - 1} from the end (axis 0 is the batch)`);
  }
  return k;
}

/**
 * softmax and log_softmax with Keras' `axis` argument: the kernels run along the last axis, so
 * another axis is refused by name (the batch axis and ranks out of range too).
 */
function lastAxisOnly(op: 'softmax' | 'log_softmax', doc: string): LayerDef {
  return {
    doc,
    inputs: 1,
    hyper: [{ name: 'axis', type: 'int', default: -1 }],
    lower: (cx, [x], h) => {
      const s = cx.shape(x!);
      const axis = h.axis as number;
      if (featureAxis(s, axis, op) !== s.length - 1) throw new LayerError(`${op} runs over the last axis only (axis: -1 or ${s.length - 1} here), not axis ${axis}; reshape so that axis is last`);
      return cx.op(op, [x!]);
    },
  };
}

function binary(op: string, doc: string): LayerDef {
  return { doc, inputs: 2, hyper: [], lower: (cx, [a, b]) => cx.op(op, [a!, b!]) };
}

/**
 * The initialiser a layer asked for; 'auto' is He uniform before relu-like activations (it keeps
 * ReLU nets' activations from shrinking layer by layer), Glorot uniform otherwise (Keras's default).
 */
export function heOrGlorot(kind: string, act: string, next: string | undefined, fanIn: number, fanOut: number): Initializer {
  let k = kind;
  if (k === 'auto') k = RELU_LIKE.has(act) || RELU_LIKE.has(next ?? '') ? 'he_uniform' : 'glorot_uniform';
  return k === 'zeros' ? { kind: 'zeros' } : { kind: k as 'he_uniform', fanIn, fanOut };
}

/**
 * A Keras merge layer (Average, Maximum): two or more inputs of one shape, or shapes that broadcast
 * (as Keras' merges allow), folded left to right with `op`; `finish` maps the fold's result.
 */
function merge(name: string, op: 'add' | 'maximum', doc: string, finish: (cx: LayerContext, y: ValueId, n: number) => ValueId = (_cx, y) => y): LayerDef {
  return {
    doc,
    inputs: 2,
    variadic: true,
    hyper: [],
    lower(cx, xs) {
      const shapes = xs.map((x) => cx.shape(x));
      let out: number[] | undefined = shapes[0]!;
      for (const s of shapes.slice(1)) out = out && broadcastShapes(out, s);
      if (!out || out[0] !== shapes[0]![0]) {
        const shown = shapes.map((s) => shapeStr(['batch' as unknown as number, ...s.slice(1)])).join(', ');
        throw new LayerError(`${name} needs inputs of one shape (or shapes that broadcast), got ${shown}`);
      }
      return finish(cx, xs.slice(1).reduce((acc, x) => cx.op(op, [acc, x]), xs[0]!), xs.length);
    },
  };
}

export const DENSE_LAYERS: Record<string, LayerDef> = {
  dense: {
    doc: 'fully connected layer on the last axis: x·W + b',
    inputs: 1,
    hyper: [
      { name: 'units', type: 'posint' },
      { name: 'activation', type: 'word', default: 'linear', oneOf: ACTIVATIONS },
      { name: 'use_bias', type: 'bool', default: true },
      { name: 'init', type: 'word', default: 'auto', oneOf: INITS },
      ...WEIGHT_ARGS,
    ],
    lower(cx, [x], h) {
      const shape = cx.shape(x!);
      if (shape.length < 2) throw new LayerError(`dense needs an input with features, got ${shapeStr(shape)}`);
      const units = h.units as number;
      const fanIn = shape[shape.length - 1]!;
      const act = h.activation as string;
      const init = heOrGlorot(h.init as string, act, cx.nextActivation, fanIn, units);
      const w = cx.param('kernel', [fanIn, units], init, true, ownRegularizer(h, 'kernel_regularizer'));
      const rows = numel(shape) / fanIn;
      const flat = shape.length === 2 ? x! : cx.op('reshape', [x!], { shape: [rows, fanIn] });
      let y = cx.op('matmul', [flat, w]);
      if (h.use_bias) y = cx.op('add', [y, cx.param('bias', [units], biasInit(h, units), false, ownRegularizer(h, 'bias_regularizer'))]);
      if (shape.length !== 2) y = cx.op('reshape', [y], { shape: [...shape.slice(0, -1), units] });
      return activate(cx, y, act, h);
    },
  },
  relu: unary('relu', 'max(x, 0)'),
  sigmoid: unary('sigmoid', 'logistic sigmoid'),
  tanh: unary('tanh', 'hyperbolic tangent'),
  gelu: {
    doc: 'GELU x·Φ(x), exact (erf) as Keras; approximate: true for the tanh form',
    inputs: 1,
    hyper: [{ name: 'approximate', type: 'bool', default: false }],
    lower: (cx, [x], h) => cx.op('gelu', [x!], { approximate: h.approximate as boolean }),
  },
  silu: unary('silu', 'SiLU (swish): x·sigmoid(x)'),
  swish: unary('silu', 'swish, the same as silu: x·sigmoid(x)'),
  selu: unary('selu', 'SELU: 1.0507·(x > 0 ? x : 1.6733·(e^x − 1))'),
  softplus: unary('softplus', 'log(e^x + 1)'),
  relu6: unary('relu6', 'min(max(x, 0), 6)'),
  softmax: lastAxisOnly('softmax', 'softmax over the last axis (axis: -1, as Keras)'),
  log_softmax: lastAxisOnly('log_softmax', 'log-softmax over the last axis (axis: -1, as Keras)'),
  leaky_relu: {
    doc: 'x for x > 0, alpha·x otherwise',
    inputs: 1,
    hyper: [{ name: 'alpha', type: 'float', default: 0.3 }],
    lower: (cx, [x], h) => cx.op('leaky_relu', [x!], { alpha: h.alpha as number }),
  },
  elu: {
    doc: 'x for x > 0, alpha·(e^x − 1) otherwise (Keras ELU)',
    inputs: 1,
    hyper: [{ name: 'alpha', type: 'float', default: 1 }],
    lower: (cx, [x], h) => cx.op('elu', [x!], { alpha: h.alpha as number }),
  },
  dropout: {
    doc: 'zeroes a fraction `rate` of values while training (scaling the rest); identity in eval',
    inputs: 1,
    hyper: [{ name: 'rate', type: 'rate' }],
    lower: (cx, [x], h) => (cx.training && (h.rate as number) > 0 ? cx.op('dropout', [x!], { rate: h.rate as number, salt: cx.salt }) : x!),
  },
  prelu: {
    doc: 'x for x > 0, alpha·x otherwise, with a learned alpha per value of a sample (Keras PReLU; shared_axes: [2, 3] for one per channel of an image)',
    inputs: 1,
    hyper: [{ name: 'shared_axes', type: 'ints', default: [] }],
    lower(cx, [x], h) {
      const s = cx.shape(x!);
      const shared = h.shared_axes as number[];
      const bad = shared.find((a) => a >= s.length);
      if (bad !== undefined) {
        throw new LayerError(`prelu shared_axes ${bad} is out of range for an input of shape ${shapeStr(['batch' as unknown as number, ...s.slice(1)])} (axes 1 to ${s.length - 1}; 0 is the batch)`);
      }
      // Keras: alpha of the per-sample shape, 1 along shared axes; zeros, so it starts as relu.
      const alphaShape = s.slice(1).map((d, i) => (shared.includes(i + 1) ? 1 : d));
      const alpha = cx.param('alpha', alphaShape, { kind: 'zeros' }, false);
      // relu(x) − alpha·relu(−x), as Keras writes it (its gradient at 0 is 0).
      return cx.op('sub', [cx.op('relu', [x!]), cx.op('mul', [alpha, cx.op('relu', [cx.op('neg', [x!])])])]);
    },
  },
  flatten: {
    doc: 'keeps the batch axis and flattens the rest',
    inputs: 1,
    hyper: [],
    lower: (cx, [x]) => {
      const s = cx.shape(x!);
      return s.length === 2 ? x! : cx.op('reshape', [x!], { shape: [s[0]!, numel(s.slice(1))] });
    },
  },
  reshape: {
    doc: 'new per-sample shape, same number of values; one dimension may be -1, inferred (Keras Reshape)',
    inputs: 1,
    hyper: [{ name: 'shape', type: 'shape' }],
    lower: (cx, [x], h) => {
      const s = cx.shape(x!);
      const given = h.shape as number[];
      const values = numel(s.slice(1));
      const known = numel(given.filter((d) => d !== -1));
      if (given.includes(-1)) {
        if (values % known !== 0) {
          throw new LayerError(`cannot reshape per-sample shape ${shapeStr(s.slice(1))} (${values} values) to ${shapeStr(given)}: ${values} is not a multiple of ${known}, the product of the other dimensions`);
        }
      }
      const target = given.map((d) => (d === -1 ? values / known : d));
      if (numel(target) !== values) {
        throw new LayerError(`cannot reshape per-sample shape ${shapeStr(s.slice(1))} (${numel(s.slice(1))} values) to ${shapeStr(target)} (${numel(target)} values)`);
      }
      return cx.op('reshape', [x!], { shape: [s[0]!, ...target] });
    },
  },
  add: binary('add', 'element-wise a + b (broadcasting)'),
  sub: binary('sub', 'element-wise a - b (broadcasting)'),
  mul: binary('mul', 'element-wise a * b (broadcasting)'),
  average: merge('average', 'add', 'element-wise mean of two or more tensors (Keras Average): (a + b + …) / n',
    (cx, y, n) => cx.op('scale', [y], { factor: 1 / n })),
  maximum: merge('maximum', 'maximum', 'element-wise maximum of two or more tensors (Keras Maximum)'),
};
