// multi_head_attention, positional_embedding and the padding mask (mask: token ids): Keras' weights and
// fans, forward values on the float64 interpreter against a direct computation of Keras' formula,
// every weight's gradient against central differences, and the diagnostics of shape mistakes.
import { describe, expect, it } from 'vitest';
import { exportInference } from '../../compiler/export.ts';
import { formatDiagnostics } from '../../dsl/diagnostics.ts';
import { compiles, errors } from '../helpers/compile-source.ts';
import { gradientMatchesDifferences } from '../helpers/gradient-check.ts';
import { ReferenceRun } from '../helpers/reference.ts';

const [V, T, E, H, D] = [7, 5, 6, 2, 3];
/** Batch 3 × 5 steps: padding (0) at the end of sample 0, inside sample 1, none in sample 2. */
const IDS = Int32Array.from([4, 2, 6, 0, 0, 3, 0, 5, 1, 0, 6, 6, 1, 2, 3]);
const LABELS = Int32Array.from([0, 1, 1]);

const net = (attention: string, pool = 'global_avgpool1d', optimizer = 'adam(lr: 0.01)'): string => `
model textnet {
  input text: tokens[${V}, ${T}]
  input label: class[2]
  e = text -> embedding(${E})
  x = e + positional_embedding(e)
  h = x -> ${attention}
  logits = h -> ${pool} -> dense(2)
  output logits, h, x
}
train textnet {
  loss = cross_entropy(logits, label)
  optimizer = ${optimizer}
  batch = 3
  seed = 5
}`;

/** Row-major x·W + b of x [rows, n] with W [n, m]. */
function affine(x: Float64Array, rows: number, W: Float64Array, b: Float64Array | undefined, n: number, m: number): Float64Array {
  const y = new Float64Array(rows * m);
  for (let r = 0; r < rows; r++) for (let j = 0; j < m; j++) {
    let s = b ? b[j]! : 0;
    for (let k = 0; k < n; k++) s += x[r * n + k]! * W[k * m + j]!;
    y[r * m + j] = s;
  }
  return y;
}

/**
 * Keras' MultiHeadAttention (self-attention) written out: projections [F, H, D] as [F, H·D], query
 * scaled by 1/√D, per (sample, head) softmax over the keys the mask keeps, output projection [H·D, F].
 */
function kerasAttention(ref: ReferenceRun, x: Float64Array, keep: (b: number, t: number, j: number) => boolean): Float64Array {
  const w = (n: string): Float64Array => ref.tensor(`multi_head_attention_1.${n}`);
  const rows = 3 * T;
  const q = affine(x, rows, w('query_kernel'), w('query_bias'), E, H * D).map((v) => v / Math.sqrt(D));
  const k = affine(x, rows, w('key_kernel'), w('key_bias'), E, H * D);
  const v = affine(x, rows, w('value_kernel'), w('value_bias'), E, H * D);
  const context = new Float64Array(rows * H * D);
  for (let b = 0; b < 3; b++) for (let h = 0; h < H; h++) for (let t = 0; t < T; t++) {
    const at = (m: Float64Array, s: number, d: number): number => m[((b * T + s) * H + h) * D + d]!;
    const kept = Array.from({ length: T }, (_, j) => keep(b, t, j));
    const scores = kept.map((on, j) => (on ? Array.from({ length: D }, (_, d) => at(q, t, d) * at(k, j, d)).reduce((a, c) => a + c, 0) : -Infinity));
    const mx = Math.max(...scores);
    const e = scores.map((s) => (s === -Infinity ? 0 : Math.exp(s - mx)));
    const sum = e.reduce((a, c) => a + c, 0);
    for (let d = 0; d < D; d++) context[((b * T + t) * H + h) * D + d] = sum === 0 ? 0 : e.reduce((a, p, j) => a + (p / sum) * at(v, j, d), 0);
  }
  return affine(context, rows, w('output_kernel'), w('output_bias'), H * D, E);
}

