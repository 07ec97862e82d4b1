// Every optimizer, one row each, with Keras 3's update rules and defaults (keras/src/optimizers/*.py):
// its hyper-parameters, its state per parameter and its update rule as statements over p
// (parameter), g (gradient, after clipping), the states, lr and t (1-based step). The train
// section's parser, the optimizer pass, the update op, the memory plan and the artifact all read
// this table.
import { add, call, div, mul, neg, sub, v, type Expr, type Stmt } from '../expr.ts';
import type { Attrs } from '../types.ts';

/** How the train section reads a hyper-parameter (see lower/values.ts). */
export type HyperType = 'posfloat' | 'rate' | 'float' | 'bool';

export interface HyperParam {
  name: string;
  type: HyperType;
  default: number | boolean;
}

/** Hyper-parameter values by name (an update op's attributes). */
export type Hypers = Attrs;

/** One state tensor per parameter, shaped like it. */
export interface OptimizerState {
  suffix: string;
  /** The hyper-parameter it starts at (0 otherwise). */
  initial?: string;
  /** Kept only under these hyper-parameters (Keras builds e.g. amsgrad's velocity_hat only with amsgrad). */
  when?: (h: Hypers) => boolean;
}

/** The variable each kept state has in a rule (s0, s1, … in operand order), by suffix. */
export type StateVars = Readonly<Record<string, string>>;

export interface OptimizerRow {
  doc: string;
  /** In call order, `lr` first; defaults are Keras 3's. */
  hyper: readonly HyperParam[];
  /** Hyper-parameters the update op takes as attributes (default: all but lr). */
  attrs?: readonly string[];
  states: readonly OptimizerState[];
  /** Values of the step alone (from lr and t), computed once per kernel invocation, not per element. */
  perStep?: (h: Hypers) => Stmt[];
  /** Per element: reads p, g, the states and the per-step values; assigns p and the states. */
  rule: (h: Hypers, s: StateVars) => Stmt[];
}

const hp = (name: string, type: HyperType, dflt: number | boolean): HyperParam => ({ name, type, default: dflt });
const lr = (dflt: number): HyperParam => hp('lr', 'posfloat', dflt);
/** Keras 3 takes weight_decay in every optimizer (None there, 0 here: off). */
const wd = (dflt = 0): HyperParam => hp('weight_decay', 'float', dflt);
const set = (name: string, value: Stmt['value']): Stmt => ({ name, value });
const let_ = (name: string, value: Stmt['value']): Stmt => ({ name, value, let: true });
const num = (h: Hypers, k: string): number => h[k] as number;
const [P, G, LR, T] = ['p', 'g', 'lr', 't'].map(v) as [Expr, Expr, Expr, Expr];
/** ln 0.96: Nadam's momentum schedule 0.96ᵗ is exp(t·ln 0.96). */
const LN_096 = Math.log(0.96);
const BETAS = [hp('beta1', 'rate', 0.9), hp('beta2', 'rate', 0.999), hp('eps', 'posfloat', 1e-7)];

/**
 * Keras 3's decoupled weight decay (base_optimizer._apply_weight_decay), for every optimizer that
 * takes it: p ← p − p·wd·lr, after clipping and before the update (no rule reads p).
 */
const decay = (h: Hypers): Stmt[] => (num(h, 'weight_decay') ? [set('p', sub(P, mul(mul(P, num(h, 'weight_decay')), LR)))] : []);
/** x + (y − x)·(1 − β): Keras's moving average, in its order of operations. */
const towards = (x: Expr, y: Expr, beta: number): Expr => add(x, mul(sub(y, x), 1 - beta));

/**
 * Keras 3 Adam (AdamW is Adam with weight_decay 0.004): α = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ);
 * m += (g − m)(1 − β₁); v += (g² − v)(1 − β₂); with amsgrad v̂ = max(v̂, v) replaces v;
 * p −= m·α / (√v + ε).
 */
const ADAM = {
  states: [{ suffix: 'm' }, { suffix: 'v' }, { suffix: 'velocity_hat', when: (h: Hypers) => h.amsgrad === true }],
  perStep: (h: Hypers): Stmt[] => [
    let_('alpha', div(mul(LR, call('sqrt', call('one_minus_pow', num(h, 'beta2'), T))), call('one_minus_pow', num(h, 'beta1'), T))),
  ],
  rule: (h: Hypers, s: StateVars): Stmt[] => {
    const [m, vv] = [v(s.m!), v(s.v!)];
    return [
      ...decay(h),
      set(s.m!, towards(m, G, num(h, 'beta1'))),
      set(s.v!, towards(vv, mul(G, G), num(h, 'beta2'))),
      ...(s.velocity_hat ? [set(s.velocity_hat, call('max', v(s.velocity_hat), vv))] : []),
      set('p', sub(P, div(mul(m, v('alpha')), add(call('sqrt', v(s.velocity_hat ?? s.v!)), num(h, 'eps'))))),
    ];
  },
};

