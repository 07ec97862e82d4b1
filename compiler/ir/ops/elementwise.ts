// Element-wise ops (numpy broadcasting): activations, arithmetic, their gradients, dropout, BCE.
// Each is one scalar tree over its inputs; the float64 reference evaluates it, the WGSL renderer
// prints it (tanh and exp saturate there through clamps so no backend overflows into NaN).
import {
  add, arg, call, derivative, div, ge, gt, mul, neg, num, select, sub, substitute, uniform, type Expr,
} from '../expr.ts';
import type { Attrs } from '../types.ts';
import type { ElementwiseRow } from './def.ts';

const attr = (a: Attrs, k: string): number => a[k] as number;

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
/** SELU's constants (Klambauer et al. 2017, as Keras and tf.nn.selu state them). */
const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;
const GELU_C = 0.044715;
/** Added to a noise layer's salt for its second draw (salts count layers from 1, far below this). */
const NOISE_SECOND_STREAM = 2 ** 31;
/** keras.backend.epsilon(), the clip of kl_divergence. */
const KERAS_EPSILON = 1e-7;

/**
 * GELU, x·Φ(x), written 0.5·x·erfc(−x/√2) (Keras' default, approximate=False): erfc keeps the
 * relative accuracy of the tail at large negative x, where 1 + erf(x/√2) would cancel.
 */
const geluExact = (x: Expr): Expr => mul(mul(0.5, x), call('erfc', mul(-Math.SQRT1_2, x)));

/** tanh(√(2/π)·(x + 0.044715·x³)), the inner term of the tanh approximation of GELU. */
const geluT = (x: Expr): Expr => call('tanh', mul(SQRT_2_OVER_PI, add(x, mul(mul(mul(GELU_C, x), x), x))));

const row = (doc: string, arity: number, expr: ElementwiseRow['expr'], extra: Partial<ElementwiseRow> = {}): ElementwiseRow =>
  ({ kind: 'elementwise', doc, arity, expr, ...extra });
const unary = (doc: string, f: (x: Expr, a: Attrs) => Expr, extra: Partial<ElementwiseRow> = {}): ElementwiseRow =>
  row(doc, 1, ([x], a) => f(x!, a), extra);
const binary = (doc: string, f: (a: Expr, b: Expr, at: Attrs) => Expr): ElementwiseRow => row(doc, 2, ([a, b], at) => f(a!, b!, at));

/**
 * The tree of element-wise op `op` on `x`. A VJP derived from an op's tree (below) reads the table
 * by name, so any element-wise op without a hand-written gradient gets one.
 */
function treeOf(op: string, x: Expr[], attrs: Attrs): Expr {
  const r = (ELEMENTWISE_OPS as Record<string, ElementwiseRow>)[op];
  if (!r || r.block) throw new Error(`internal error: '${op}' is not a single element-wise tree`);
  return r.expr(x, attrs);
}