const close = (got: Float64Array, want: Float64Array): void => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 10);
};

describe('multi_head_attention and positional_embedding', () => {
  it("has Keras' weights: kernels [F, heads, key_dim] and [heads, key_dim, F] with Keras' glorot fans, zero biases, a glorot position table", () => {
    const r = compiles(net(`multi_head_attention(heads: ${H}, key_dim: ${D})`));
    const params = r.artifact!.manifest.params;
    const p = (n: string) => params.find((q) => q.name === n)!;
    for (const name of ['query', 'key', 'value']) {
      expect(p(`multi_head_attention_1.${name}_kernel`)).toMatchObject({ shape: [E, H, D], init: { kind: 'glorot_uniform', fanIn: E * H, fanOut: E * D } });
      expect(p(`multi_head_attention_1.${name}_bias`)).toMatchObject({ shape: [H, D], init: { kind: 'zeros' } });
    }
    expect(p('multi_head_attention_1.output_kernel')).toMatchObject({ shape: [H, D, E], init: { kind: 'glorot_uniform', fanIn: H * D, fanOut: H * E } });
    expect(p('multi_head_attention_1.output_bias')).toMatchObject({ shape: [E], init: { kind: 'zeros' } });
    expect(p('positional_embedding_1.embeddings')).toMatchObject({ shape: [T, E], init: { kind: 'glorot_uniform', fanIn: T, fanOut: E } });
    // Keras' count: 3·(F·H·D + H·D) + H·D·F + F.
    expect(r.summary!.find((s) => s.type === 'multi_head_attention')).toMatchObject({ shape: [3, T, E], params: 3 * (E * H * D + H * D) + H * D * E + E });
    expect(r.summary!.find((s) => s.type === 'positional_embedding')).toMatchObject({ shape: [3, T, E], params: T * E });
  });

  it('computes softmax(Q·Kᵀ/√key_dim)·V per head: unmasked, with the padding mask, causal, and both', () => {
    const cases: [string, (b: number, t: number, j: number) => boolean][] = [
      ['', () => true],
      [', mask: text', (b, _t, j) => IDS[b * T + j] !== 0],
      [', causal: true', (_b, t, j) => j <= t],
      [', causal: true, mask: text', (b, t, j) => j <= t && IDS[b * T + j] !== 0],
    ];
    for (const [args, keep] of cases) {
      const r = compiles(net(`multi_head_attention(heads: ${H}, key_dim: ${D}${args})`));
      const ref = new ReferenceRun(r);
      const out = ref.run('forward', { text: IDS });
      // x = embedding + the position table broadcast over the batch.
      const table = ref.tensor('embedding_1.embeddings');
      const pos = ref.tensor('positional_embedding_1.embeddings');
      const x = Float64Array.from({ length: 3 * T * E }, (_, i) => table[IDS[Math.floor(i / E)]! * E + (i % E)]! + pos[i % (T * E)]!);
      close(out.x!.data, x);
      close(out.h!.data, kerasAttention(ref, x, keep));
    }
  });

  it("a causal query whose keys are all padding gets zero weights (Keras: a uniform row over its padded keys)", () => {
    const ids = Int32Array.from([0, 0, 3, 4, 5, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5]);
    const r = compiles(net(`multi_head_attention(heads: ${H}, key_dim: ${D}, causal: true, mask: text)`));
    const ref = new ReferenceRun(r);
    const out = ref.run('forward', { text: ids });
    const bias = ref.tensor('multi_head_attention_1.output_bias');
    // Sample 0's first two queries and every query of sample 1: context 0, so the output is the bias.
    for (const row of [0, 1, 5, 6, 7, 8, 9]) close(out.h!.data.slice(row * E, (row + 1) * E), bias);
  });

  it('global_avgpool1d(mask: ids) averages the steps that are not padding (0 for a sample of padding only)', () => {
    const ids = Int32Array.from([4, 2, 6, 0, 0, 0, 0, 0, 0, 0, 6, 6, 1, 2, 3]);
    const src = net(`multi_head_attention(heads: ${H}, key_dim: ${D}, mask: text)`, 'global_avgpool1d(mask: text)');
    const ref = new ReferenceRun(compiles(src.replace('output logits, h, x', 'p = h -> global_avgpool1d(mask: text)\n  output logits, h, x, p')));
    const out = ref.run('forward', { text: ids });
    for (let b = 0; b < 3; b++) {
      const real = Array.from({ length: T }, (_, t) => t).filter((t) => ids[b * T + t] !== 0);
      const want = Float64Array.from({ length: E }, (_, f) => (real.length ? real.reduce((a, t) => a + out.h!.data[(b * T + t) * E + f]!, 0) / real.length : 0));
      close(out.p!.data.slice(b * E, (b + 1) * E), want);
    }
  });

  it('every weight of the block gets the gradient of central differences (masked, causal, pooled under the mask)', () => {
    const inputs = { text: IDS, label: LABELS };
    const attention = `multi_head_attention(heads: ${H}, key_dim: ${D}, causal: true, mask: text)`;
    const r = compiles(net(attention, 'global_avgpool1d(mask: text)', 'sgd(lr: 1)'));
    // Not the key bias: it shifts a query's scores by q·b for every key alike, which softmax ignores (its gradient is 0).
    for (const w of ['query_kernel', 'query_bias', 'key_kernel', 'value_kernel', 'value_bias', 'output_kernel', 'output_bias']) {
      gradientMatchesDifferences(r, `multi_head_attention_1.${w}`, inputs);
    }
    gradientMatchesDifferences(r, 'positional_embedding_1.embeddings', inputs);
    gradientMatchesDifferences(r, 'embedding_1.embeddings', inputs);
    // Unmasked (plain softmax) and a longer position table than the input (its rows past T get none).
    const plain = compiles(net(`multi_head_attention(heads: 1, key_dim: 4)`, 'global_avgpool1d', 'sgd(lr: 1)').replace('positional_embedding(e)', 'positional_embedding(e, sequence_length: 8)'));
    gradientMatchesDifferences(plain, 'multi_head_attention_1.key_kernel', inputs);
    gradientMatchesDifferences(plain, 'positional_embedding_1.embeddings', inputs);
  });
});

