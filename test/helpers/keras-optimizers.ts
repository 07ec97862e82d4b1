// Keras 3's optimizers in float64, transcribed here from keras/src/optimizers/*.py (and
// base_optimizer.py's decoupled weight decay) independently of dlc's optimizer table, and the cases
// (every optimizer and option) that the float64 reference and the GPU kernels are held to.
import type { OptimizerName } from '../../compiler/ir/ops/optimizers.ts';
import type { Draw } from './op-cases.ts';

export type Hyper = Record<string, number | boolean>;
export type State = Record<string, number>;

/**
 * Keras 3, one element, float64. `opt` is Keras's class (dlc's `momentum` is SGD with momentum > 0);
 * `s` holds Keras's optimizer variables by their Keras names and is updated in place; returns p.
 */
export function kerasStep(opt: string, h: Hyper, lr: number, t: number, p: number, g: number, s: State): number {
  const n = (k: string): number => h[k] as number;
  // BaseOptimizer._apply_weight_decay, after clipping and before update_step: variable − variable·wd·lr.
  if (n('weight_decay')) p = p - p * n('weight_decay') * lr;
  switch (opt) {
    case 'SGD': {
      if (n('momentum') === 0) return p - g * lr;
      s.momentum = s.momentum! * n('momentum') - g * lr;
      return h.nesterov ? p + (s.momentum * n('momentum') - g * lr) : p + s.momentum;
    }
    case 'Adagrad': {
      s.accumulator = s.accumulator! + g * g;
      return p - (lr * g) / Math.sqrt(s.accumulator + n('epsilon'));
    }
    case 'RMSprop': {
      const rho = n('rho');
      s.velocity = rho * s.velocity! + (1 - rho) * g * g;
      let denominator: number;
      if (h.centered) {
        s.average_gradient = rho * s.average_gradient! + (1 - rho) * g;
        denominator = s.velocity - s.average_gradient ** 2 + n('epsilon');
      } else denominator = s.velocity + n('epsilon');
      const increment = (lr * g) / Math.sqrt(denominator);
      if (n('momentum') > 0) {
        s.momentum = n('momentum') * s.momentum! + increment;
        return p - s.momentum;
      }
      return p - increment;
    }
    case 'Adam': {
      const [b1, b2] = [n('beta_1'), n('beta_2')];
      const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
      s.momentum = s.momentum! + (g - s.momentum!) * (1 - b1);
      s.velocity = s.velocity! + (g * g - s.velocity!) * (1 - b2);
      let v = s.velocity;
      if (h.amsgrad) {
        s.velocity_hat = Math.max(s.velocity_hat!, s.velocity);
        v = s.velocity_hat;
      }
      return p - (s.momentum * alpha) / (Math.sqrt(v) + n('epsilon'));
    }
    case 'Nadam': {
      const [b1, b2] = [n('beta_1'), n('beta_2')];
      const u = (k: number): number => b1 * (1 - 0.5 * 0.96 ** k);
      // _u_product after _backend_update_step multiplied in this step's u_t: Π_{k ≤ t} u_k.
      let uProduct = 1;
      for (let k = 1; k <= t; k++) uProduct *= u(k);
      const [uT, uT1] = [u(t), u(t + 1)];
      const uProduct1 = uProduct * uT1;
      s.momentum = s.momentum! + (g - s.momentum!) * (1 - b1);
      s.velocity = s.velocity! + (g * g - s.velocity!) * (1 - b2);
      const mHat = (uT1 * s.momentum) / (1 - uProduct1) + ((1 - uT) * g) / (1 - uProduct);
      const vHat = s.velocity / (1 - b2 ** t);
      return p - (mHat * lr) / (Math.sqrt(vHat) + n('epsilon'));
    }
    case 'Adamax': {
      const [b1, b2] = [n('beta_1'), n('beta_2')];
      s.momentum = s.momentum! + (g - s.momentum!) * (1 - b1);
      s.norm = Math.max(b2 * s.norm!, Math.abs(g));
      return p - (lr * s.momentum) / ((1 - b1 ** t) * (s.norm + n('epsilon')));
    }
    case 'Adadelta': {
      const [rho, eps] = [n('rho'), n('epsilon')];
      const rms = (x: number): number => Math.sqrt(x + eps);
      s.accumulated_grad = rho * s.accumulated_grad! + (1 - rho) * g * g;
      const deltaVar = -(rms(s.accumulated_delta_var!) * g) / rms(s.accumulated_grad);
      s.accumulated_delta_var = rho * s.accumulated_delta_var! + (1 - rho) * deltaVar * deltaVar;
      return p + lr * deltaVar;
    }
  }
  throw new Error(`no Keras rule for ${opt}`);
}

export interface Case {
  /** The call as a train section writes it (for the test's name). */
  call: string;
  dlc: OptimizerName;
  /** dlc's hyper-parameters (as the train section passes them). */
  hyper: Hyper;
  keras: string;
  /** The same, by Keras's argument names. */
  kerasHyper: Hyper;
  /** Keras's variables in dlc's operand order, with how each is drawn. */
  states: [string, Draw][];
  lr: number;
  t: number;
}

