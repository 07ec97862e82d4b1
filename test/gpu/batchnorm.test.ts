// Batch norm: batch statistics in training, running statistics in eval, both matching the
// float64 reference over several steps, and kept by a weights checkpoint.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { loadSafetensors } from '../../runtime/checkpoint-node.ts';
import { Rng } from '../../runtime/random.ts';
import { Session } from '../../runtime/session.ts';
import { loadWeights, saveWeights } from '../../runtime/weights-node.ts';
import { ADAPTERS, relError, useDevice } from '../helpers/gpu.ts';
import { ReferenceRun } from '../helpers/reference.ts';

// Batch norm after a convolution (per channel over N, H, W) and after a dense layer (per feature).
const CNN = `
model bn {
  input x: f32[3, 7, 5]
  input y: class[4]
  logits = x -> conv2d(6, kernel: 3, padding: same) -> batchnorm(momentum: 0.8) -> relu -> maxpool(2)
    -> flatten -> dense(8) -> batchnorm(momentum: 0.7, epsilon: 0.01) -> relu -> dense(4)
  output logits
}
train bn { loss = cross_entropy(logits, y); optimizer = sgd(lr: 0.05, momentum: 0.9); batch = 5; seed = 4 }`;
// SGD, not Adam: Adam's first steps move every parameter by ±lr whatever its gradient's size, so a
// gradient that is zero in exact arithmetic (a bias before batch norm) and f32 rounding noise on the
// GPU get opposite signs and the curves part by ~1e-3 for reasons that are not bugs.
const STEPS = 6;

function batches(n: number, B: number): { x: Float32Array; y: Int32Array }[] {
  const rng = new Rng(7);
  return Array.from({ length: n }, () => ({
    x: Float32Array.from({ length: B * 3 * 7 * 5 }, () => 1.5 + 2 * rng.normal()),
    y: Int32Array.from({ length: B }, () => rng.int(4)),
  }));
}

const RUNNING = ['batchnorm_1.moving_mean', 'batchnorm_1.moving_variance', 'batchnorm_2.moving_mean', 'batchnorm_2.moving_variance'];

describe('batch norm', () => {
  for (const adapter of ADAPTERS) {
    describe(adapter, () => {
      const device = useDevice(adapter);

      it('normalises with batch statistics in training and running statistics in eval (hand-computed)', async (t) => {
        const h = device();
        if (!h) return t.skip();
        const src = `model n { input x: f32[3]; input t: f32[3]; y = x -> batchnorm(momentum: 0.8); output y }
train n { loss = mse(y, t); optimizer = sgd(lr: 0.5); batch = 4 }`;
        const s = await Session.create(compile(src).artifact!, h.device);
        const x = Float32Array.from([1, -2, 10, 3, 0, 12, 5, 2, 14, 7, 4, 8]);
        const target = new Float32Array(12);
        // Training mode: the loss is the mean of z² where z is x normalised by the batch's own
        // statistics, so with target 0 it is Σ var/(var+eps) / 3.
        const [mean, variance] = [[0, 0, 0], [0, 0, 0]];
        for (let f = 0; f < 3; f++) {
          for (let b = 0; b < 4; b++) mean[f]! += x[b * 3 + f]! / 4;
          for (let b = 0; b < 4; b++) variance[f]! += (x[b * 3 + f]! - mean[f]!) ** 2 / 4;
        }
        const loss = (await s.trainStep({ x, t: target }, { readLoss: true }))!;
        expect(loss).toBeCloseTo(variance.reduce((a, v) => a + v / (v + 1e-3), 0) / 3, 5);
        // Running statistics: Keras' update, moving = 0.8·moving + 0.2·batch (biased variance).
        const w = await s.weights();
        expect(relError(w.get('batchnorm_1.moving_mean')!, mean.map((m) => 0.2 * m))).toBeLessThan(1e-6);
        expect(relError(w.get('batchnorm_1.moving_variance')!, variance.map((v) => 0.8 + 0.2 * v))).toBeLessThan(1e-6);
        // Eval mode uses the running statistics and the (now trained) gamma and beta.
        const [gamma, beta, rm, rv] = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((n) => w.get(`batchnorm_1.${n}`)!);
        const out = (await s.run('forward', { x }, ['y'])).y!;
        const expected = Array.from(x, (v, i) => ((v - rm![i % 3]!) / Math.sqrt(rv![i % 3]! + 1e-3)) * gamma![i % 3]! + beta![i % 3]!);
        expect(relError(out, expected)).toBeLessThan(1e-5);
        s.dispose();
      });

      it(`a conv + dense network with batch norm follows the reference for ${STEPS} steps; a checkpoint keeps the running statistics`, async (t) => {
        const h = device();
        if (!h) return t.skip();
        const r = compile(CNN, { file: 'bn.dl' });
        expect(r.diagnostics).toEqual([]);
        const ref = new ReferenceRun(r);
        const s = await Session.create(r.artifact!, h.device);
        const data = batches(STEPS + 1, 5);
        for (let k = 0; k < STEPS; k++) {
          const gpu = (await s.trainStep(data[k]!, { readLoss: true }))!;
          const want = ref.trainStep(data[k]!);
          expect(Math.abs(gpu - want) / Math.abs(want), `step ${k + 1}`).toBeLessThan(1e-4);
        }
        const w = await s.weights();
        for (const name of RUNNING) expect(relError(w.get(name)!, ref.tensor(name)), name).toBeLessThan(1e-4);
        // The running statistics moved away from their initial zeros and ones.
        expect(Math.max(...w.get('batchnorm_1.moving_mean')!.map(Math.abs))).toBeGreaterThan(0.05);

        const probe = data[STEPS]!.x;
        const logits = (await s.run('forward', { x: probe }, ['logits'])).logits!;
        expect(relError(logits, ref.run('forward', { x: probe }).logits!.data)).toBeLessThan(1e-4);

        const path = join(mkdtempSync(join(tmpdir(), 'dlc-bn-')), 'bn.safetensors');
        await saveWeights(s, path);
        const saved = (await loadSafetensors(path)).tensors;
        for (const name of RUNNING) expect([...saved.get(name)!.data]).toEqual([...w.get(name)!]);
        const fresh = await Session.create(r.artifact!, h.device);
        await loadWeights(fresh, path);
        expect((await fresh.run('forward', { x: probe }, ['logits'])).logits!).toEqual(logits);
        for (const name of RUNNING) expect(await fresh.read(name)).toEqual(w.get(name));
        s.dispose();
        fresh.dispose();
      });
    });
  }
});
