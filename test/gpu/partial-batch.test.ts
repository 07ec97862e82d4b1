// The epoch's last partial batch: 600 samples at batch 64 train all 600 (nine steps of 64 and one of
// 24 on a session compiled at 24), as Keras does; the epoch matches the float64 interpreter run the
// same way, the partial step matches it on its 24 rows only, resuming stays bitwise, drop_last drops.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { fit, type Samples } from '../../runtime/fit.ts';
import { Rng } from '../../runtime/random.ts';
import { Session } from '../../runtime/session.ts';
import { ADAPTERS, relError, useDevice } from '../helpers/gpu.ts';
import { ReferenceRun } from '../helpers/reference.ts';

// Batch norm makes the partial batch's statistics matter: padding rows would change them.
const source = (batch: number, extra = ''): string => `
model tiny {
  input x: f32[5]
  input y: class[3]
  h = x -> dense(7) -> relu -> batchnorm
  logits = h -> dense(3)
  output logits
}
train tiny {
  loss = cross_entropy(logits, y)
  optimizer = adam(lr: 0.02)
  batch = ${batch}
  metrics = [accuracy]
  seed = 3
  ${extra}
}`;
const N = 600;
const B = 64;
const REST = N % B;

function dataSet(): Samples {
  const rng = new Rng(17);
  const y = Int32Array.from({ length: N }, () => rng.int(3));
  const x = Float32Array.from({ length: N * 5 }, (_, i) => rng.normal() + (i % 5 === y[Math.floor(i / 5)]! ? 1.5 : 0));
  return { count: N, tensors: { x, y } };
}

function rows(d: Samples, idx: ArrayLike<number>): { x: Float32Array; y: Int32Array } {
  const x = new Float32Array(idx.length * 5);
  const y = new Int32Array(idx.length);
  for (let r = 0; r < idx.length; r++) {
    x.set((d.tensors.x as Float32Array).subarray(idx[r]! * 5, idx[r]! * 5 + 5), r * 5);
    y[r] = (d.tensors.y as Int32Array)[idx[r]!]!;
  }
  return { x, y };
}

const compiled = (batch: number, extra = '') => {
  const r = compile(source(batch, extra), { file: 'tiny.dl' });
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r;
};

/** One epoch in float64: fit's shuffle, nine steps at 64, the state handed to a run at 24 for the last step. */
function referenceEpoch(d: Samples): { loss: number; correct: number; run: ReferenceRun } {
  const full = new ReferenceRun(compiled(B));
  const part = new ReferenceRun(compiled(REST));
  const order = Int32Array.from({ length: N }, (_, i) => i);
  new Rng(3).shuffle(order);
  let lossSum = 0;
  let correct = 0;
  for (let s = 0; s + B <= N; s += B) {
    const out = full.run('train_step', rows(d, order.subarray(s, s + B)));
    lossSum += out.loss!.data[0]! * B;
  }
  correct += full.tensor('metric.correct_sum')[0]!;
  part.adopt(full);
  const before = part.tensor('metric.correct_sum')[0]!;
  const out = part.run('train_step', rows(d, order.subarray(N - REST)));
  lossSum += out.loss!.data[0]! * REST;
  correct += part.tensor('metric.correct_sum')[0]! - before;
  full.adopt(part);
  return { loss: lossSum / N, correct, run: full };
}

