// Element-wise ops (numpy broadcasting): activations, arithmetic, their gradients, dropout, BCE.
import { f32Lit } from '../../codegen/wgsl/common.ts';
import { uniformAt } from '../random.ts';
import type { ElementwiseDef, GradBuilder, StepContext } from './def.ts';
import type { Attrs, ValueId } from '../types.ts';
import { sameShape } from '../tensor.ts';

const num = (a: Attrs, k: string): number => a[k] as number;

/** Reduces a broadcast gradient back to the shape of the input it flowed from. */
export function unbroadcast(b: GradBuilder, g: ValueId, shape: number[]): ValueId {
  return sameShape(b.shape(g), shape) ? g : b.op('sum_to', [g], { shape });
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;

function geluRef(x: number): number {
  return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + GELU_C * x * x * x)));
}
function geluGradRef(x: number): number {
  const t = Math.tanh(SQRT_2_OVER_PI * (x + GELU_C * x * x * x));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * GELU_C * x * x);
}
const sigmoidRef = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

// WGSL: tanh/exp saturate through clamps so no backend overflows into NaN.
const wTanh = (x: string): string => `tanh(clamp(${x}, -15.0, 15.0))`;
const wSigmoid = (x: string): string => `select(exp(${x}) / (1.0 + exp(${x})), 1.0 / (1.0 + exp(-(${x}))), (${x}) >= 0.0)`;
const wGeluT = (x: string): string => wTanh(`${f32Lit(SQRT_2_OVER_PI)} * (${x} + ${f32Lit(GELU_C)} * ${x} * ${x} * ${x})`);

function dropoutScalar(x: number, a: Attrs, i: number, ctx: StepContext): number {
  const rate = num(a, 'rate');
  return uniformAt(ctx.seed, ctx.step, num(a, 'salt'), i) >= rate ? x / (1 - rate) : 0;
}

const binary = (
  doc: string,
  scalar: (a: number, b: number) => number,
  wgsl: (a: string, b: string) => string,
  vjp: ElementwiseDef['vjp'],
): ElementwiseDef => ({ kind: 'elementwise', doc, arity: 2, scalar: (x) => scalar(x[0]!, x[1]!), wgsl: (x) => wgsl(x[0]!, x[1]!), vjp });

const unary = (
  doc: string,
  scalar: (x: number, a: Attrs) => number,
  wgsl: (x: string, a: Attrs) => string,
  vjp: ElementwiseDef['vjp'],
): ElementwiseDef => ({ kind: 'elementwise', doc, arity: 1, scalar: (x, a) => scalar(x[0]!, a), wgsl: (x, a) => wgsl(x[0]!, a), vjp });

/** Gradient-only ops: (x or y, g) → g·f'(…); not differentiated again. */
const grad2 = (doc: string, scalar: (x: number, g: number, a: Attrs) => number, wgsl: (x: string, g: string, a: Attrs) => string): ElementwiseDef => ({
  kind: 'elementwise', doc, arity: 2, scalar: (x, a) => scalar(x[0]!, x[1]!, a), wgsl: (x, a) => wgsl(x[0]!, x[1]!, a), vjp: null,
});