describe('diagnostics of the attention layers', () => {
  const model = (body: string): string => `model m {\n  input text: tokens[100, 10]\n  input other: tokens[100, 8]\n${body}\n  output y\n}\n`;

  it('a non-sequence input, a mask of the wrong length or kind, a mask on a declared layer or on a layer without one', () => {
    expect(errors(model('  input x: f32[10]\n  y = x -> multi_head_attention(heads: 2, key_dim: 4)'))).toMatchInlineSnapshot(`
      "net.dl:5:12: error: multi_head_attention_1: multi_head_attention needs a sequence of shape [batch, time, features], got [batch, 10]; e.g. the output of embedding, or of lstm/gru with return_sequences: true
       5 |   y = x -> multi_head_attention(heads: 2, key_dim: 4)
         |            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^"
    `);
    expect(errors(model('  y = text -> embedding(8) -> multi_head_attention(heads: 2, key_dim: 4, mask: other)'))).toMatchInlineSnapshot(`
      "net.dl:4:31: error: multi_head_attention_1: multi_head_attention's mask has 8 steps (token ids [batch, 8]) but its input has 10; pass the token input the sequence was embedded from
       4 |   y = text -> embedding(8) -> multi_head_attention(heads: 2, key_dim: 4, mask: other)
         |                               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^"
    `);
    expect(errors(model('  e = text -> embedding(8)\n  y = e -> multi_head_attention(heads: 2, key_dim: 4, mask: e)'))).toMatchInlineSnapshot(`
      "net.dl:5:61: error: argument 'mask' of multi_head_attention needs token ids (an input declared tokens[vocab, length]; id 0 is padding), got a float tensor of shape [batch, 10, 8]
       5 |   y = e -> multi_head_attention(heads: 2, key_dim: 4, mask: e)
         |                                                             ^"
    `);
    expect(errors(model('  att = multi_head_attention(heads: 2, key_dim: 4, mask: text)\n  y = text -> embedding(8) -> att'))).toMatchInlineSnapshot(`
      "net.dl:4:52: error: a declared multi_head_attention layer takes no mask: pass mask: where the layer is applied, multi_head_attention(x, …, mask: ids)
       4 |   att = multi_head_attention(heads: 2, key_dim: 4, mask: text)
         |                                                    ^^^^"
    `);
    expect(errors(model('  y = text -> embedding(8) -> global_maxpool1d(mask: text)'))).toMatchInlineSnapshot(`
      "net.dl:4:48: error: unknown argument 'mask' for global_maxpool1d (it takes no named arguments)
       4 |   y = text -> embedding(8) -> global_maxpool1d(mask: text)
         |                                                ^^^^"
    `);
    expect(errors(model('  y = text -> embedding(8) -> multi_head_attention(heads: 2, key_dim: 4, mask: text, mask: text)'))).toMatchInlineSnapshot(`
      "net.dl:4:86: error: argument 'mask' of multi_head_attention is given twice
       4 |   y = text -> embedding(8) -> multi_head_attention(heads: 2, key_dim: 4, mask: text, mask: text)
         |                                                                                      ^^^^^^^^^^"
    `);
    expect(errors(`${model('  y = text -> embedding(8) -> multi_head_attention(heads: 40000, key_dim: 1)')}train m {\n  loss = mse(y, y)\n  batch = 2\n}\n`)).toMatchInlineSnapshot(`
      "net.dl:4:31: error: multi_head_attention_1: multi_head_attention runs one attention product per sample and head, 2 × 40000 = 80000 here, more than 65,535 (WebGPU's workgroups along one axis); use fewer heads or a smaller batch
       4 |   y = text -> embedding(8) -> multi_head_attention(heads: 40000, key_dim: 1)
         |                               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^"
    `);
    expect(errors(model('  y = text -> embedding(8) -> multi_head_attention(heads: 2)'))).toMatchInlineSnapshot(`
      "net.dl:4:31: error: multi_head_attention needs argument 'key_dim'
       4 |   y = text -> embedding(8) -> multi_head_attention(heads: 2)
         |                               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^"
    `);
  });

  it('dlc export refuses attention with its line: a batch of per-sample products has no runtime-batch form yet', () => {
    const src = net(`multi_head_attention(heads: ${H}, key_dim: ${D}, mask: text)`);
    const r = exportInference(src, { file: 'net.dl', maxBatch: 4 });
    expect(r.ok).toBe(false);
    expect(formatDiagnostics(r.diagnostics, src).split('\n')[0]).toMatchInlineSnapshot(`"net.dl:7:12: error: matmul in multi_head_attention_1 cannot run on a batch chosen at run time: it multiplies by a per-sample matrix"`);
  });

  it('positional_embedding: a table shorter than the sequence, a non-sequence input', () => {
    expect(errors(model('  y = text -> embedding(8) -> positional_embedding(sequence_length: 6)'))).toMatchInlineSnapshot(`
      "net.dl:4:31: error: positional_embedding_1: positional_embedding's sequence_length 6 is shorter than its input's 10 steps; give at least 10, or leave it out (the input's length)
       4 |   y = text -> embedding(8) -> positional_embedding(sequence_length: 6)
         |                               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^"
    `);
    expect(errors(model('  input x: f32[10]\n  y = x -> positional_embedding'))).toMatchInlineSnapshot(`
      "net.dl:5:12: error: positional_embedding_1: positional_embedding needs a sequence of shape [batch, time, features], got [batch, 10]; e.g. the output of embedding, or of lstm/gru with return_sequences: true
       5 |   y = x -> positional_embedding
         |            ^^^^^^^^^^^^^^^^^^^^"
    `);
  });
});