describe('the last partial batch', () => {
  const d = dataSet();

  it('the float64 reference of the partial step differs from one that pads its 24 rows to 64 (the test can tell)', () => {
    const order = Int32Array.from({ length: REST }, (_, i) => i);
    const part = new ReferenceRun(compiled(REST));
    part.run('train_step', rows(d, order));
    const padded = new ReferenceRun(compiled(B));
    const p = rows(d, order);
    const x = new Float32Array(B * 5);
    x.set(p.x);
    const y = new Int32Array(B);
    y.set(p.y);
    padded.run('train_step', { x, y });
    expect(relError(padded.tensor('dense_1.kernel'), part.tensor('dense_1.kernel'))).toBeGreaterThan(1e-3);
  });

  for (const adapter of ADAPTERS) {
    describe(adapter, () => {
      const device = useDevice(adapter);
      /** The full-batch and partial-batch sessions, every scratch buffer filled with NaN (a kernel reading what nobody wrote shows). */
      const sessions = async (h: GPUDevice, extra = ''): Promise<[Session, Session]> => {
        const pair: [Session, Session] = [await Session.create(compiled(B, extra).artifact!, h), await Session.create(compiled(REST, extra).artifact!, h)];
        for (const s of pair) s.poisonScratch();
        return pair;
      };

      it('600 samples at batch 64: one epoch trains all 600 in 10 steps and matches the float64 reference (loss, accuracy, weights)', async (t) => {
        const h = device();
        if (!h) return t.skip();
        const [s, p] = await sessions(h.device);
        const [r] = await fit(s, d, { epochs: 1, partialBatch: p });
        const ref = referenceEpoch(d);
        expect(r!.samples).toBe(600);
        expect(r!.steps).toBe(10);
        expect(r!.leftOut).toBe(0);
        expect(s.step).toBe(10);
        expect(Math.abs(r!.loss - ref.loss) / ref.loss).toBeLessThan(1e-4);
        expect(r!.accuracy! * N).toBeCloseTo(ref.correct, 3);
        const w = await s.weights();
        for (const [name, v] of w) expect(relError(v, ref.run.tensor(name)), name).toBeLessThan(2e-4);
        // The optimizer state came back from the partial step's session too.
        const st = await s.stateTensors();
        for (const [name, v] of st) if (!name.startsWith('metric.')) expect(relError(v, ref.run.tensor(name)), name).toBeLessThan(2e-4);
        s.dispose();
        p.dispose();
      }, 180_000);

      it('the partial step alone matches the float64 step on its 24 rows', async (t) => {
        const h = device();
        if (!h) return t.skip();
        const [s, p] = await sessions(h.device);
        const idx = Int32Array.from({ length: REST }, (_, i) => 100 + 3 * i);
        s.copyTrainingStateTo(p);
        await p.trainStep(rows(d, idx));
        p.copyTrainingStateTo(s);
        const ref = new ReferenceRun(compiled(REST));
        ref.run('train_step', rows(d, idx));
        expect(s.step).toBe(1);
        for (const [name, v] of await s.weights()) expect(relError(v, ref.tensor(name)), name).toBeLessThan(1e-4);
        s.dispose();
        p.dispose();
      }, 180_000);

      it('resuming after epoch 1 is bitwise the uninterrupted 2-epoch run; drop_last leaves the 24 out', async (t) => {
        const h = device();
        if (!h) return t.skip();
        const [a, p] = await sessions(h.device);
        await fit(a, d, { epochs: 2, partialBatch: p });
        const [b] = await sessions(h.device);
        await fit(b, d, { epochs: 1, partialBatch: p });
        const weights = await b.weights();
        const state = await b.stateTensors();
        const [c] = await sessions(h.device);
        c.setWeights(weights);
        for (const [name, v] of state) c.write(name, v);
        c.step = b.step;
        await fit(c, d, { epochs: 2, startEpoch: 1, partialBatch: p });
        const wa = await a.weights();
        for (const [name, v] of await c.weights()) expect(Buffer.from(v.buffer).equals(Buffer.from(wa.get(name)!.buffer)), name).toBe(true);
        expect(c.step).toBe(20);
        const [dl, dp] = await sessions(h.device, 'drop_last = true');
        const [r] = await fit(dl, d, { epochs: 1, partialBatch: dp });
        expect([r!.samples, r!.steps, r!.leftOut, dl.step]).toEqual([576, 9, 24, 9]);
        for (const x of [a, b, c, p, dl, dp]) x.dispose();
      }, 240_000);
    });
  }
});
