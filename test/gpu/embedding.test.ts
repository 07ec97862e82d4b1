// Token inputs on the GPU: a tiny text classifier (embedding -> mean over time -> dense) follows the
// float64 interpreter step by step, learns a task only the token ids decide, and refuses ids
// outside its vocabulary, on both adapters.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { exportInference } from '../../compiler/export.ts';
import { InferenceModel } from '../../runtime/inference.ts';
import { initialTensors } from '../../runtime/init.ts';
import { encodeSafetensors } from '../../runtime/safetensors.ts';
import { evaluate, fit, type Samples } from '../../runtime/fit.ts';
import { Rng } from '../../runtime/random.ts';
import { Session } from '../../runtime/session.ts';
import { ADAPTERS, relError, useDevice } from '../helpers/gpu.ts';
import { ReferenceRun } from '../helpers/reference.ts';

const [V, T] = [12, 6];
const src = `
model keyword {
  input text: tokens[${V}, ${T}]
  input label: class[3]
  logits = text -> embedding(8) -> global_avgpool1d -> dense(3)
  output logits
}
train keyword {
  loss = cross_entropy(logits, label)
  optimizer = adam(lr: 0.05)
  batch = 16
  epochs = 3
  metrics = [accuracy]
  seed = 3
}`;

/**
 * Sequences of filler ids (0 padding, 1 out of vocabulary, 6 to 11) with one keyword (3, 4 or 5) at
 * a random place; the label is which keyword. Nothing but the ids tells the classes apart.
 */
function keywordData(count: number, seed: number): Samples {
  const rng = new Rng(seed);
  const filler = [0, 1, 6, 7, 8, 9, 10, 11];
  const text = new Int32Array(count * T);
  const label = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    label[i] = rng.int(3);
    const at = rng.int(T);
    for (let t = 0; t < T; t++) text[i * T + t] = t === at ? 3 + label[i]! : filler[rng.int(filler.length)]!;
  }
  return { count, tensors: { text, label } };
}

describe('embedding on the GPU', () => {
  const r = compile(src, { file: 'keyword.dl' });
  const train = keywordData(320, 1);
  const heldOut = keywordData(160, 2);

  for (const adapter of ADAPTERS) {
    describe(adapter, () => {
      const device = useDevice(adapter);

      it('8 train steps follow the float64 interpreter (gather and scatter-add inside a whole step)', async (t) => {
        const h = device();
        if (!h) return t.skip();
        const ref = new ReferenceRun(r);
        const s = await Session.create(r.artifact!, h.device);
        try {
          for (let k = 0; k < 8; k++) {
            const b = { text: train.tensors.text!.slice(k * 16 * T, (k + 1) * 16 * T), label: train.tensors.label!.slice(k * 16, (k + 1) * 16) };
            const want = ref.trainStep(b);
            const got = (await s.trainStep(b, { readLoss: true }))!;
            expect(Math.abs(got - want) / want, `step ${k + 1}`).toBeLessThan(1e-4);
          }
          const table = await s.read('embedding_1.embeddings');
          const wantTable = ref.tensor('embedding_1.embeddings');
          let err = 0;
          table.forEach((v, i) => { err = Math.max(err, Math.abs(v - wantTable[i]!)); });
          expect(err).toBeLessThan(1e-4);
        } finally {
          s.dispose();
        }
      }, 600_000);

      it('learns the keyword task: held-out accuracy ≥ 95% after 3 epochs', async (t) => {
        const h = device();
        if (!h) return t.skip();
        const s = await Session.create(r.artifact!, h.device);
        try {
          const history = await fit(s, train, { epochs: 3 });
          const held = await evaluate(s, heldOut);
          expect(history[0]!.loss).toBeGreaterThan(history[2]!.loss);
          expect(held.accuracy).toBeGreaterThanOrEqual(0.95);
        } finally {
          s.dispose();
        }
      }, 600_000);

      it('an export (max batch 8) predicts 19 samples as the float64 forward pass, and refuses an id outside the vocabulary', async (t) => {
        const h = device();
        if (!h) return t.skip();
        const im = exportInference(src, { file: 'keyword.dl', maxBatch: 8 }).manifest!;
        expect(im.inputs.find((i) => i.name === 'text')).toMatchObject({ dtype: 'i32', shape: [T], vocab: V });
        const weights = initialTensors(r.artifact!.manifest.params, r.artifact!.manifest.train.seed);
        const model = await InferenceModel.create(h.device, { manifest: im, weights: encodeSafetensors(im.weights.map((w) => ({ name: w.name, dtype: 'F32' as const, shape: w.shape, data: weights.get(w.name)! }))) });
        try {
          const text = train.tensors.text!.slice(0, 19 * T);
          const got = (await model.predict({ text }, 19)).logits!;
          const ref = new ReferenceRun(r);
          const want = [...ref.run('forward', { text: text.slice(0, 16 * T) }).logits!.data, ...ref.run('forward', { text: train.tensors.text!.slice(16 * T, 32 * T) }).logits!.data.slice(0, 3 * 3)];
          expect(relError(got, want)).toBeLessThan(1e-5);
          const bad = text.slice();
          bad[17 * T + 1] = -1;
          await expect(model.predict({ text: bad }, 19)).rejects.toThrow(`input 'text': token id -1 of sample 17 (position 1) is out of range; the model takes ids 0 to ${V - 1}`);
        } finally {
          model.dispose();
        }
      }, 600_000);

      it('refuses a token id outside the vocabulary, naming the sample and position', async (t) => {
        const h = device();
        if (!h) return t.skip();
        const s = await Session.create(r.artifact!, h.device);
        try {
          const text = train.tensors.text!.slice(0, 16 * T);
          text[2 * T + 4] = V;
          await expect(s.run('forward', { text })).rejects.toThrow(`'text': token id ${V} of sample 2 (position 4) is out of range; the model takes ids 0 to ${V - 1}`);
        } finally {
          s.dispose();
        }
      }, 600_000);
    });
  }
});
