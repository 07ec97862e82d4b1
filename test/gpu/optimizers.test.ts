// Every optimizer runs as one kernel over the parameter, gradient and state arenas, and after a few
// steps every parameter matches the float64 reference, on both adapters.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { Rng } from '../../runtime/random.ts';
import { Session } from '../../runtime/session.ts';
import { ADAPTERS, relError, useDevice } from '../helpers/gpu.ts';
import { ReferenceRun } from '../helpers/reference.ts';

// Parameter sizes off every alignment: 7×67, 67, 67×1, 1 (arena offsets are 256-byte aligned).
const model = (optimizer: string): string => `
model m {
  input x: f32[7]
  input y: f32[1]
  p = x -> dense(67, activation: tanh) -> dense(1)
  output p
}
train m { loss = mse(p, y); optimizer = ${optimizer}; batch = 9; seed = 3 }`;

const OPTIMIZERS = [
  'sgd(lr: 0.05)', 'sgd(lr: 0.05, momentum: 0.9, nesterov: true)', 'momentum(lr: 0.05)', 'adagrad(lr: 0.05)',
  'rmsprop(lr: 0.01)', 'adam(lr: 0.01)', 'adamw(lr: 0.01, weight_decay: 0.05)', 'nadam(lr: 0.01)',
  'sgd(lr: 0.05, weight_decay: 0.01)', 'rmsprop(lr: 0.01, momentum: 0.9, centered: true, weight_decay: 0.01)',
  'adam(lr: 0.01, amsgrad: true, weight_decay: 0.01)', 'adamax(lr: 0.01)', 'adadelta(lr: 1)',
];
const STEPS = 3;

for (const adapter of ADAPTERS) {
  describe(`optimizers on ${adapter}`, () => {
    const device = useDevice(adapter);
    for (const opt of OPTIMIZERS) {
      it(`${opt}: one kernel updates every parameter; ${STEPS} steps match the reference`, async (t) => {
        const h = device();
        if (!h) return t.skip();
        const r = compile(model(opt), { file: 'opt.dl' });
        const m = r.artifact!.manifest;
        const updates = m.programs.train_step.kernels.map((k) => m.kernels[k]!.name).filter((n) => n.endsWith(':all parameters'));
        expect(updates).toHaveLength(1);
        const ref = new ReferenceRun(r);
        const s = await Session.create(r.artifact!, h.device);
        const rng = new Rng(17);
        for (let k = 0; k < STEPS; k++) {
          const batch = { x: Float32Array.from({ length: 63 }, () => rng.normal()), y: Float32Array.from({ length: 9 }, () => rng.normal()) };
          await s.trainStep(batch);
          ref.trainStep(batch);
        }
        const w = await s.weights();
        for (const p of m.params) expect(relError(w.get(p.name)!, ref.tensor(p.name)), p.name).toBeLessThan(1e-5);
        const state = await s.stateTensors();
        for (const st of m.state.filter((x) => x.owner !== 'metric')) expect(relError(state.get(st.name)!, ref.tensor(st.name)), st.name).toBeLessThan(1e-4);
        s.dispose();
      });
    }
  });
}
