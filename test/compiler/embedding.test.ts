// Token inputs, embedding and the global poolings over time: shapes, Keras' initialisation and
// parameter count, forward values and gradients on the float64 interpreter, data readers, diagnostics.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { parseCsv } from '../../runtime/data/csv.ts';
import { arraysToSamples } from '../../runtime/data/arrays.ts';
import { initialTensors } from '../../runtime/init.ts';
import { compiles, errors } from '../helpers/compile-source.ts';
import { gradientMatchesDifferences } from '../helpers/gradient-check.ts';
import { ReferenceRun } from '../helpers/reference.ts';

const [V, T, D] = [7, 5, 9];
/** Batch 3 × 5 steps: id 0 (padding) three times, 3 and 6 repeated, rows 2 and 5 named by none. */
const IDS = Int32Array.from([0, 3, 3, 6, 1, 0, 1, 3, 4, 4, 6, 0, 6, 6, 1]);

const net = (layers: string, optimizer = 'adam(lr: 0.01)'): string => `
model textnet {
  input text: tokens[${V}, ${T}]
  input label: class[2]
  h = text -> ${layers}
  logits = dense(h, 2)
  output logits, h
}
train textnet {
  loss = cross_entropy(logits, label)
  optimizer = ${optimizer}
  batch = 3
  seed = 5
}`;

describe('tokens[V, T] and embedding', () => {
  it('a token input is i32 [batch, T] with its vocabulary in the manifest; embedding is [batch, T, dim] with V·dim weights', () => {
    const r = compiles(net(`embedding(${D}) -> global_avgpool1d`));
    const m = r.artifact!.manifest;
    expect(m.inputs.find((i) => i.name === 'text')).toMatchObject({ dtype: 'i32', shape: [3, T], vocab: V });
    expect(m.inputs.find((i) => i.name === 'label')!.vocab).toBeUndefined();
    const table = m.params.find((p) => p.name === 'embedding_1.embeddings')!;
    expect(table.shape).toEqual([V, D]);
    expect(table.init).toEqual({ kind: 'uniform', min: -0.05, max: 0.05 });
    expect(r.summary!.find((s) => s.type === 'embedding')).toMatchObject({ shape: [3, T, D], params: V * D });
    // Keras' RandomUniform(−0.05, 0.05): inside the range, and not constant.
    const w = initialTensors([table], 1).get(table.name)!;
    expect(Math.max(...w)).toBeLessThan(0.05);
    expect(Math.min(...w)).toBeGreaterThanOrEqual(-0.05);
    expect(Math.max(...w) - Math.min(...w)).toBeGreaterThan(0.05);
  });

  it('embedding rows, then their mean and maximum over time, on the float64 interpreter', () => {
    for (const pool of ['global_avgpool1d', 'global_maxpool1d'] as const) {
      const r = compiles(net(`embedding(${D}) -> ${pool}`));
      const ref = new ReferenceRun(r);
      const table = ref.tensor('embedding_1.embeddings');
      const out = ref.run('forward', { text: IDS });
      const pooled = out.h!;
      expect(pooled.shape).toEqual([3, D]);
      for (let b = 0; b < 3; b++) {
        for (let d = 0; d < D; d++) {
          const col = Array.from({ length: T }, (_, t) => table[IDS[b * T + t]! * D + d]!);
          const want = pool === 'global_avgpool1d' ? col.reduce((a, x) => a + x, 0) / T : Math.max(...col);
          expect(pooled.data[b * D + d]).toBeCloseTo(want, 12);
        }
      }
      expect(out.logits!.shape).toEqual([3, 2]);
    }
  });

  it('the table gradient (scatter-add through pooling, lstm and dense) matches central differences', () => {
    const inputs = { text: IDS, label: Int32Array.from([0, 1, 1]) };
    for (const layers of [`embedding(${D}) -> global_avgpool1d`, 'embedding(4) -> lstm(3)', 'embedding(4) -> gru(3, return_sequences: true) -> global_maxpool1d']) {
      gradientMatchesDifferences(compiles(net(layers, 'sgd(lr: 1)')), 'embedding_1.embeddings', inputs);
    }
  });

  it('rows of the table no id names get no gradient; a row named twice in one sample gets both', () => {
    const r = compiles(net(`embedding(${D}) -> global_avgpool1d`, 'sgd(lr: 1)'));
    const ref = new ReferenceRun(r);
    const before = ref.tensor('embedding_1.embeddings');
    ref.trainStep({ text: IDS, label: Int32Array.from([0, 1, 1]) });
    const after = ref.tensor('embedding_1.embeddings');
    const moved = (row: number): boolean => Array.from({ length: D }, (_, d) => before[row * D + d] !== after[row * D + d]).some(Boolean);
    expect([0, 1, 2, 3, 4, 5, 6].map(moved)).toEqual([true, true, false, true, true, false, true]);
  });

  it('CSV and array data fill a token input with Int32Array ids, and name the place of an id outside the vocabulary', () => {
    const m = compiles(net(`embedding(${D}) -> global_avgpool1d`)).artifact!.manifest;
    const csv = 't0,t1,t2,t3,t4,label\n2,3,0,0,0,1\n6,1,1,0,0,0\n';
    const s = parseCsv(csv, 'text.csv', m);
    expect(s.tensors.text).toBeInstanceOf(Int32Array);
    expect(Array.from(s.tensors.text!)).toEqual([2, 3, 0, 0, 0, 6, 1, 1, 0, 0]);
    expect(() => parseCsv('t0,t1,t2,t3,t4,label\n2,3,0,0,0,1\n6,1,7,0,0,0\n', 'text.csv', m)).toThrow(
      "text.csv:3: column 't2': token id 7 is out of range; text: tokens[7, 5] takes integers 0 to 6 (0 pads, 1 is out of vocabulary)");
    expect(() => parseCsv('t0,t1,t2,t3,t4,label\n2,3.5,0,0,0,1\n', 'text.csv', m)).toThrow("text.csv:2: column 't1': token id 3.5 is out of range");
    const x = { shape: [2, T], data: Float64Array.from([1, 2, 3, 4, 5, 6, 0, -1, 0, 0]), integer: true };
    expect(() => arraysToSamples(m, { array: x, file: 'x.npy' }, undefined)).toThrow('x.npy: sample 1, position 2: token id -1 is out of range; text: tokens[7, 5]');
    const ok = arraysToSamples(m, { array: { ...x, data: x.data.map(Math.abs) }, file: 'x.npy' }, undefined);
    expect(ok.tensors.text).toEqual(Int32Array.from([1, 2, 3, 4, 5, 6, 0, 1, 0, 0]));
  });
});

