// Scalar expression trees: how an element-wise op, a fused chain, an epilogue or an optimizer rule
// is stated once. The float64 interpreter evaluates them here; codegen/wgsl/expr.ts prints them.
import { erfc64 } from './erf.ts';

/** The float32 fit WGSL evaluates for erfc (part of what an expression means; codegen reads it here). */
export { ERFC_COEFFS } from './erf.ts';
import { uniformAt } from './random.ts';

/** Functions an expression may call; each has a float64 meaning here and a WGSL form in codegen. */
export type ScalarFn =
  | 'exp' | 'log' | 'log1p' | 'sqrt' | 'rsqrt' | 'abs' | 'sign' | 'tanh' | 'sigmoid' | 'max' | 'min'
  /** eˣ − 1 without the cancellation near 0 (ELU, SELU). */
  | 'expm1'
  /** The complementary error function 1 − erf(x) (exact GELU); float64 here, a float32 fit in WGSL. */
  | 'erfc'
  /** Cosine (Box-Muller's angle in gaussian_noise); WGSL's cos is accurate on [−π, π]. */
  | 'cos'
  /** 1 − βᵗ for a constant β (Adam's bias correction), accurate for β near 1. */
  | 'one_minus_pow'
  /** Nadam's momentum product Π_{k=1..t} β₁(1 − ½·0.96ᵏ) for a constant β₁. */
  | 'nadam_mu_product';

export type BinaryOp = '+' | '-' | '*' | '/';
export type CompareOp = '>' | '>=';

export type Expr =
  | { op: 'const'; value: number }
  /** Input `index` of an element-wise op, or source / earlier step of a chain. */
  | { op: 'arg'; index: number }
  /** A named value of an optimizer rule: p, g, the states s0…, lr, t, and the rule's own lets. */
  | { op: 'var'; name: string }
  /** The flat index of the element computed (random streams depend on it). */
  | { op: 'index' }
  /** u(seed, step, salt, index): uniform in [0, 1), the same bits on the GPU and here. */
  | { op: 'uniform'; salt: number }
  | { op: 'neg'; x: Expr }
  | { op: BinaryOp; a: Expr; b: Expr }
  | { op: CompareOp; a: Expr; b: Expr }
  | { op: 'select'; cond: Expr; then: Expr; else: Expr }
  | { op: 'call'; fn: ScalarFn; args: Expr[] };

/** Per-step values an expression may read (dropout's stream; lr and t reach rules as vars). */
export interface ExprContext {
  seed: number;
  step: number;
}

// Builders. Numbers become constants.
type E = Expr | number;
const ex = (e: E): Expr => (typeof e === 'number' ? { op: 'const', value: e } : e);
export const num = (value: number): Expr => ({ op: 'const', value });
export const arg = (index: number): Expr => ({ op: 'arg', index });
export const v = (name: string): Expr => ({ op: 'var', name });
export const flatIndex: Expr = { op: 'index' };
export const uniform = (salt: number): Expr => ({ op: 'uniform', salt });
export const neg = (x: E): Expr => ({ op: 'neg', x: ex(x) });
export const add = (a: E, b: E): Expr => ({ op: '+', a: ex(a), b: ex(b) });
export const sub = (a: E, b: E): Expr => ({ op: '-', a: ex(a), b: ex(b) });
export const mul = (a: E, b: E): Expr => ({ op: '*', a: ex(a), b: ex(b) });
export const div = (a: E, b: E): Expr => ({ op: '/', a: ex(a), b: ex(b) });
export const gt = (a: E, b: E): Expr => ({ op: '>', a: ex(a), b: ex(b) });
export const ge = (a: E, b: E): Expr => ({ op: '>=', a: ex(a), b: ex(b) });
/** cond ? then : else. */
export const select = (cond: Expr, then: E, otherwise: E): Expr => ({ op: 'select', cond, then: ex(then), else: ex(otherwise) });
export const call = (fn: ScalarFn, ...args: E[]): Expr => ({ op: 'call', fn, args: args.map(ex) });

/** A let-chain: step j reads sources and steps before it (arg k ≥ sources is step k − sources). */
export interface ExprBlock {
  sources: number;
  steps: Expr[];
}

/** One statement of an optimizer rule: a new `let`, or an assignment to p, a state or a let. */
export interface Stmt {
  name: string;
  value: Expr;
  let?: boolean;
}

