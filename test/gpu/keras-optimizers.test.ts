// One optimizer step on the GPU, from the same nonzero parameter, gradient and state, against the
// float64 transcription of Keras 3's update rules in helpers/keras-optimizers.ts (independent of
// dlc's optimizer table): every optimizer and option, on both adapters, to 1e-6 relative.
import { afterAll, describe, expect, it } from 'vitest';
import { Graph } from '../../compiler/ir/graph.ts';
import { optimizerAttrs } from '../../compiler/ir/ops/optimizers.ts';
import type { ValueId } from '../../compiler/ir/types.ts';
import { compileGraph } from '../../compiler/pipeline.ts';
import { Rng } from '../../runtime/random.ts';
import { Session } from '../../runtime/session.ts';
import { ADAPTERS, relError, useDevice } from '../helpers/gpu.ts';
import { adam, kerasStep, KERAS_CASES as CASES, type Case, type Hyper, type State } from '../helpers/keras-optimizers.ts';
import { drawInput, type Draw } from '../helpers/op-cases.ts';

/** A one-node artifact: parameter p, input g, the states, and the optimizer's update. */
function oneUpdate(c: Case, n: number) {
  const g = new Graph();
  const attrs = optimizerAttrs(c.dlc, c.hyper);
  const ins: ValueId[] = [g.addParam('p', [n], { kind: 'zeros' }, 'test', false), g.addInput('g', 'f32', [n]), ...c.states.map(([name]) => g.addState(name, [n], { kind: 'zeros' }, 'optimizer'))];
  g.add(c.dlc, ins, attrs, { phase: 'update' });
  g.programs.train_step = { nodes: g.nodes.map((x) => x.id), outputs: [] };
  const train = { loss: '', optimizer: { kind: c.dlc, lr: c.lr, hyper: attrs as Hyper }, batch: 1, epochs: 1, metrics: [], seed: 0, shuffle: false, label: '', prediction: '' };
  return compileGraph(g, { model: c.dlc, sourceHash: '', train });
}

/** The largest error seen per optimizer call, printed at the end. */
const worst = new Map<string, number>();

for (const adapter of ADAPTERS) {
  describe(`Keras 3 optimizer steps on ${adapter}`, () => {
    const device = useDevice(adapter);
    for (const c of CASES) {
      // 67: the scalar kernel; 1000: vec4s.
      for (const n of [67, 1000]) {
        it(`${c.call}, step ${c.t}, ${n} elements`, async (t) => {
          const h = device();
          if (!h) return t.skip();
          const rng = new Rng(n + c.call.length * 7 + c.t);
          const draws: Draw[] = ['normal', 'normal', ...c.states.map(([, d]) => d)];
          const data = draws.map((_, k) => drawInput({ shapes: draws.map(() => [n]), draws }, k, rng));
          const lr = Math.fround(c.lr);
          // Keras, element by element.
          const wantP = new Float64Array(n);
          const wantS = c.states.map(() => new Float64Array(n));
          for (let i = 0; i < n; i++) {
            const s: State = Object.fromEntries(c.states.map(([name], k) => [name, data[2 + k]![i]!]));
            wantP[i] = kerasStep(c.keras, c.kerasHyper, lr, c.t, data[0]![i]!, data[1]![i]!, s);
            c.states.forEach(([name], k) => { wantS[k]![i] = s[name]!; });
          }
          const session = await Session.create(oneUpdate(c, n), h.device);
          try {
            session.write('p', Float32Array.from(data[0]!));
            c.states.forEach(([name], k) => session.write(name, Float32Array.from(data[2 + k]!)));
            await session.run('train_step', { g: Float32Array.from(data[1]!) }, [], { lr, step: c.t, seed: 0 });
            const errs = [relError(await session.read('p'), wantP)];
            for (const [k, [name]] of c.states.entries()) errs.push(relError(await session.read(name), wantS[k]!));
            const err = Math.max(...errs);
            worst.set(c.call, Math.max(worst.get(c.call) ?? 0, err));
            expect(err, `p and ${c.states.map(([s]) => s).join(', ') || 'no state'}: ${errs.map((e) => e.toExponential(2)).join(', ')}`).toBeLessThan(1e-6);
          } finally {
            session.dispose();
          }
        });
      }
    }
  });
}

describe('the worked example of issue 20', () => {
  it('Keras 3 Adam, lr 0.1, weight decay 0.1, w = 1, g = −0.002: one step gives 1.0898 (decoupled decay, then the step)', () => {
    const w = kerasStep('Adam', { beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, weight_decay: 0.1, amsgrad: false }, 0.1, 1, 1, -0.002, { momentum: 0, velocity: 0 });
    expect(w).toBeCloseTo(1.0898, 4);
  });
  for (const adapter of ADAPTERS) {
    const device = useDevice(adapter);
    it(`dlc's adam(lr: 0.1, weight_decay: 0.1) on ${adapter} gives the same`, async (t) => {
      const h = device();
      if (!h) return t.skip();
      const c: Case = { ...adam('adam', 0.1, false, 1), lr: 0.1 };
      const session = await Session.create(oneUpdate(c, 1), h.device);
      try {
        session.write('p', Float32Array.of(1));
        await session.run('train_step', { g: Float32Array.of(-0.002) }, [], { lr: Math.fround(0.1), step: 1, seed: 0 });
        const w = (await session.read('p'))[0]!;
        expect(w).toBeCloseTo(1.0898, 4);
        const want = kerasStep('Adam', c.kerasHyper, Math.fround(0.1), 1, 1, Math.fround(-0.002), { momentum: 0, velocity: 0 });
        expect(Math.abs(w - want) / want).toBeLessThan(1e-6);
      } finally {
        session.dispose();
      }
    });
  }
});

afterAll(() => {
  if (worst.size) console.log(`largest relative error per optimizer (p and states, both adapters):\n${[...worst].map(([k, e]) => `  ${k}: ${e.toExponential(2)}`).join('\n')}`);
});