export const OPTIMIZERS = {
  /** Keras SGD without momentum: p −= g·lr. */
  sgd: {
    doc: 'p −= g·lr (with momentum > 0 the train section picks the momentum row)',
    hyper: [lr(0.01), hp('momentum', 'rate', 0), hp('nesterov', 'bool', false), wd()], attrs: ['weight_decay'], states: [],
    rule: (h) => [...decay(h), set('p', sub(P, mul(G, LR)))],
  },
  /** Keras SGD(momentum): v = v·μ − g·lr; p += v, or with Nesterov p += v·μ − g·lr. */
  momentum: {
    doc: 'SGD with heavy-ball or Nesterov momentum',
    hyper: [lr(0.01), hp('momentum', 'rate', 0.9), hp('nesterov', 'bool', false), wd()], states: [{ suffix: 'velocity' }],
    rule: (h, s) => {
      const [vel, mu] = [v(s.velocity!), num(h, 'momentum')];
      return [
        ...decay(h),
        set(s.velocity!, sub(mul(vel, mu), mul(G, LR))),
        set('p', add(P, h.nesterov ? sub(mul(vel, mu), mul(G, LR)) : vel)),
      ];
    },
  },
  /** Keras Adagrad: acc += g²; p −= lr·g / √(acc + ε). */
  adagrad: {
    doc: 'AdaGrad',
    hyper: [lr(0.001), hp('eps', 'posfloat', 1e-7), hp('initial', 'float', 0.1), wd()], attrs: ['eps', 'weight_decay'],
    states: [{ suffix: 'accumulator', initial: 'initial' }],
    rule: (h, s) => {
      const acc = v(s.accumulator!);
      return [...decay(h), set(s.accumulator!, add(acc, mul(G, G))), set('p', sub(P, div(mul(LR, G), call('sqrt', add(acc, num(h, 'eps'))))))];
    },
  },
  /**
   * Keras RMSprop: ms = ρ·ms + (1 − ρ)g²; centered: ḡ = ρ·ḡ + (1 − ρ)g and d = ms − ḡ² + ε, else
   * d = ms + ε; inc = lr·g/√d; with momentum μ > 0: mom = μ·mom + inc, p −= mom; else p −= inc.
   */
  rmsprop: {
    doc: 'RMSprop, optionally with momentum and centered',
    hyper: [lr(0.001), hp('rho', 'rate', 0.9), hp('eps', 'posfloat', 1e-7), hp('momentum', 'rate', 0), hp('centered', 'bool', false), wd()],
    states: [
      { suffix: 'mean_square' },
      { suffix: 'momentum', when: (h) => num(h, 'momentum') > 0 },
      { suffix: 'average_gradient', when: (h) => h.centered === true },
    ],
    rule: (h, s) => {
      const [ms, rho] = [v(s.mean_square!), num(h, 'rho')];
      const avg = s.average_gradient;
      return [
        ...decay(h),
        set(s.mean_square!, add(mul(rho, ms), mul(1 - rho, mul(G, G)))),
        ...(avg ? [set(avg, add(mul(rho, v(avg)), mul(1 - rho, G)))] : []),
        let_('inc', div(mul(LR, G), call('sqrt', avg ? add(sub(ms, mul(v(avg), v(avg))), num(h, 'eps')) : add(ms, num(h, 'eps'))))),
        ...(s.momentum
          ? [set(s.momentum, add(mul(num(h, 'momentum'), v(s.momentum)), v('inc'))), set('p', sub(P, v(s.momentum)))]
          : [set('p', sub(P, v('inc')))]),
      ];
    },
  },
  adam: { doc: 'Adam (weight_decay decoupled, as in Keras 3)', hyper: [lr(0.001), ...BETAS, wd(), hp('amsgrad', 'bool', false)], ...ADAM },
  adamw: { doc: 'AdamW: Adam with weight decay 0.004 by default', hyper: [lr(0.001), ...BETAS, wd(0.004), hp('amsgrad', 'bool', false)], ...ADAM },
  /**
   * Keras 3 Nadam: momentum schedule μ_t = β₁(1 − ½·0.96ᵗ) with running product U_t = Π μ_k;
   * m̂ = μ_{t+1}·m / (1 − U_t·μ_{t+1}) + (1 − μ_t)·g / (1 − U_t), v̂ = v / (1 − β₂ᵗ);
   * p −= m̂·lr / (√v̂ + ε).
   */
  nadam: {
    doc: 'Nadam: Adam with Nesterov momentum (Keras 3)',
    hyper: [lr(0.001), ...BETAS, wd()], states: [{ suffix: 'm' }, { suffix: 'v' }],
    perStep: (h) => {
      const b1 = num(h, 'beta1');
      return [
        let_('mu_t', mul(b1, sub(1, mul(0.5, call('exp', mul(T, LN_096)))))),
        let_('mu_next', mul(b1, sub(1, mul(0.5, call('exp', mul(add(T, 1), LN_096)))))),
        let_('u_t', call('nadam_mu_product', b1, T)),
        let_('u_next', mul(v('u_t'), v('mu_next'))),
        let_('v_corr', call('one_minus_pow', num(h, 'beta2'), T)),
      ];
    },
    rule: (h, s) => {
      const [m, vv] = [v(s.m!), v(s.v!)];
      return [
        ...decay(h),
        set(s.m!, towards(m, G, num(h, 'beta1'))),
        set(s.v!, towards(vv, mul(G, G), num(h, 'beta2'))),
        let_('m_hat', add(div(mul(v('mu_next'), m), sub(1, v('u_next'))), div(mul(sub(1, v('mu_t')), G), sub(1, v('u_t'))))),
        let_('v_hat', div(vv, v('v_corr'))),
        set('p', sub(P, div(mul(v('m_hat'), LR), add(call('sqrt', v('v_hat')), num(h, 'eps'))))),
      ];
    },
  },
  /** Keras Adamax: m += (g − m)(1 − β₁); u = max(β₂·u, |g|); p −= lr·m / ((1 − β₁ᵗ)(u + ε)). */
  adamax: {
    doc: 'Adamax: Adam with the infinity norm',
    hyper: [lr(0.001), ...BETAS, wd()], states: [{ suffix: 'm' }, { suffix: 'norm' }],
    perStep: (h) => [let_('m_corr', call('one_minus_pow', num(h, 'beta1'), T))],
    rule: (h, s) => {
      const [m, u] = [v(s.m!), v(s.norm!)];
      return [
        ...decay(h),
        set(s.m!, towards(m, G, num(h, 'beta1'))),
        set(s.norm!, call('max', mul(num(h, 'beta2'), u), call('abs', G))),
        set('p', sub(P, div(mul(LR, m), mul(v('m_corr'), add(u, num(h, 'eps')))))),
      ];
    },
  },
  /**
   * Keras Adadelta: a = ρ·a + (1 − ρ)g²; Δ = −√(d + ε)·g / √(a + ε); d = ρ·d + (1 − ρ)Δ²;
   * p += lr·Δ.
   */
  adadelta: {
    doc: 'Adadelta',
    hyper: [lr(0.001), hp('rho', 'rate', 0.95), hp('eps', 'posfloat', 1e-7), wd()],
    states: [{ suffix: 'accumulated_grad' }, { suffix: 'accumulated_delta' }],
    rule: (h, s) => {
      const [a, d, rho, eps] = [v(s.accumulated_grad!), v(s.accumulated_delta!), num(h, 'rho'), num(h, 'eps')];
      return [
        ...decay(h),
        set(s.accumulated_grad!, add(mul(rho, a), mul(1 - rho, mul(G, G)))),
        let_('delta', neg(div(mul(call('sqrt', add(d, eps)), G), call('sqrt', add(a, eps))))),
        set(s.accumulated_delta!, add(mul(rho, d), mul(1 - rho, mul(v('delta'), v('delta'))))),
        set('p', add(P, mul(LR, v('delta')))),
      ];
    },
  },
} satisfies Record<string, OptimizerRow>;