export const ELEMENTWISE_OPS = {
  add: binary('a + b', (a, b) => add(a, b)),
  sub: binary('a - b', (a, b) => sub(a, b)),
  mul: binary('a * b', (a, b) => mul(a, b)),
  div: binary('a / b', (a, b) => div(a, b)),
  /** max(a, b); on a tie the gradient goes to a (TensorFlow's rule for maximum); derived from this tree. */
  maximum: binary('a >= b ? a : b', (a, b) => select(ge(a, b), a, b)),
  neg: unary('-x', (x) => neg(x)),
  scale: unary('x * factor', (x, a) => mul(x, attr(a, 'factor'))),
  shift: unary('x + offset', (x, a) => add(x, attr(a, 'offset'))),
  /** A number over a tensor (`1 / x` in the language); its gradient comes from this tree. */
  rdiv: unary('numerator / x', (x, a) => div(attr(a, 'numerator'), x)),
  exp: unary('exp(x)', (x) => call('exp', x)),
  log: unary('log(x)', (x) => call('log', x)),
  sqrt: unary('sqrt(x)', (x) => call('sqrt', x)),
  /** 1/√x, for normalisation layers. */
  rsqrt: unary('1 / sqrt(x)', (x) => call('rsqrt', x)),
  square: unary('x²', (x) => mul(x, x)),
  abs: unary('|x|', (x) => call('abs', x)),
  /** 1 everywhere, shaped like x: the seed gradient d(loss)/d(loss). */
  ones_like: unary('1, shaped like x', () => num(1)),
  sign: unary('sign(x), 0 at 0', (x) => call('sign', x)),
  relu: unary('max(x, 0)', (x) => call('max', x, 0)),
  leaky_relu: unary('x > 0 ? x : alpha·x', (x, a) => select(gt(x, 0), x, mul(attr(a, 'alpha'), x))),
  sigmoid: unary('1 / (1 + e^-x)', (x) => call('sigmoid', x)),
  tanh: unary('tanh(x)', (x) => call('tanh', x)),
  /** Exact (erf) unless attrs.approximate: then the tanh form. The exact form's gradient comes from its tree. */
  gelu: unary('x·Φ(x); with approximate, 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³)))',
    (x, a) => (a.approximate === true ? mul(mul(0.5, x), add(1, geluT(x))) : geluExact(x))),
  /** SiLU (swish): x·sigmoid(x); its gradient comes from this tree. */
  silu: unary('x·sigmoid(x)', (x) => mul(x, call('sigmoid', x))),
  /** ELU (Keras): x for x > 0, alpha·(eˣ − 1) otherwise; its gradient comes from this tree. */
  elu: unary('x > 0 ? x : alpha·(e^x − 1)', (x, a) => select(gt(x, 0), x, mul(attr(a, 'alpha'), call('expm1', x)))),
  /** SELU (Keras): scale·x for x > 0, scale·alpha·(eˣ − 1) otherwise; its gradient comes from this tree. */
  selu: unary('scale·(x > 0 ? x : alpha·(e^x − 1)), alpha 1.6733, scale 1.0507',
    (x) => select(gt(x, 0), mul(SELU_SCALE, x), mul(SELU_SCALE * SELU_ALPHA, call('expm1', x)))),
  /** softplus (Keras): log(eˣ + 1), as max(x, 0) + log(1 + e^−|x|) so no eˣ overflows. */
  softplus: unary('log(e^x + 1)', (x) => add(call('max', x, 0), call('log1p', call('exp', neg(call('abs', x)))))),
  /** ReLU6 (Keras relu6): min(max(x, 0), 6). */
  relu6: unary('min(max(x, 0), 6)', (x) => call('min', call('max', x, 0), 6)),
  /** Huber's loss of a difference x (Keras): ½x² for |x| ≤ delta, delta·(|x| − ½delta) beyond; gradient from this tree. */
  huber: unary('|x| <= delta ? x²/2 : delta·(|x| − delta/2)',
    (x, a) => select(gt(call('abs', x), attr(a, 'delta')), mul(attr(a, 'delta'), sub(call('abs', x), 0.5 * attr(a, 'delta'))), mul(mul(0.5, x), x))),
  /**
   * Keras' hinge of a prediction p against a target t: max(1 − t'·p, 0), where t' = 2t − 1 when
   * every target of the batch is 0 or 1 (`nonBinary`, the batch's count of other targets, is 0)
   * and t otherwise. The max is taken as TensorFlow's maximum (at 0 the gradient is −t'); the
   * gradient comes from this tree.
   */
  hinge: row('max(1 − t\'·p, 0), t\' = nonBinary > 0 ? t : 2t − 1', 3, ([p, t, nonBinary]) => {
    const tt = select(gt(nonBinary!, 0), t!, sub(mul(2, t!), 1));
    const margin = sub(1, mul(tt, p!));
    return select(ge(margin, 0), margin, 0);
  }),
  /**
   * One term of Keras' kl_divergence: t·log(t / p) with t and p clipped to [1e-7, 1] (Keras'
   * epsilon); the clip passes no gradient outside the range. Gradient from this tree.
   */
  kl_divergence: binary('t·log(t / p), t and p clipped to [1e-7, 1]', (p, t) => {
    const clip = (x: Expr): Expr => call('min', call('max', x, KERAS_EPSILON), 1);
    return mul(clip(t), call('log', div(clip(t), clip(p))));
  }),
  // Gradient-only ops: (x or y, g) → g·f'(…); not differentiated again.
  relu_bwd: binary('g · [x > 0]; x is relu\'s input or output', (x, g) => select(gt(x, 0), g, 0)),
  leaky_relu_bwd: binary('g · (x > 0 ? 1 : alpha)', (x, g, a) => select(gt(x, 0), g, mul(attr(a, 'alpha'), g))),
  sigmoid_bwd: binary('g · y(1 - y), y = sigmoid(x)', (y, g) => mul(mul(g, y), sub(1, y))),
  tanh_bwd: binary('g · (1 - y²), y = tanh(x)', (y, g) => mul(g, sub(1, mul(y, y)))),
  gelu_bwd: binary('g · gelu\'(x), tanh approximation', (x, g) => {
    const t = geluT(x);
    return mul(g, add(mul(0.5, add(1, t)), mul(mul(mul(mul(0.5, x), sub(1, mul(t, t))), SQRT_2_OVER_PI), add(1, mul(mul(3 * GELU_C, x), x)))));
  }),
  /**
   * g · ∂f/∂x_wrt for the element-wise op f = attrs.of (with f's attrs), its inputs first and g last:
   * the gradient of an op that states only its tree.
   */
  elementwise_bwd: row('g · ∂f/∂x_wrt of element-wise op attrs.of, from its tree', 2, (x, a) => {
    const n = x.length - 1;
    const f = treeOf(a.of as string, Array.from({ length: n }, (_, k) => arg(k)), a);
    return substitute(mul(arg(n), derivative(f, attr(a, 'wrt'))), x);
  }, { variadic: true }),
  /** Stable binary cross-entropy on logits: max(x,0) − x·t + log(1 + e^−|x|). */
  bce_logits: binary('binary cross-entropy of logits x against targets t',
    (x, t) => add(sub(call('max', x, 0), mul(x, t)), call('log1p', call('exp', neg(call('abs', x)))))),
  bce_logits_bwd: row('g · (sigmoid(x) − t)', 3, ([x, t, g]) => mul(g!, sub(call('sigmoid', x!), t!))),
  /** Inverted dropout; the mask comes from a hash of (seed, step, salt, index), so the VJP recomputes it. */
  dropout: unary('x / (1 − rate) where u(seed, step, salt, i) ≥ rate, else 0',
    (x, a) => select(ge(uniform(attr(a, 'salt')), attr(a, 'rate')), mul(x, 1 / (1 - attr(a, 'rate'))), 0), { usesStep: true }),
  /**
   * Keras GaussianNoise: x + stddev·z, z standard normal by Box-Muller from two draws of the stream,
   * u₁ at salt and u₂ at salt + 2³¹: √(−2·ln(1 − u₁))·cos(π(2u₂ − 1)) (the cosine's argument kept in
   * [−π, π), where GPUs' cos is accurate; cos(π(2u − 1)) = −cos(2πu), the same distribution).
   */
  gaussian_noise: unary('x + stddev·√(−2 ln(1 − u₁))·cos(π(2u₂ − 1)), u from (seed, step, salt, i)', (x, a) => {
    const salt = attr(a, 'salt');
    const radius = call('sqrt', mul(-2, call('log', sub(1, uniform(salt)))));
    const angle = mul(Math.PI, sub(mul(2, uniform(salt + NOISE_SECOND_STREAM)), 1));
    return add(x, mul(attr(a, 'stddev'), mul(radius, call('cos', angle))));
  }, { usesStep: true }),
  /** A compile-time constant (folded from data-independent chains such as the loss's seed gradient). */
  fill: row('value everywhere, shaped like attrs.shape', 0, (_x, a) => num(attr(a, 'value')), {
    shape: (_ins, a) => ({ shape: [...(a.shape as number[])], dtype: 'f32' }),
  }),
  /** Broadcasts x to `shape`; its VJP sums back. */
  broadcast_to: row('x broadcast to shape', 1, ([x]) => x!, {
    shape: (ins, a) => ({ shape: [...(a.shape as number[])], dtype: ins[0]!.dtype }),
  }),
} satisfies Record<string, ElementwiseRow>;

export type ElementwiseKind = keyof typeof ELEMENTWISE_OPS;