const sigmoid64 = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/** The float64 meaning of each function: the reference every kernel is held to. */
export const SCALAR_FNS: { readonly [F in ScalarFn]: { arity: number; eval: (...x: number[]) => number } } = {
  exp: { arity: 1, eval: Math.exp },
  log: { arity: 1, eval: Math.log },
  log1p: { arity: 1, eval: Math.log1p },
  sqrt: { arity: 1, eval: Math.sqrt },
  rsqrt: { arity: 1, eval: (x) => 1 / Math.sqrt(x) },
  abs: { arity: 1, eval: Math.abs },
  sign: { arity: 1, eval: Math.sign },
  tanh: { arity: 1, eval: Math.tanh },
  sigmoid: { arity: 1, eval: sigmoid64 },
  erfc: { arity: 1, eval: erfc64 },
  cos: { arity: 1, eval: Math.cos },
  expm1: { arity: 1, eval: Math.expm1 },
  max: { arity: 2, eval: Math.max },
  min: { arity: 2, eval: Math.min },
  one_minus_pow: { arity: 2, eval: (beta, t) => 1 - Math.pow(beta, t) },
  nadam_mu_product: {
    arity: 2,
    eval: (beta1, t) => {
      let p = 1;
      for (let k = 1; k <= t; k++) p *= beta1 * (1 - 0.5 * Math.pow(0.96, k));
      return p;
    },
  },
};

/** A compiled expression: args by position, vars by name, the element index, the step context. */
export type ScalarFunction = (args: ArrayLike<number>, i: number, ctx: ExprContext, vars?: Record<string, number>) => number;

/** Turns a tree into a closure once, so the reference runs it per element without walking the tree. */
export function compileExpr(e: Expr): ScalarFunction {
  switch (e.op) {
    case 'const': { const c = e.value; return () => c; }
    case 'arg': { const k = e.index; return (x) => x[k]!; }
    case 'var': {
      const name = e.name;
      return (_x, _i, _c, vars) => {
        const val = vars?.[name];
        if (val === undefined) throw new Error(`internal error: expression reads unknown var '${name}'`);
        return val;
      };
    }
    case 'index': return (_x, i) => i;
    case 'uniform': { const salt = e.salt; return (_x, i, c) => uniformAt(c.seed, c.step, salt, i); }
    case 'neg': { const f = compileExpr(e.x); return (x, i, c, vs) => -f(x, i, c, vs); }
    case 'select': {
      const [c0, t, f] = [compileExpr(e.cond), compileExpr(e.then), compileExpr(e.else)];
      return (x, i, c, vs) => (c0(x, i, c, vs) ? t(x, i, c, vs) : f(x, i, c, vs));
    }
    case 'call': {
      const fn = SCALAR_FNS[e.fn].eval;
      const fs = e.args.map(compileExpr);
      if (fs.length === 1) { const a = fs[0]!; return (x, i, c, vs) => fn(a(x, i, c, vs)); }
      return (x, i, c, vs) => fn(...fs.map((f) => f(x, i, c, vs)));
    }
    default: {
      const [a, b] = [compileExpr(e.a), compileExpr(e.b)];
      switch (e.op) {
        case '+': return (x, i, c, vs) => a(x, i, c, vs) + b(x, i, c, vs);
        case '-': return (x, i, c, vs) => a(x, i, c, vs) - b(x, i, c, vs);
        case '*': return (x, i, c, vs) => a(x, i, c, vs) * b(x, i, c, vs);
        case '/': return (x, i, c, vs) => a(x, i, c, vs) / b(x, i, c, vs);
        case '>': return (x, i, c, vs) => (a(x, i, c, vs) > b(x, i, c, vs) ? 1 : 0);
        case '>=': return (x, i, c, vs) => (a(x, i, c, vs) >= b(x, i, c, vs) ? 1 : 0);
      }
    }
  }
}

/** A compiled chain: its sources in, the value of its last step out. */
export function compileBlock(b: ExprBlock): (sources: ArrayLike<number>, i: number, ctx: ExprContext) => number {
  const fs = b.steps.map(compileExpr);
  if (fs.length === 1) return fs[0]!;
  const vals = new Array<number>(b.sources + fs.length);
  return (src, i, ctx) => {
    for (let k = 0; k < b.sources; k++) vals[k] = src[k]!;
    for (let j = 0; j < fs.length; j++) vals[b.sources + j] = fs[j]!(vals, i, ctx);
    return vals[vals.length - 1]!;
  };
}

/** Compiles statements once; the result runs them over `vars`. */
export function compileStatements(stmts: readonly Stmt[]): (vars: Record<string, number>, ctx: ExprContext) => void {
  const fs = stmts.map((s) => ({ name: s.name, f: compileExpr(s.value) }));
  return (vars, ctx) => { for (const s of fs) vars[s.name] = s.f([], 0, ctx, vars); };
}

/** Replaces each `arg k` by `args[k]`: how an op's tree is instantiated inside a chain. */
export function substitute(e: Expr, args: readonly Expr[]): Expr {
  switch (e.op) {
    case 'arg': {
      const a = args[e.index];
      if (!a) throw new Error(`internal error: expression reads arg ${e.index} of ${args.length}`);
      return a;
    }
    case 'const': case 'var': case 'index': case 'uniform': return e;
    case 'neg': return { op: 'neg', x: substitute(e.x, args) };
    case 'select': return { op: 'select', cond: substitute(e.cond, args), then: substitute(e.then, args), else: substitute(e.else, args) };
    case 'call': return { op: 'call', fn: e.fn, args: e.args.map((a) => substitute(a, args)) };
    default: return { op: e.op, a: substitute(e.a, args), b: substitute(e.b, args) } as Expr;
  }
}