export type OptimizerName = keyof typeof OPTIMIZERS;

/** The optimizer row of an update op, or undefined when the op is no optimizer. */
export function optimizerRow(op: string): OptimizerRow | undefined {
  return Object.hasOwn(OPTIMIZERS, op) ? (OPTIMIZERS as Record<string, OptimizerRow>)[op] : undefined;
}

/** The states an optimizer keeps under these hyper-parameters (an update op's attributes), in operand order. */
export function activeStates(row: OptimizerRow, h: Hypers): OptimizerState[] {
  return row.states.filter((s) => !s.when || s.when(h));
}

/** The rule's statements, its kept states named s0, s1, … in operand order. */
export function optimizerRule(row: OptimizerRow, h: Hypers): Stmt[] {
  return row.rule(h, Object.fromEntries(activeStates(row, h).map((s, k) => [s.suffix, `s${k}`])));
}

/** The attributes of an optimizer's update op, from its hyper-parameters (lr comes per step). */
export function optimizerAttrs(name: OptimizerName, hyper: Hypers): Hypers {
  const row: OptimizerRow = OPTIMIZERS[name];
  const keys = row.attrs ?? row.hyper.map((h) => h.name).filter((k) => k !== 'lr');
  return Object.fromEntries(keys.map((k) => [k, hyper[k] ?? row.hyper.find((h) => h.name === k)!.default]));
}
