// Learning-rate schedules and early stopping: the formulas, the train section that declares them,
// and the training loop applying them on the GPU.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { fit } from '../../runtime/fit.ts';
import { Rng } from '../../runtime/random.ts';
import { Plateau, scheduledRate, warmupFactor } from '../../runtime/schedule.ts';
import { Session } from '../../runtime/session.ts';
import { useDevice } from '../helpers/gpu.ts';

describe('schedules', () => {
  it('step, exponential and cosine follow their formulas; warm-up ramps step by step', () => {
    expect(scheduledRate({ kind: 'step', every: 2, factor: 0.5 }, 0.1, 3.5, 10)).toBeCloseTo(0.05, 12);
    expect(scheduledRate({ kind: 'step', every: 2, factor: 0.5 }, 0.1, 4, 10)).toBeCloseTo(0.025, 12);
    expect(scheduledRate({ kind: 'exponential', rate: 0.5 }, 0.1, 1.5, 10)).toBeCloseTo(0.1 * 0.5 ** 1.5, 12);
    expect(scheduledRate({ kind: 'cosine', min: 0.01 }, 0.1, 0, 10)).toBeCloseTo(0.1, 12);
    expect(scheduledRate({ kind: 'cosine', min: 0.01 }, 0.1, 5, 10)).toBeCloseTo(0.055, 12);
    expect(scheduledRate({ kind: 'cosine', min: 0.01 }, 0.1, 10, 10)).toBeCloseTo(0.01, 12);
    expect(warmupFactor({ kind: 'constant', warmup: 2 }, 0, 5)).toBeCloseTo(0.1, 12);
    expect(warmupFactor({ kind: 'constant', warmup: 2 }, 9, 5)).toBe(1);
    expect(warmupFactor({ kind: 'constant' }, 0, 5)).toBe(1);
  });
  it('with warm-up, the rate ramps up to the set rate, then the decay runs over the remaining epochs', () => {
    // Cosine with 2 warm-up epochs of 10: peak at epoch 2, halfway down at epoch 6, min at epoch 10.
    const cosine = { kind: 'cosine' as const, min: 0.01, warmup: 2 };
    const at = (t: number): number => scheduledRate(cosine, 0.1, t, 10) * warmupFactor(cosine, t * 5, 5);
    expect(at(0)).toBeCloseTo(0.01, 12); // step 1 of 10 warm-up steps: a tenth of the peak
    expect(at(1)).toBeCloseTo(0.06, 12);
    expect(at(1.8)).toBeCloseTo(0.1, 12); // the last warm-up step reaches the set rate
    expect(at(2)).toBeCloseTo(0.1, 12);
    expect(at(6)).toBeCloseTo(0.055, 12);
    expect(at(10)).toBeCloseTo(0.01, 12);
    // Step and exponential count their epochs from the end of the warm-up too.
    expect(scheduledRate({ kind: 'step', every: 2, factor: 0.5, warmup: 1 }, 0.1, 2.5, 10)).toBeCloseTo(0.1, 12);
    expect(scheduledRate({ kind: 'step', every: 2, factor: 0.5, warmup: 1 }, 0.1, 3, 10)).toBeCloseTo(0.05, 12);
    expect(scheduledRate({ kind: 'exponential', rate: 0.5, warmup: 1 }, 0.1, 3, 10)).toBeCloseTo(0.025, 12);
    // A warm-up as long as the run never decays.
    expect(scheduledRate({ kind: 'cosine', min: 0, warmup: 3 }, 0.1, 2.5, 3)).toBeCloseTo(0.1, 12);
  });
  it('a plateau counts epochs without an improvement of more than minDelta', () => {
    const p = new Plateau(0.1);
    expect(p.update(1, 1)).toBe(true);
    expect(p.update(0.95, 2)).toBe(false);
    expect(p.update(0.85, 3)).toBe(true);
    expect([p.best, p.bestEpoch, p.wait]).toEqual([0.85, 3, 0]);
    p.update(0.9, 4);
    expect(p.wait).toBe(1);
  });
});

const SOURCE = (train: string): string => `model m {
  input x: f32[3]
  input y: class[2]
  logits = x -> dense(8, activation: tanh) -> dense(2)
  output logits
}
train m { loss = cross_entropy(logits, y); optimizer = sgd(lr: 0.2); batch = 8; seed = 4; ${train} }`;

