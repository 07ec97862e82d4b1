// Every optimizer, one row each (Keras semantics and defaults): its hyper-parameters, its state per
// parameter and its update rule as statements over p (parameter), g (gradient, after clipping),
// s0, s1 (states), lr and t (1-based step). The train section's parser, the optimizer pass, the
// update op, the memory plan and the artifact all read this table.
import { add, call, div, mul, sub, v, type Stmt } from '../expr.ts';
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

export interface OptimizerRow {
  doc: string;
  /** In call order, `lr` first; defaults are Keras's. */
  hyper: readonly HyperParam[];
  /** Hyper-parameters the update op takes as attributes (default: all but lr). */
  attrs?: readonly string[];
  /** State tensors per parameter, shaped like it; each starts at 0 or at the named hyper-parameter. */
  states: readonly { suffix: string; initial?: string }[];
  /** Values of the step alone (from lr and t), computed once per kernel invocation, not per element. */
  perStep?: (h: Hypers) => Stmt[];
  /** Per element: reads p, g, the states and the per-step values; assigns p and the states. */
  rule: (h: Hypers) => Stmt[];
}

const hp = (name: string, type: HyperType, dflt: number | boolean): HyperParam => ({ name, type, default: dflt });
const lr = (dflt: number): HyperParam => hp('lr', 'posfloat', dflt);
const set = (name: string, value: Stmt['value']): Stmt => ({ name, value });
const let_ = (name: string, value: Stmt['value']): Stmt => ({ name, value, let: true });
const num = (h: Hypers, k: string): number => h[k] as number;
const [P, G, S0, S1, LR, T] = ['p', 'g', 's0', 's1', 'lr', 't'].map(v) as [Stmt['value'], Stmt['value'], Stmt['value'], Stmt['value'], Stmt['value'], Stmt['value']];
/** ln 0.96: Nadam's momentum schedule 0.96ᵗ is exp(t·ln 0.96). */
const LN_096 = Math.log(0.96);
const BETAS = [hp('beta1', 'rate', 0.9), hp('beta2', 'rate', 0.999), hp('eps', 'posfloat', 1e-7)];

/**
 * Adam with bias correction; weight_decay adds wd·p to the gradient (L2, as PyTorch Adam) or,
 * decoupled (AdamW), shrinks p by lr·wd·p before the step.
 */
function adamRule(decoupled: boolean) {
  return (h: Hypers): Stmt[] => {
    const wd = num(h, 'weight_decay');
    const [b1, b2] = [num(h, 'beta1'), num(h, 'beta2')];
    return [
      let_('gg', wd !== 0 && !decoupled ? add(G, mul(wd, P)) : G),
      ...(wd !== 0 && decoupled ? [set('p', sub(P, mul(mul(LR, wd), P)))] : []),
      set('s0', add(mul(b1, S0), mul(1 - b1, v('gg')))),
      set('s1', add(mul(b2, S1), mul(mul(1 - b2, v('gg')), v('gg')))),
      let_('mh', div(S0, call('one_minus_pow', b1, T))),
      let_('vh', div(S1, call('one_minus_pow', b2, T))),
      set('p', sub(P, div(mul(LR, v('mh')), add(call('sqrt', v('vh')), num(h, 'eps'))))),
    ];
  };
}