const adamStates = (amsgrad: boolean): [string, Draw][] => [['momentum', 'normal'], ['velocity', 'positive'], ...(amsgrad ? [['velocity_hat', 'positive'] as [string, Draw]] : [])];
export const adam = (dlc: 'adam' | 'adamw', wd: number, amsgrad: boolean, t: number): Case => ({
  call: `${dlc}(weight_decay: ${wd}, amsgrad: ${amsgrad})`, dlc, hyper: { weight_decay: wd, amsgrad },
  keras: 'Adam', kerasHyper: { beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, weight_decay: wd, amsgrad }, states: adamStates(amsgrad), lr: 0.01, t,
});
const rmsprop = (momentum: number, centered: boolean, wd: number): Case => ({
  call: `rmsprop(momentum: ${momentum}, centered: ${centered}, weight_decay: ${wd})`, dlc: 'rmsprop', hyper: { rho: 0.9, eps: 1e-7, momentum, centered, weight_decay: wd },
  keras: 'RMSprop', kerasHyper: { rho: 0.9, epsilon: 1e-7, momentum, centered, weight_decay: wd },
  // The mean square stays above the squared average gradient (Keras would take the root of a negative number too).
  states: [['velocity', 'positive'], ...(momentum > 0 ? [['momentum', 'normal'] as [string, Draw]] : []), ...(centered ? [['average_gradient', 'small'] as [string, Draw]] : [])],
  lr: 0.01, t: 4,
});

export const KERAS_CASES: Case[] = [
  { call: 'sgd()', dlc: 'sgd', hyper: {}, keras: 'SGD', kerasHyper: { momentum: 0, nesterov: false }, states: [], lr: 0.05, t: 1 },
  { call: 'sgd(weight_decay: 0.1)', dlc: 'sgd', hyper: { weight_decay: 0.1 }, keras: 'SGD', kerasHyper: { momentum: 0, nesterov: false, weight_decay: 0.1 }, states: [], lr: 0.05, t: 2 },
  { call: 'sgd(momentum: 0.9)', dlc: 'momentum', hyper: { momentum: 0.9, nesterov: false }, keras: 'SGD', kerasHyper: { momentum: 0.9, nesterov: false }, states: [['momentum', 'normal']], lr: 0.05, t: 3 },
  { call: 'sgd(momentum: 0.8, nesterov: true)', dlc: 'momentum', hyper: { momentum: 0.8, nesterov: true }, keras: 'SGD', kerasHyper: { momentum: 0.8, nesterov: true }, states: [['momentum', 'normal']], lr: 0.05, t: 3 },
  { call: 'sgd(momentum: 0.9, nesterov: true, weight_decay: 0.05)', dlc: 'momentum', hyper: { momentum: 0.9, nesterov: true, weight_decay: 0.05 }, keras: 'SGD', kerasHyper: { momentum: 0.9, nesterov: true, weight_decay: 0.05 }, states: [['momentum', 'normal']], lr: 0.05, t: 3 },
  { call: 'adagrad()', dlc: 'adagrad', hyper: {}, keras: 'Adagrad', kerasHyper: { epsilon: 1e-7 }, states: [['accumulator', 'positive']], lr: 0.05, t: 2 },
  { call: 'adagrad(weight_decay: 0.05)', dlc: 'adagrad', hyper: { weight_decay: 0.05 }, keras: 'Adagrad', kerasHyper: { epsilon: 1e-7, weight_decay: 0.05 }, states: [['accumulator', 'positive']], lr: 0.05, t: 2 },
  rmsprop(0, false, 0), rmsprop(0.9, false, 0), rmsprop(0, true, 0), rmsprop(0.5, true, 0.02),
  adam('adam', 0, false, 1), adam('adam', 0, false, 7), adam('adam', 0.1, false, 3), adam('adam', 0, true, 5), adam('adam', 0.05, true, 2),
  adam('adamw', 0.004, false, 3), adam('adamw', 0.004, true, 3),
  { call: 'nadam()', dlc: 'nadam', hyper: {}, keras: 'Nadam', kerasHyper: { beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7 }, states: adamStates(false), lr: 0.01, t: 1 },
  { call: 'nadam(beta1: 0.8, beta2: 0.99, weight_decay: 0.05)', dlc: 'nadam', hyper: { beta1: 0.8, beta2: 0.99, weight_decay: 0.05 }, keras: 'Nadam', kerasHyper: { beta_1: 0.8, beta_2: 0.99, epsilon: 1e-7, weight_decay: 0.05 }, states: adamStates(false), lr: 0.01, t: 6 },
  { call: 'adamax()', dlc: 'adamax', hyper: {}, keras: 'Adamax', kerasHyper: { beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7 }, states: [['momentum', 'normal'], ['norm', 'positive']], lr: 0.01, t: 1 },
  { call: 'adamax(weight_decay: 0.05)', dlc: 'adamax', hyper: { weight_decay: 0.05 }, keras: 'Adamax', kerasHyper: { beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, weight_decay: 0.05 }, states: [['momentum', 'normal'], ['norm', 'positive']], lr: 0.01, t: 4 },
  { call: 'adadelta()', dlc: 'adadelta', hyper: {}, keras: 'Adadelta', kerasHyper: { rho: 0.95, epsilon: 1e-7 }, states: [['accumulated_grad', 'positive'], ['accumulated_delta_var', 'positive']], lr: 0.5, t: 1 },
  { call: 'adadelta(rho: 0.9, weight_decay: 0.05)', dlc: 'adadelta', hyper: { rho: 0.9, weight_decay: 0.05 }, keras: 'Adadelta', kerasHyper: { rho: 0.9, epsilon: 1e-7, weight_decay: 0.05 }, states: [['accumulated_grad', 'positive'], ['accumulated_delta_var', 'positive']], lr: 0.5, t: 3 },
];
