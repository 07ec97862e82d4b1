// Prints scalar expression trees as WGSL: one printer for element-wise kernels, fused chains,
// epilogues and optimizer rules, with the fewest parentheses that keep the tree's order.
import { calledFns, usesUniform, type Expr, type ExprBlock, type ScalarFn, type Stmt } from '../../ir/expr.ts';
import { ERFC_COEFFS } from '../../ir/expr.ts';
import { f32Lit, HASH_WGSL, u32Lit } from './common.ts';

/** How the leaves print: arg k, named vars, the element index, the step uniform block. */
export interface ExprNames {
  arg?: (k: number) => string;
  index?: string;
  step?: string;
}

/**
 * 1 − βᵗ from ln β, without the cancellation of 1.0 − pow(β, t) in f32 (for β = 0.999 that loses
 * about four digits): −expm1(t·ln β), by its Taylor series near 0 and 1 − exp otherwise.
 */
const ONE_MINUS_POW_WGSL = `fn dlc_one_minus_pow(log_beta: f32, t: f32) -> f32 {
  let x = t * log_beta;
  if (x > -0.1) {
    return -x * (1.0 + x * (0.5 + x * (${f32Lit(1 / 6)} + x * (${f32Lit(1 / 24)} + x * (${f32Lit(1 / 120)} + x * (${f32Lit(1 / 720)} + x * ${f32Lit(1 / 5040)}))))));
  }
  return 1.0 - exp(x);
}`;

/**
 * Nadam's Π_{k=1..t} β₁(1 − ½·0.96ᵏ) = β₁ᵗ · Π(1 − ½·0.96ᵏ): the factors reach 1 in f32 once
 * 0.96ᵏ < 2⁻²⁵ (k > 416), so the loop stops at 512 whatever the step; β₁ᵗ is exp(t·ln β₁).
 */
const NADAM_MU_PRODUCT_WGSL = `fn dlc_nadam_mu_product(log_beta1: f32, t: f32) -> f32 {
  var p = 1.0;
  var d = 1.0;
  let n = min(u32(t), 512u);
  for (var k = 0u; k < n; k = k + 1u) {
    d = d * 0.96;
    p = p * (1.0 - 0.5 * d);
  }
  return p * exp(t * log_beta1);
}`;

/**
 * erfc in f32 (compiler/ir/erf.ts states the fit and its bound, and evaluates the same formula):
 * relative error near 1e-7 for x ≥ 0, and erfc(−z) = 2 − erfc(z). Infinite z gives 0 (t = 0).
 */
const ERFC_WGSL = `fn dlc_erfc(x: f32) -> f32 {
  let z = abs(x);
  let t = 1.0 / (1.0 + 0.5 * z);
  let p = ${ERFC_COEFFS.slice(1).map((c) => f32Lit(c)).reduceRight((acc, c) => (acc === '' ? c : `${c} + t * (${acc})`), '')};
  let r = t * exp(-z * z + ${f32Lit(ERFC_COEFFS[0])} + t * p);
  return select(r, 2.0 - r, x < 0.0);
}`;

/**
 * eˣ − 1 in f32: below |x| = 0.5 by its Taylor series to x⁸/8! (truncation under 2e-8 relative), where
 * exp(x) − 1.0 would lose digits to cancellation (at x = −0.001 about four); exp(x) − 1.0 above.
 */
const EXPM1_WGSL = `fn dlc_expm1(x: f32) -> f32 {
  if (abs(x) < 0.5) {
    return x * (1.0 + x * (0.5 + x * (${f32Lit(1 / 6)} + x * (${f32Lit(1 / 24)} + x * (${f32Lit(1 / 120)} + x * (${f32Lit(1 / 720)} + x * (${f32Lit(1 / 5040)} + x * ${f32Lit(1 / 40320)})))))));
  }
  return exp(x) - 1.0;
}`;

/**
 * log(1 + a) in f32 without the rounding of 1 + a (at a = 0.01 that alone costs 6e-6 relative, and
 * below 6e-8 all of a): for a in [−0.5, 1] (where log1p(e^−|x|) of softplus and binary
 * cross-entropy lives) 2·atanh(s), s = a/(2 + a) in [−1/3, 1/3], by its odd series to s¹⁹/19
 * (truncation under 1e-10 relative); log(1.0 + a) elsewhere. (The shorter log(u)·a/(u − 1) is
 * undone by the shader compiler's fast-math, which folds u − 1 back to a.)
 */
const LOG1P_WGSL = `fn dlc_log1p(a: f32) -> f32 {
  if (a < -0.5 || a > 1.0) {
    return log(1.0 + a);
  }
  let s = a / (2.0 + a);
  let s2 = s * s;
  return 2.0 * s * (1.0 + s2 * (${f32Lit(1 / 3)} + s2 * (${f32Lit(1 / 5)} + s2 * (${f32Lit(1 / 7)} + s2 * (${f32Lit(1 / 9)} + s2 * (${f32Lit(1 / 11)} + s2 * (${f32Lit(1 / 13)} + s2 * (${f32Lit(1 / 15)} + s2 * (${f32Lit(1 / 17)} + s2 * ${f32Lit(1 / 19)})))))))));
}`;

/** The constant argument a function needs at compile time (β of 1 − βᵗ). */
function constArg(e: Expr, fn: ScalarFn): number {
  if (e.op !== 'const') throw new Error(`internal error: ${fn} needs a constant first argument`);
  return e.value;
}

/** Prints argument k of a call; `parent` and `right` as in printExpr, when it sits in an operator. */
type ArgPrinter = (k: number, parent?: number, right?: boolean) => string;