export const ELEMENTWISE_OPS = {
  add: binary('a + b', (a, b) => a + b, (a, b) => `${a} + ${b}`, (b, n, g) => [
    unbroadcast(b, g, b.shape(n.inputs[0]!)), unbroadcast(b, g, b.shape(n.inputs[1]!)),
  ]),
  sub: binary('a - b', (a, b) => a - b, (a, b) => `${a} - ${b}`, (b, n, g) => [
    unbroadcast(b, g, b.shape(n.inputs[0]!)), unbroadcast(b, b.op('neg', [g]), b.shape(n.inputs[1]!)),
  ]),
  mul: binary('a * b', (a, b) => a * b, (a, b) => `${a} * ${b}`, (b, n, g) => [
    unbroadcast(b, b.op('mul', [g, n.inputs[1]!]), b.shape(n.inputs[0]!)),
    unbroadcast(b, b.op('mul', [g, n.inputs[0]!]), b.shape(n.inputs[1]!)),
  ]),
  div: binary('a / b', (a, b) => a / b, (a, b) => `${a} / ${b}`, (b, n, g) => {
    const [x, y] = n.inputs as [ValueId, ValueId];
    const gx = b.op('div', [g, y]);
    const gy = b.op('neg', [b.op('div', [b.op('mul', [gx, x]), y])]);
    return [unbroadcast(b, gx, b.shape(x)), unbroadcast(b, gy, b.shape(y))];
  }),
  neg: unary('-x', (x) => -x, (x) => `-(${x})`, (b, _n, g) => [b.op('neg', [g])]),
  scale: unary('x * factor', (x, a) => x * num(a, 'factor'), (x, a) => `${x} * ${f32Lit(num(a, 'factor'))}`, (b, n, g) => [
    b.op('scale', [g], { factor: n.attrs.factor! }),
  ]),
  shift: unary('x + offset', (x, a) => x + num(a, 'offset'), (x, a) => `${x} + ${f32Lit(num(a, 'offset'))}`, (_b, _n, g) => [g]),
  exp: unary('exp(x)', Math.exp, (x) => `exp(${x})`, (b, n, g) => [b.op('mul', [g, b.op('exp', [n.inputs[0]!])])]),
  log: unary('log(x)', Math.log, (x) => `log(${x})`, (b, n, g) => [b.op('div', [g, n.inputs[0]!])]),
  sqrt: unary('sqrt(x)', Math.sqrt, (x) => `sqrt(${x})`, (b, n, g) => [
    b.op('div', [b.op('scale', [g], { factor: 0.5 }), b.op('sqrt', [n.inputs[0]!])]),
  ]),
  /** 1/√x, for normalisation layers. */
  rsqrt: unary('1 / sqrt(x)', (x) => 1 / Math.sqrt(x), (x) => `inverseSqrt(${x})`, (b, n, g) => [
    // d/dx x^(-1/2) = -1/2 · x^(-3/2) = -1/2 · y / x
    b.op('mul', [b.op('scale', [g], { factor: -0.5 }), b.op('div', [n.output!, n.inputs[0]!])]),
  ]),
  square: unary('x²', (x) => x * x, (x) => `${x} * ${x}`, (b, n, g) => [b.op('mul', [b.op('scale', [g], { factor: 2 }), n.inputs[0]!])]),
  abs: unary('|x|', Math.abs, (x) => `abs(${x})`, (b, n, g) => [b.op('mul', [g, b.op('sign', [n.inputs[0]!])])]),
  /** 1 everywhere, shaped like x: the seed gradient d(loss)/d(loss). */
  ones_like: unary('1, shaped like x', () => 1, () => '1.0', null),
  sign: unary('sign(x), 0 at 0', Math.sign, (x) => `sign(${x})`, null),
  // The mask comes from relu's output (y > 0 exactly where x > 0), so the pre-activation can die
  // inside a fused matmul + bias + relu kernel.
  relu: unary('max(x, 0)', (x) => (x > 0 ? x : 0), (x) => `max(${x}, 0.0)`, (b, n, g) => [b.op('relu_bwd', [n.output!, g])]),
  leaky_relu: unary('x > 0 ? x : alpha·x', (x, a) => (x > 0 ? x : num(a, 'alpha') * x),
    (x, a) => `select(${f32Lit(num(a, 'alpha'))} * ${x}, ${x}, ${x} > 0.0)`,
    (b, n, g) => [b.op('leaky_relu_bwd', [n.inputs[0]!, g], { alpha: n.attrs.alpha! })]),
  sigmoid: unary('1 / (1 + e^-x)', sigmoidRef, wSigmoid, (b, n, g) => [b.op('sigmoid_bwd', [n.output!, g])]),
  tanh: unary('tanh(x)', Math.tanh, wTanh, (b, n, g) => [b.op('tanh_bwd', [n.output!, g])]),
  gelu: unary('x·Φ(x), tanh approximation', geluRef, (x) => `0.5 * ${x} * (1.0 + ${wGeluT(x)})`,
    (b, n, g) => [b.op('gelu_bwd', [n.inputs[0]!, g])]),
  relu_bwd: grad2('g · [x > 0]; x is relu\'s input or output', (x, g) => (x > 0 ? g : 0), (x, g) => `select(0.0, ${g}, ${x} > 0.0)`),
  leaky_relu_bwd: grad2('g · (x > 0 ? 1 : alpha)', (x, g, a) => (x > 0 ? g : num(a, 'alpha') * g),
    (x, g, a) => `select(${f32Lit(num(a, 'alpha'))} * ${g}, ${g}, ${x} > 0.0)`),
  sigmoid_bwd: grad2('g · y(1 - y), y = sigmoid(x)', (y, g) => g * y * (1 - y), (y, g) => `${g} * ${y} * (1.0 - ${y})`),
  tanh_bwd: grad2('g · (1 - y²), y = tanh(x)', (y, g) => g * (1 - y * y), (y, g) => `${g} * (1.0 - ${y} * ${y})`),
  gelu_bwd: grad2('g · gelu\'(x)', (x, g) => g * geluGradRef(x), (x, g) =>
    `${g} * (0.5 * (1.0 + ${wGeluT(x)}) + 0.5 * ${x} * (1.0 - ${wGeluT(x)} * ${wGeluT(x)}) * ${f32Lit(SQRT_2_OVER_PI)} * (1.0 + ${f32Lit(3 * GELU_C)} * ${x} * ${x}))`),
  /** Stable binary cross-entropy on logits: max(x,0) − x·t + log(1 + e^−|x|). */
  bce_logits: {
    kind: 'elementwise', doc: 'binary cross-entropy of logits x against targets t', arity: 2,
    scalar: ([x, t]) => Math.max(x!, 0) - x! * t! + Math.log1p(Math.exp(-Math.abs(x!))),
    wgsl: ([x, t]) => `max(${x}, 0.0) - ${x} * ${t} + log(1.0 + exp(-abs(${x})))`,
    vjp: (b, n, g) => [unbroadcast(b, b.op('bce_logits_bwd', [n.inputs[0]!, n.inputs[1]!, g]), b.shape(n.inputs[0]!)), null],
  },
  bce_logits_bwd: {
    kind: 'elementwise', doc: 'g · (sigmoid(x) − t)', arity: 3, vjp: null,
    scalar: ([x, t, g]) => g! * (sigmoidRef(x!) - t!),
    wgsl: ([x, t, g]) => `${g} * (${wSigmoid(x!)} - ${t})`,
  },
  /** Inverted dropout; the mask comes from a hash of (seed, step, salt, index), so the VJP recomputes it. */
  dropout: {
    kind: 'elementwise', doc: 'x / (1 − rate) where u(seed, step, salt, i) ≥ rate, else 0', arity: 1, usesStep: true,
    scalar: (x, a, i, ctx) => dropoutScalar(x[0]!, a, i, ctx),
    wgsl: ([x], a, i, step) =>
      `select(0.0, ${x} * ${f32Lit(1 / (1 - num(a, 'rate')))}, dlc_uniform(${step}.seed, ${step}.step, ${a.salt}u, ${i}) >= ${f32Lit(num(a, 'rate'))})`,
    vjp: (b, n, g) => [b.op('dropout', [g], { ...n.attrs })],
  },
  /** A compile-time constant (folded from data-independent chains such as the loss's seed gradient). */
  fill: {
    kind: 'elementwise', doc: 'value everywhere, shaped like attrs.shape', arity: 0, vjp: null,
    shape: (_ins, a) => ({ shape: [...(a.shape as number[])], dtype: 'f32' }),
    scalar: (_x, a) => num(a, 'value'), wgsl: (_x, a) => f32Lit(num(a, 'value')),
  },
  /** Broadcasts x to `shape`; its VJP sums back. */
  broadcast_to: {
    kind: 'elementwise', doc: 'x broadcast to shape', arity: 1,
    shape: (ins, a) => ({ shape: [...(a.shape as number[])], dtype: ins[0]!.dtype }),
    scalar: ([x]) => x!, wgsl: ([x]) => x!,
    vjp: (b, n, g) => [unbroadcast(b, g, b.shape(n.inputs[0]!))],
  },
} satisfies Record<string, ElementwiseDef>;
