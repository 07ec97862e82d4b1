// The optimizer table against Keras 3: its defaults, the float64 reference of every rule and option
// against the independent transcription of Keras's update steps (helpers/keras-optimizers.ts), the
// worked example of issue 20, and the states each option keeps (no more than Keras builds).
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { OPTIMIZERS, optimizerAttrs } from '../../compiler/ir/ops/optimizers.ts';
import { tensor } from '../../compiler/ir/tensor.ts';
import { evalOp } from '../../compiler/reference/interp.ts';
import { Rng } from '../../runtime/random.ts';
import { kerasStep, KERAS_CASES, type State } from '../helpers/keras-optimizers.ts';
import { drawInput, type Draw } from '../helpers/op-cases.ts';

/** Keras 3's constructor defaults, by dlc's names (learning_rate → lr, epsilon → eps, beta_1 → beta1, initial_accumulator_value → initial). */
const KERAS_DEFAULTS: Record<string, Record<string, number | boolean>> = {
  sgd: { lr: 0.01, momentum: 0, nesterov: false, weight_decay: 0 },
  momentum: { lr: 0.01, momentum: 0.9, nesterov: false, weight_decay: 0 }, // SGD with momentum: dlc's default momentum
  adagrad: { lr: 0.001, eps: 1e-7, initial: 0.1, weight_decay: 0 },
  rmsprop: { lr: 0.001, rho: 0.9, eps: 1e-7, momentum: 0, centered: false, weight_decay: 0 },
  adam: { lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-7, weight_decay: 0, amsgrad: false },
  adamw: { lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-7, weight_decay: 0.004, amsgrad: false },
  nadam: { lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-7, weight_decay: 0 },
  adamax: { lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-7, weight_decay: 0 },
  adadelta: { lr: 0.001, rho: 0.95, eps: 1e-7, weight_decay: 0 },
};

const net = (optimizer: string) => `model m {
  input x: f32[5]
  input y: f32[2]
  p = x -> dense(3, activation: tanh) -> dense(2)
  output p
}
train m { loss = mse(p, y); optimizer = ${optimizer}; batch = 4 }`;

describe('optimizers follow Keras 3', () => {
  it('every row has Keras 3 defaults (weight_decay 0 is Keras None: off)', () => {
    const table = Object.fromEntries(Object.entries(OPTIMIZERS).map(([k, row]) => [k, Object.fromEntries(row.hyper.map((h) => [h.name, h.default]))]));
    expect(table).toEqual(KERAS_DEFAULTS);
  });

  for (const c of KERAS_CASES) {
    it(`${c.call}, step ${c.t}: the float64 reference is Keras's update step`, () => {
      const n = 50;
      const rng = new Rng(c.call.length + c.t);
      const draws: Draw[] = ['normal', 'normal', ...c.states.map(([, d]) => d)];
      const data = draws.map((_, k) => drawInput({ shapes: draws.map(() => [n]), draws }, k, rng));
      const got = evalOp(c.dlc, data.map((d) => tensor([n], Array.from(d))), optimizerAttrs(c.dlc, c.hyper), null, { lr: c.lr, step: c.t, seed: 0 });
      expect(got).toHaveLength(1 + c.states.length);
      for (let i = 0; i < n; i++) {
        const s: State = Object.fromEntries(c.states.map(([name], k) => [name, data[2 + k]![i]!]));
        const p = kerasStep(c.keras, c.kerasHyper, c.lr, c.t, data[0]![i]!, data[1]![i]!, s);
        const want = [p, ...c.states.map(([name]) => s[name]!)];
        want.forEach((w, k) => expect(Math.abs(got[k]!.data[i]! - w), `${k ? c.states[k - 1]![0] : 'p'}[${i}]`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(w))));
      }
    });
  }

  it("the worked example of issue 20: adam(lr: 0.1, weight_decay: 0.1), w = 1, g = −0.002 gives 1.0898 (Keras 3), not 0.9", () => {
    const [w] = evalOp('adam', [1, -0.002, 0, 0].map((x) => tensor([1], [x])), optimizerAttrs('adam', { weight_decay: 0.1 }), null, { lr: 0.1, step: 1, seed: 0 });
    expect(w!.data[0]).toBeCloseTo(1.0898, 4);
  });

  it('each option keeps only the states Keras builds for it, named after the parameter', () => {
    const states = (opt: string): string[] => compile(net(opt)).artifact!.manifest.state.filter((s) => s.owner === 'optimizer' && s.name.startsWith('dense_1.kernel.')).map((s) => s.name.slice('dense_1.kernel.'.length));
    expect(states('sgd')).toEqual([]);
    expect(states('sgd(momentum: 0.9, weight_decay: 0.01)')).toEqual(['velocity']);
    expect(states('rmsprop')).toEqual(['mean_square']);
    expect(states('rmsprop(momentum: 0.9)')).toEqual(['mean_square', 'momentum']);
    expect(states('rmsprop(centered: true)')).toEqual(['mean_square', 'average_gradient']);
    expect(states('rmsprop(momentum: 0.5, centered: true)')).toEqual(['mean_square', 'momentum', 'average_gradient']);
    expect(states('adam')).toEqual(['m', 'v']);
    expect(states('adam(amsgrad: true)')).toEqual(['m', 'v', 'velocity_hat']);
    expect(states('adamw(amsgrad: true)')).toEqual(['m', 'v', 'velocity_hat']);
    expect(states('adamax')).toEqual(['m', 'norm']);
    expect(states('adadelta')).toEqual(['accumulated_grad', 'accumulated_delta']);
  });

  it('every option runs as one update kernel over the arenas', () => {
    for (const opt of ['rmsprop(momentum: 0.5, centered: true, weight_decay: 0.01)', 'adam(amsgrad: true, weight_decay: 0.1)', 'adamax', 'adadelta', 'sgd(weight_decay: 0.1)']) {
      const m = compile(net(opt)).artifact!.manifest;
      expect(m.programs.train_step.kernels.map((k) => m.kernels[k]!.name).filter((n) => n.endsWith(':all parameters')), opt).toHaveLength(1);
    }
  });
});