/** Whether the tree draws from the random stream (its kernel then needs the hash functions). */
export function usesUniform(e: Expr): boolean {
  switch (e.op) {
    case 'uniform': return true;
    case 'const': case 'arg': case 'var': case 'index': return false;
    case 'neg': return usesUniform(e.x);
    case 'select': return usesUniform(e.cond) || usesUniform(e.then) || usesUniform(e.else);
    case 'call': return e.args.some(usesUniform);
    default: return usesUniform(e.a) || usesUniform(e.b);
  }
}

/** The functions a tree calls (their WGSL helpers must be emitted). */
export function calledFns(e: Expr, out = new Set<ScalarFn>()): Set<ScalarFn> {
  switch (e.op) {
    case 'const': case 'arg': case 'var': case 'index': case 'uniform': break;
    case 'neg': calledFns(e.x, out); break;
    case 'select': calledFns(e.cond, out); calledFns(e.then, out); calledFns(e.else, out); break;
    case 'call': out.add(e.fn); for (const a of e.args) calledFns(a, out); break;
    default: calledFns(e.a, out); calledFns(e.b, out);
  }
  return out;
}

const isConst = (e: Expr, value: number): boolean => e.op === 'const' && e.value === value;

// Sums and products that drop zeros and ones, so derivatives stay as small as the rules they come from.
const sAdd = (a: Expr, b: Expr): Expr => (isConst(a, 0) ? b : isConst(b, 0) ? a : add(a, b));
const sSub = (a: Expr, b: Expr): Expr => (isConst(b, 0) ? a : isConst(a, 0) ? sNeg(b) : sub(a, b));
const sMul = (a: Expr, b: Expr): Expr => (isConst(a, 0) || isConst(b, 0) ? num(0) : isConst(a, 1) ? b : isConst(b, 1) ? a : mul(a, b));
const sDiv = (a: Expr, b: Expr): Expr => (isConst(a, 0) ? num(0) : isConst(b, 1) ? a : div(a, b));
const sNeg = (a: Expr): Expr => (isConst(a, 0) ? a : neg(a));

/**
 * ∂e/∂(arg wrt), as a tree: how an element-wise op without a hand-written VJP gets its gradient.
 * Comparisons are piecewise constant (derivative 0); select differentiates both branches.
 */
export function derivative(e: Expr, wrt: number): Expr {
  const d = (x: Expr): Expr => derivative(x, wrt);
  switch (e.op) {
    case 'const': case 'var': case 'index': case 'uniform': case '>': case '>=': return num(0);
    case 'arg': return num(e.index === wrt ? 1 : 0);
    case 'neg': return sNeg(d(e.x));
    case '+': return sAdd(d(e.a), d(e.b));
    case '-': return sSub(d(e.a), d(e.b));
    case '*': return sAdd(sMul(d(e.a), e.b), sMul(e.a, d(e.b)));
    case '/': return sSub(sDiv(d(e.a), e.b), sDiv(sMul(e.a, d(e.b)), mul(e.b, e.b)));
    case 'select': {
      const [t, f] = [d(e.then), d(e.else)];
      return isConst(t, 0) && isConst(f, 0) ? num(0) : select(e.cond, t, f);
    }
    case 'call': {
      const [x, y] = e.args as [Expr, Expr];
      const dx = d(x);
      switch (e.fn) {
        case 'exp': return sMul(dx, e);
        case 'log': return sDiv(dx, x);
        case 'log1p': return sDiv(dx, add(1, x));
        case 'sqrt': return sDiv(sMul(dx, num(0.5)), e);
        case 'rsqrt': return sMul(dx, mul(num(-0.5), div(e, x)));
        case 'abs': return sMul(dx, call('sign', x));
        case 'tanh': return sMul(dx, sub(1, mul(e, e)));
        case 'sigmoid': return sMul(dx, mul(e, sub(1, e)));
        // d/dx erfc(x) = −(2/√π)·e^(−x²)
        case 'expm1': return sMul(dx, call('exp', x));
        case 'erfc': return sMul(dx, mul(-2 / Math.sqrt(Math.PI), call('exp', neg(mul(x, x)))));
        case 'max': return select(gt(x, y), dx, d(y));
        case 'min': return select(gt(y, x), dx, d(y));
        case 'sign': return num(0);
        // Only gaussian_noise calls cos, on a random draw (no argument), with a hand-written VJP.
        case 'one_minus_pow': case 'nadam_mu_product': case 'cos':
          throw new Error(`internal error: no derivative for ${e.fn}`);
      }
    }
  }
}