describe('the train section', () => {
  it('declares schedules and early stopping with defaults filled in', () => {
    const m = compile(SOURCE('schedule = cosine(min: 0.001, warmup: 1); early_stopping = early_stopping(patience: 3)')).artifact!.manifest;
    expect(m.train.schedule).toEqual({ kind: 'cosine', min: 0.001, warmup: 1 });
    expect(m.train.earlyStopping).toEqual({ monitor: 'val_loss', patience: 3, minDelta: 0, restoreBest: true });
  });
  it('reports an unknown schedule, argument or monitor at its place', () => {
    const msgs = (t: string) => compile(SOURCE(t), { file: 'n.dl' }).diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.message}`);
    // The column of `word` in the train line (line 7).
    const at = (t: string, word: string): string => `7:${SOURCE(t).split('\n')[6]!.indexOf(word) + 1}`;
    const a = 'schedule = cosin()';
    expect(msgs(a)).toEqual([`${at(a, 'cosin')} unknown schedule 'cosin'; did you mean 'cosine'?`]);
    const b = 'schedule = step(evry: 3)';
    expect(msgs(b)).toEqual([`${at(b, 'evry')} unknown argument 'evry' for step; did you mean 'every'?`]);
    const c = 'early_stopping = early_stopping(monitor: val_los)';
    expect(msgs(c)).toEqual([`${at(c, 'val_los')} argument 'monitor' of early_stopping: expected 'val_loss' or 'loss', got 'val_los'; did you mean 'val_loss'?`]);
  });
});

describe('fit with controls', () => {
  const device = useDevice('gles');
  const rng = new Rng(9);
  const count = 64;
  const x = Float32Array.from({ length: count * 3 }, () => rng.normal());
  const y = Int32Array.from({ length: count }, (_, i) => (x[i * 3]! + x[i * 3 + 1]! > 0 ? 1 : 0));
  const data = { count, tensors: { x, y } };

  it('a step schedule sets each epoch\'s rate; reduce_on_plateau and warm-up shape it', async (t) => {
    const h = device();
    if (!h) return t.skip();
    const s = await Session.create(compile(SOURCE('schedule = step(every: 2, factor: 0.5)')).artifact!, h.device);
    const hist = await fit(s, data, { epochs: 5 });
    expect(hist.map((r) => r.lr)).toEqual([0.2, 0.2, 0.1, 0.1, 0.05]);
    const w = await Session.create(compile(SOURCE('schedule = constant(warmup: 2)')).artifact!, h.device);
    const steps: number[] = [];
    await fit(w, data, { epochs: 3, onStep: () => { steps.push(w.lr); } });
    expect(steps.slice(0, 3).map((v) => +v.toFixed(6))).toEqual([0.0125, 0.025, 0.0375]); // 8 steps per epoch, 16 to warm up
    expect(steps.slice(15)).toEqual(Array(9).fill(0.2));
    // Cosine with warm-up: the ramp reaches the set rate (it used to be multiplied by the decay and
    // peak lower), then decays over the remaining epochs towards min.
    const c = await Session.create(compile(SOURCE('schedule = cosine(min: 0.02, warmup: 1)')).artifact!, h.device);
    const rates: number[] = [];
    await fit(c, data, { epochs: 3, onStep: () => { rates.push(c.lr); } });
    expect(rates[7]).toBeCloseTo(0.2, 6);
    expect(Math.max(...rates)).toBeCloseTo(0.2, 6);
    expect(rates[8]).toBeCloseTo(0.2, 6);
    expect(rates[23]).toBeCloseTo(0.02 + 0.09 * (1 + Math.cos((Math.PI * 15) / 16)), 6);
    // reduce_on_plateau: min_delta 100 means no epoch after the first improves; patience 1 halves the rate each epoch.
    const p = await Session.create(compile(SOURCE('schedule = reduce_on_plateau(factor: 0.5, patience: 1, min_delta: 100, monitor: loss)')).artifact!, h.device);
    expect((await fit(p, data, { epochs: 4 })).map((r) => r.lr)).toEqual([0.2, 0.2, 0.1, 0.05]);
    for (const q of [s, w, p, c]) q.dispose();
  });

  it('early stopping ends training after `patience` epochs without improvement and restores the best weights', async (t) => {
    const h = device();
    if (!h) return t.skip();
    // min_delta 100: no epoch after the first counts as an improvement, so it stops after epoch 3.
    const s = await Session.create(compile(SOURCE('early_stopping = early_stopping(monitor: loss, patience: 2, min_delta: 100)')).artifact!, h.device);
    let afterFirst: Map<string, Float32Array> | undefined;
    const hist = await fit(s, data, { epochs: 10, onEpoch: async (r) => { if (r.epoch === 1) afterFirst = await s.weights(); } });
    expect(hist.map((r) => r.epoch)).toEqual([1, 2, 3]);
    expect(hist[2]!.stopped).toEqual({ bestEpoch: 1, restored: true });
    const now = await s.weights();
    for (const [name, v] of afterFirst!) expect(now.get(name), name).toEqual(v);
    s.dispose();
  });
});