/** WGSL of each function from its printed arguments (and its tree, for compile-time constants). */
const FNS: { readonly [F in ScalarFn]: { print: (a: ArgPrinter, args: Expr[]) => string; helper?: string } } = {
  exp: { print: (a) => `exp(${a(0)})` },
  log: { print: (a) => `log(${a(0)})` },
  log1p: { print: (a) => `dlc_log1p(${a(0)})`, helper: LOG1P_WGSL },
  sqrt: { print: (a) => `sqrt(${a(0)})` },
  rsqrt: { print: (a) => `inverseSqrt(${a(0)})` },
  abs: { print: (a) => `abs(${a(0)})` },
  sign: { print: (a) => `sign(${a(0)})` },
  // Saturates before tanh: no backend overflows into NaN.
  tanh: { print: (a) => `tanh(clamp(${a(0)}, -15.0, 15.0))` },
  // The stable form: e^x never overflows on the branch taken.
  sigmoid: { print: (a) => `select(exp(${a(0)}) / (1.0 + exp(${a(0)})), 1.0 / (1.0 + exp(-(${a(0)}))), (${a(0)}) >= 0.0)` },
  erfc: { print: (a) => `dlc_erfc(${a(0)})`, helper: ERFC_WGSL },
  expm1: { print: (a) => `dlc_expm1(${a(0)})`, helper: EXPM1_WGSL },
  cos: { print: (a) => `cos(${a(0)})` },
  max: { print: (a) => `max(${a(0)}, ${a(1)})` },
  min: { print: (a) => `min(${a(0)}, ${a(1)})` },
  one_minus_pow: { print: (a, args) => `dlc_one_minus_pow(${f32Lit(Math.log(constArg(args[0]!, 'one_minus_pow')))}, ${a(1)})`, helper: ONE_MINUS_POW_WGSL },
  nadam_mu_product: { print: (a, args) => `dlc_nadam_mu_product(${f32Lit(Math.log(constArg(args[0]!, 'nadam_mu_product')))}, ${a(1)})`, helper: NADAM_MU_PRODUCT_WGSL },
};

/** Binding strength: comparisons < sums < products < negation and atoms. */
const PREC: Record<string, number> = { '>': 0, '>=': 0, '+': 1, '-': 1, '*': 2, '/': 2 };
const ATOM = 3;

function precOf(e: Expr): number {
  return e.op in PREC ? PREC[e.op]! : ATOM;
}

/** WGSL text of `e`; `parent` and `right` say where it sits, to decide on parentheses. */
export function printExpr(e: Expr, names: ExprNames, parent = -1, right = false): string {
  const p = precOf(e);
  const text = bare(e, names);
  // Floating-point sums and products do not reassociate: a right operand of equal strength keeps its parentheses.
  return p < parent || (right && p === parent) ? `(${text})` : text;
}

function bare(e: Expr, names: ExprNames): string {
  const sub = (x: Expr, parent = -1, right = false): string => printExpr(x, names, parent, right);
  switch (e.op) {
    case 'const': return f32Lit(e.value);
    case 'arg': {
      if (!names.arg) throw new Error('internal error: an expression with args printed without names');
      return names.arg(e.index);
    }
    case 'var': return e.name;
    case 'index': return need(names.index, 'index');
    case 'uniform': {
      const step = need(names.step, 'step');
      return `dlc_uniform(${step}.seed, ${step}.step, ${u32Lit(e.salt)}, ${need(names.index, 'index')})`;
    }
    // A negated name or literal keeps parentheses (`- -x` must never print as `--x`); a call needs none.
    case 'neg': return e.x.op === 'call' ? `-${sub(e.x)}` : `-(${sub(e.x)})`;
    case 'select': return `select(${sub(e.else)}, ${sub(e.then)}, ${sub(e.cond)})`;
    case 'call': return FNS[e.fn].print((k, parent, right) => sub(e.args[k]!, parent, right), e.args);
    default: return `${sub(e.a, PREC[e.op])} ${e.op} ${sub(e.b, PREC[e.op], true)}`;
  }
}

function need(v: string | undefined, what: string): string {
  if (v === undefined) throw new Error(`internal error: an expression reads the ${what} where there is none`);
  return v;
}

/** Helper functions the trees call (emitted once before `main`), in a fixed order. */
export function helpersFor(exprs: readonly Expr[]): string {
  const used = new Set<ScalarFn>();
  for (const e of exprs) calledFns(e, used);
  return (Object.keys(FNS) as ScalarFn[]).flatMap((f) => (used.has(f) && FNS[f].helper ? [`${FNS[f].helper}\n`] : [])).join('');
}

/** The hash functions, when a tree draws from the random stream. */
export function hashFor(exprs: readonly Expr[]): string {
  return exprs.some(usesUniform) ? `${HASH_WGSL}\n` : '';
}

/** What a kernel evaluating these trees needs before `main`: the hash functions, then the helpers. */
export function preludeFor(exprs: readonly Expr[]): string {
  return `${hashFor(exprs)}${helpersFor(exprs)}`;
}

/** A chain as `let t<j> = …;` lines over the source names, and the name of its value. */
export function printBlock(b: ExprBlock, sources: string[], names: Omit<ExprNames, 'arg'>): { lets: string[]; value: string } {
  const all = [...sources];
  const lets = b.steps.map((s, j) => {
    const text = printExpr(s, { ...names, arg: (k) => all[k]! });
    all.push(`t${j}`);
    return `let t${j} = ${text};`;
  });
  return { lets, value: all[all.length - 1]! };
}

/** Rule statements as WGSL lines: `let x = …;` or `x = …;`. */
export function printStatements(stmts: readonly Stmt[]): string[] {
  return stmts.map((s) => `${s.let ? 'let ' : ''}${s.name} = ${printExpr(s.value, {})};`);
}