export const OPTIMIZERS = {
  sgd: {
    doc: 'p −= lr·g (with momentum > 0 the train section picks the momentum row)',
    hyper: [lr(0.01), hp('momentum', 'rate', 0), hp('nesterov', 'bool', false)], attrs: [], states: [],
    rule: () => [set('p', sub(P, mul(LR, G)))],
  },
  /** Keras SGD(momentum): v = μv − lr·g; p += v, or with Nesterov p += μv − lr·g. */
  momentum: {
    doc: 'heavy-ball or Nesterov momentum',
    hyper: [lr(0.01), hp('momentum', 'rate', 0.9), hp('nesterov', 'bool', false)], states: [{ suffix: 'velocity' }],
    rule: (h) => [
      set('s0', sub(mul(num(h, 'momentum'), S0), mul(LR, G))),
      set('p', h.nesterov ? sub(add(P, mul(num(h, 'momentum'), S0)), mul(LR, G)) : add(P, S0)),
    ],
  },
  /** Keras Adagrad: acc += g²; p −= lr·g / (√acc + ε). */
  adagrad: {
    doc: 'AdaGrad',
    hyper: [lr(0.001), hp('eps', 'posfloat', 1e-7), hp('initial', 'float', 0.1)], attrs: ['eps'], states: [{ suffix: 'accumulator', initial: 'initial' }],
    rule: (h) => [set('s0', add(S0, mul(G, G))), set('p', sub(P, div(mul(LR, G), add(call('sqrt', S0), num(h, 'eps')))))],
  },
  /** Keras RMSprop: ms = ρ·ms + (1−ρ)g²; p −= lr·g / (√ms + ε). */
  rmsprop: {
    doc: 'RMSprop',
    hyper: [lr(0.001), hp('rho', 'rate', 0.9), hp('eps', 'posfloat', 1e-7)], states: [{ suffix: 'mean_square' }],
    rule: (h) => [
      set('s0', add(mul(num(h, 'rho'), S0), mul(mul(1 - num(h, 'rho'), G), G))),
      set('p', sub(P, div(mul(LR, G), add(call('sqrt', S0), num(h, 'eps'))))),
    ],
  },
  adam: {
    doc: 'Adam; weight_decay is L2 on the gradient',
    hyper: [lr(0.001), ...BETAS, hp('weight_decay', 'float', 0)], states: [{ suffix: 'm' }, { suffix: 'v' }],
    rule: adamRule(false),
  },
  adamw: {
    doc: 'AdamW: Adam with decoupled weight decay',
    hyper: [lr(0.001), ...BETAS, hp('weight_decay', 'float', 0.004)], states: [{ suffix: 'm' }, { suffix: 'v' }],
    rule: adamRule(true),
  },
  /**
   * Keras 3 Nadam: momentum schedule μ_t = β₁(1 − ½·0.96ᵗ) with running product U_t = Π μ_k;
   * m̂ = μ_{t+1}·m / (1 − U_t·μ_{t+1}) + (1 − μ_t)·g / (1 − U_t), v̂ = v / (1 − β₂ᵗ).
   */
  nadam: {
    doc: 'Nadam: Adam with Nesterov momentum (Keras 3)',
    hyper: [lr(0.001), ...BETAS], states: [{ suffix: 'm' }, { suffix: 'v' }],
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
    rule: (h) => [
      set('s0', add(S0, mul(sub(G, S0), 1 - num(h, 'beta1')))),
      set('s1', add(S1, mul(sub(mul(G, G), S1), 1 - num(h, 'beta2')))),
      let_('m_hat', add(div(mul(v('mu_next'), S0), sub(1, v('u_next'))), div(mul(sub(1, v('mu_t')), G), sub(1, v('u_t'))))),
      let_('v_hat', div(S1, v('v_corr'))),
      set('p', sub(P, div(mul(v('m_hat'), LR), add(call('sqrt', v('v_hat')), num(h, 'eps'))))),
    ],
  },
} satisfies Record<string, OptimizerRow>;

export type OptimizerName = keyof typeof OPTIMIZERS;

/** The optimizer row of an update op, or undefined when the op is no optimizer. */
export function optimizerRow(op: string): OptimizerRow | undefined {
  return Object.hasOwn(OPTIMIZERS, op) ? (OPTIMIZERS as Record<string, OptimizerRow>)[op] : undefined;
}

/** The attributes of an optimizer's update op, from its hyper-parameters (lr comes per step). */
export function optimizerAttrs(name: OptimizerName, hyper: Hypers): Hypers {
  const row: OptimizerRow = OPTIMIZERS[name];
  const keys = row.attrs ?? row.hyper.map((h) => h.name).filter((k) => k !== 'lr');
  return Object.fromEntries(keys.map((k) => [k, hyper[k] ?? row.hyper.find((h) => h.name === k)!.default]));
}