describe('diagnostics of token inputs and the sequence layers', () => {
  const model = (body: string): string => `model m {\n${body}\n  output y\n}\n`;

  it('tokens[] with the wrong dimensions', () => {
    expect(errors(model('  input t: tokens[100]\n  y = t -> embedding(4)'))).toMatchInlineSnapshot(`
      "net.dl:2:12: error: token inputs take two dimensions, the vocabulary size (at least 3: id 0 pads, id 1 is out of vocabulary) and the sequence length, e.g. tokens[10000, 200]; got tokens[100]
       2 |   input t: tokens[100]
         |            ^^^^^^"
    `);
    expect(errors(model('  input t: tokens[2, 10]\n  y = t -> embedding(4)'))).toMatchInlineSnapshot(`
      "net.dl:2:12: error: token inputs take two dimensions, the vocabulary size (at least 3: id 0 pads, id 1 is out of vocabulary) and the sequence length, e.g. tokens[10000, 200]; got tokens[2, 10]
       2 |   input t: tokens[2, 10]
         |            ^^^^^^"
    `);
    expect(errors(model('  input t: tokens[100, 10, 3]\n  y = t -> embedding(4)'))).toMatchInlineSnapshot(`
      "net.dl:2:12: error: token inputs take two dimensions, the vocabulary size (at least 3: id 0 pads, id 1 is out of vocabulary) and the sequence length, e.g. tokens[10000, 200]; got tokens[100, 10, 3]
       2 |   input t: tokens[100, 10, 3]
         |            ^^^^^^"
    `);
    expect(errors(model('  input t: token[100, 10]\n  y = t -> embedding(4)'))).toMatchInlineSnapshot(`
      "net.dl:2:12: error: unknown input type 'token'; did you mean 'tokens'? (f32[dims] for values, class[n] for class labels, tokens[vocab, length] for token ids)
       2 |   input t: token[100, 10]
         |            ^^^^^"
    `);
  });

  it('embedding on a non-token input, and token ids into another layer or arithmetic', () => {
    expect(errors(model('  input x: f32[10, 4]\n  y = x -> embedding(4)'))).toMatchInlineSnapshot(`
      "net.dl:3:12: error: embedding needs token ids (an input declared tokens[vocab, length]), got a float tensor of shape [batch, 10, 4]
       3 |   y = x -> embedding(4)
         |            ^^^^^^^^^^^^"
    `);
    expect(errors(model('  input c: class[4]\n  y = c -> embedding(4)'))).toMatchInlineSnapshot(`
      "net.dl:3:12: error: embedding needs token ids (an input declared tokens[vocab, length]), got class labels 'c'
       3 |   y = c -> embedding(4)
         |            ^^^^^^^^^^^^"
    `);
    expect(errors(model('  input t: tokens[100, 10]\n  y = t -> dense(4)'))).toMatchInlineSnapshot(`
      "net.dl:3:12: error: dense needs a float tensor, got token ids 't'; map them to vectors first: t -> embedding(dim) -> dense
       3 |   y = t -> dense(4)
         |            ^^^^^^^^"
    `);
    expect(errors(model('  input t: tokens[100, 10]\n  y = t * 2'))).toMatchInlineSnapshot(`
      "net.dl:3:7: error: cannot multiply token ids 't'; '*' needs float tensors
       3 |   y = t * 2
         |       ^^^^^"
    `);
    expect(errors(model('  input t: tokens[100, 10]\n  y = t -> embedding(4, mask_zero: true)'))).toMatchInlineSnapshot(`
      "net.dl:3:12: error: embedding_1: mask_zero: true is not taken: dlc passes the padding mask by name to the layers that read it, e.g. multi_head_attention(heads: 2, key_dim: 16, mask: text) and global_avgpool1d(mask: text), where text is the token input; leave mask_zero out
       3 |   y = t -> embedding(4, mask_zero: true)
         |            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^"
    `);
    expect(errors(model('  input t: tokens[100, 10]\n  y = t -> embedding()'))).toMatchInlineSnapshot(`
      "net.dl:3:12: error: embedding needs argument 'dim'
       3 |   y = t -> embedding()
         |            ^^^^^^^^^^^"
    `);
  });

  it('global poolings over time need a sequence; a token input is no loss target', () => {
    expect(errors(model('  input x: f32[10]\n  y = x -> global_avgpool1d'))).toMatchInlineSnapshot(`
      "net.dl:3:12: error: global_avgpool1d_1: global_avgpool1d needs a sequence of shape [batch, time, features], got [batch, 10]; e.g. the output of embedding, or of lstm/gru with return_sequences: true
       3 |   y = x -> global_avgpool1d
         |            ^^^^^^^^^^^^^^^^"
    `);
    expect(errors(model('  input x: f32[1, 10, 4]\n  y = x -> global_maxpool1d'))).toMatchInlineSnapshot(`
      "net.dl:3:12: error: global_maxpool1d_1: global_maxpool1d needs a sequence of shape [batch, time, features], got [batch, 1, 10, 4]; e.g. the output of embedding, or of lstm/gru with return_sequences: true
       3 |   y = x -> global_maxpool1d
         |            ^^^^^^^^^^^^^^^^"
    `);
    const loss = `model m {\n  input t: tokens[100, 2]\n  input x: f32[2]\n  y = dense(x, 2)\n  output y\n}\ntrain m {\n  loss = mse(y, t)\n}\n`;
    expect(errors(loss)).toMatchInlineSnapshot(`
      "net.dl:8:17: error: mse: 't' holds token ids (tokens[vocab, length]); a loss compares a prediction with class labels or float targets
       8 |   loss = mse(y, t)
         |                 ^"
    `);
  });

  it('compiles with tokens as a layer input only through embedding', () => {
    expect(compile(model('  input t: tokens[100, 10]\n  y = t -> embedding(4) -> lstm(3)'), { file: 'net.dl' }).ok).toBe(true);
  });
});
