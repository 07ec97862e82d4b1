// Attention on the GPU: an encoder block (embedding + positions, masked multi-head self-attention,
// residuals, layer norms, a masked mean over time) follows the float64 interpreter through Adam
// steps on both adapters, unmasked-causal and padding-masked.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { Rng } from '../../runtime/random.ts';
import { Session } from '../../runtime/session.ts';
import { ADAPTERS, useDevice } from '../helpers/gpu.ts';
import { ReferenceRun } from '../helpers/reference.ts';

// Odd sizes: 7 steps, 6 features, 3 heads of 5, batch 5.
const [V, T, B] = [9, 7, 5];
const source = (attention: string, pool: string): string => `
model encoder {
  input text: tokens[${V}, ${T}]
  input label: class[2]
  e = text -> embedding(6)
  x = e + positional_embedding(e)
  a = x -> ${attention}
  h = layernorm(x + a, epsilon: 1e-6)
  f = h -> dense(11, activation: relu) -> dense(6)
  logits = layernorm(h + f, epsilon: 1e-6) -> ${pool} -> dense(2)
  output logits
}
train encoder {
  loss = cross_entropy(logits, label)
  optimizer = adam(lr: 0.02)
  batch = ${B}
  seed = 4
}`;

/** Token ids padded at the end (lengths 0 to T: one sample of padding only now and then). */
function batchOf(rng: Rng): { text: Int32Array; label: Int32Array } {
  const text = new Int32Array(B * T);
  const label = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const length = rng.int(T + 1);
    for (let t = 0; t < length; t++) text[b * T + t] = 1 + rng.int(V - 1);
    label[b] = rng.int(2);
  }
  return { text, label };
}

const CASES = [
  ['padding mask', 'multi_head_attention(heads: 3, key_dim: 5, mask: text)', 'global_avgpool1d(mask: text)'],
  ['causal, no mask', 'multi_head_attention(heads: 3, key_dim: 5, causal: true)', 'global_avgpool1d'],
] as const;

describe('multi-head attention on the GPU', () => {
  for (const adapter of ADAPTERS) {
    describe(adapter, () => {
      const device = useDevice(adapter);
      for (const [label, attention, pool] of CASES) {
        it(`${label}: 8 Adam steps follow the float64 interpreter`, async (t) => {
          const h = device();
          if (!h) return t.skip();
          const r = compile(source(attention, pool), { file: 'encoder.dl' });
          expect(r.ok).toBe(true);
          const ref = new ReferenceRun(r);
          const s = await Session.create(r.artifact!, h.device);
          try {
            const rng = new Rng(17);
            for (let k = 0; k < 8; k++) {
              const batch = batchOf(rng);
              const want = ref.trainStep(batch);
              const got = (await s.trainStep(batch, { readLoss: true }))!;
              expect(Math.abs(got - want) / want, `step ${k + 1}`).toBeLessThan(1e-4);
            }
            for (const w of ['multi_head_attention_1.query_kernel', 'multi_head_attention_1.output_kernel', 'positional_embedding_1.embeddings']) {
              const got = await s.read(w);
              const want = ref.tensor(w);
              let err = 0;
              got.forEach((v, i) => { err = Math.max(err, Math.abs(v - want[i]!)); });
              expect(err, w).toBeLessThan(1e-4);
            }
          } finally {
            s.dispose();
          }
        }, 600_000);
      }
    });
  }
});
