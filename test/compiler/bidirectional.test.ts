// bidirectional(layer): Keras's Bidirectional wrapper lowered onto two copies of the recurrent layer
// (forward_* and backward_* weights), held to Keras's cells in float64, its gradients to finite
// differences, and its diagnostics.
import { describe, expect, it } from 'vitest';
import { isPrunedWeight } from '../../compiler/passes/prune-masks.ts';
import { Rng } from '../../runtime/random.ts';
import { compiles, errors } from '../helpers/compile-source.ts';
import { gradientMatchesDifferences } from '../helpers/gradient-check.ts';
import { kerasCells, type RecurrentKind } from '../helpers/keras-rnn.ts';
import { ReferenceRun } from '../helpers/reference.ts';

const B = 3;
const T = 5;
const F = 3;
const U = 4;

function program(layer: string, opts = 'optimizer = adam(lr: 0.01)'): string {
  return `
model seq {
  input x: f32[${T}, ${F}]
  input y: class[2]
  h = x -> ${layer}
  output h
  logits = h -> flatten -> dense(2)
  output logits
}
train seq {
  loss = cross_entropy(logits, y)
  ${opts}
  batch = ${B}
  seed = 7
}`;
}

function inputs(seed: number): { x: Float32Array; y: Int32Array } {
  const rng = new Rng(seed);
  return { x: Float32Array.from({ length: B * T * F }, () => rng.normal()), y: Int32Array.from({ length: B }, () => rng.int(2)) };
}

const MERGE: Record<string, (f: number[], b: number[]) => number[]> = {
  concat: (f, b) => [...f, ...b],
  sum: (f, b) => f.map((v, j) => v + b[j]!),
  mul: (f, b) => f.map((v, j) => v * b[j]!),
  ave: (f, b) => f.map((v, j) => (v + b[j]!) / 2),
};

/**
 * Keras's Bidirectional: the forward layer's outputs, and the backward copy's (go_backwards) flipped
 * back into time order when the sequence is returned, else its last output; merged per step.
 */
function kerasBidirectional(kind: RecurrentKind, x: Float32Array, weight: (n: string) => Float64Array, seqs: boolean, merge: string): number[] {
  const forward = kerasCells(kind, x, (n) => weight(`forward_${n}`), false, { B, T, F, U });
  const backward = kerasCells(kind, x, (n) => weight(`backward_${n}`), true, { B, T, F, U });
  const out: number[] = [];
  for (let b = 0; b < B; b++) {
    if (!seqs) { out.push(...MERGE[merge]!(forward[b]![T - 1]!, backward[b]![T - 1]!)); continue; }
    for (let t = 0; t < T; t++) out.push(...MERGE[merge]!(forward[b]![t]!, backward[b]![T - 1 - t]!));
  }
  return out;
}

describe('bidirectional follows Keras', () => {
  const cases: [RecurrentKind, boolean, string][] = [
    ['simple_rnn', false, 'concat'], ['simple_rnn', true, 'concat'], ['lstm', false, 'concat'], ['lstm', true, 'concat'],
    ['gru', false, 'concat'], ['gru', true, 'concat'], ['gru', true, 'sum'], ['lstm', true, 'mul'], ['gru', false, 'ave'],
  ];
  for (const [kind, seqs, merge] of cases) {
    it(`bidirectional(${kind}(return_sequences: ${seqs}), merge: ${merge}) matches Keras's cells`, () => {
      const ref = new ReferenceRun(compiles(program(`bidirectional(${kind}(${U}, return_sequences: ${seqs}), merge: ${merge})`)));
      const { x, y } = inputs(3);
      const h = ref.run('forward', { x, y }).h!;
      const width = merge === 'concat' ? 2 * U : U;
      expect(h.shape).toEqual(seqs ? [B, T, width] : [B, width]);
      const want = kerasBidirectional(kind, x, (n) => ref.tensor(`bidirectional_1.${n}`), seqs, merge);
      expect(want.length).toBe(h.data.length);
      want.forEach((v, i) => expect(Math.abs(h.data[i]! - v), `element ${i}`).toBeLessThan(1e-12));
      expect(Math.max(...want.map(Math.abs))).toBeGreaterThan(0.05);
    });
  }

  it('the two directions have their own weights, named forward_* and backward_*, with the wrapped layer\'s initialisers', () => {
    const r = compiles(program(`bidirectional(lstm(${U}))`));
    const params = Object.fromEntries(r.artifact!.manifest.params.filter((p) => p.name.startsWith('bidirectional_1.')).map((p) => [p.name, p]));
    expect(Object.keys(params).sort()).toEqual(['backward_bias', 'backward_kernel', 'backward_recurrent_kernel', 'forward_bias', 'forward_kernel', 'forward_recurrent_kernel'].map((n) => `bidirectional_1.${n}`));
    for (const dir of ['forward', 'backward']) {
      expect(params[`bidirectional_1.${dir}_kernel`]).toMatchObject({ shape: [F, 4 * U], init: { kind: 'glorot_uniform', fanIn: F, fanOut: 4 * U } });
      expect(params[`bidirectional_1.${dir}_recurrent_kernel`]).toMatchObject({ shape: [U, 4 * U], init: { kind: 'orthogonal', rows: U, cols: 4 * U } });
      expect(params[`bidirectional_1.${dir}_bias`]).toMatchObject({ shape: [4 * U], init: { kind: 'unit_forget_bias', units: U } });
    }
    const ref = new ReferenceRun(r);
    expect(ref.tensor('bidirectional_1.forward_kernel')).not.toEqual(ref.tensor('bidirectional_1.backward_kernel'));
    // Magnitude pruning takes both cells' kernels, as it takes one lstm's.
    expect(Object.keys(params).filter(isPrunedWeight).sort()).toEqual(['backward_kernel', 'backward_recurrent_kernel', 'forward_kernel', 'forward_recurrent_kernel'].map((n) => `bidirectional_1.${n}`));
  });

  // Keras's model.summary(): Bidirectional(GRU(32)) on 32 features, Bidirectional(LSTM(64)) on 28.
  for (const [layer, features, keras] of [['gru(32)', 32, 12672], ['lstm(64)', 28, 47616]] as const) {
    it(`bidirectional(${layer}) on ${features} features has Keras's ${keras} parameters`, () => {
      const src = `model m {\n  input x: f32[3, ${features}]\n  h = x -> bidirectional(${layer})\n  output h\n}`;
      const params = compiles(src).artifact!.manifest.params;
      expect(params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0)).toBe(keras);
    });
  }

  it('bidirectional(gru) is the hand-written concat of a forward and a go_backwards gru, initial weights included', () => {
    const { x, y } = inputs(5);
    const wrapped = new ReferenceRun(compiles(program(`bidirectional(gru(${U}))`))).run('forward', { x, y });
    const written = program(`gru(${U})`).replace(`h = x -> gru(${U})`, `h = concat(x -> gru(${U}), x -> gru(${U}, go_backwards: true))`);
    expect(written).toContain('concat(');
    const byHand = new ReferenceRun(compiles(written)).run('forward', { x, y });
    expect(Array.from(wrapped.h!.data)).toEqual(Array.from(byHand.h!.data));
    expect(Array.from(wrapped.logits!.data)).toEqual(Array.from(byHand.logits!.data));
  });

  it('a declared bidirectional layer is one set of weights wherever it is applied', () => {
    const src = `model m {\n  input x: f32[${T}, ${F}]\n  input z: f32[${T}, ${F}]\n  b = bidirectional(gru(${U}))\n  h = x -> b\n  k = z -> b\n  output h, k\n}`;
    const r = compiles(src);
    expect(r.artifact!.manifest.params.map((p) => p.name).sort()).toEqual(['backward_bias', 'backward_kernel', 'backward_recurrent_kernel', 'forward_bias', 'forward_kernel', 'forward_recurrent_kernel'].map((n) => `bidirectional_1.${n}`));
    const { x } = inputs(4);
    const out = new ReferenceRun(r).run('forward', { x, z: x });
    expect(Array.from(out.k!.data)).toEqual(Array.from(out.h!.data));
  });
});

describe('backpropagation through bidirectional', () => {
  // Every weight of both directions, through T = 5 steps, against central differences of the loss.
  for (const [layer, names] of [
    [`bidirectional(lstm(${U}, return_sequences: true))`, ['kernel', 'recurrent_kernel', 'bias']],
    [`bidirectional(gru(${U}), merge: mul)`, ['kernel', 'recurrent_kernel', 'bias']],
  ] as const) {
    it(`${layer}: every weight's gradient matches finite differences`, () => {
      const r = compiles(program(layer, 'optimizer = sgd(lr: 1)'));
      const { x, y } = inputs(11);
      for (const dir of ['forward', 'backward']) for (const n of names) gradientMatchesDifferences(r, `bidirectional_1.${dir}_${n}`, { x, y });
    });
  }
});

describe('bidirectional diagnostics', () => {
  const net = (layer: string): string => `
model m {
  input x: f32[5, 3]
  input y: class[2]
  logits = x -> ${layer} -> dense(2)
  output logits
}
train m {
  loss = cross_entropy(logits, y)
  optimizer = adam(lr: 0.01)
}`;

  it('a layer that is not recurrent', () => {
    expect(errors(net('bidirectional(dense(4))'))).toMatchInlineSnapshot(`
      "net.dl:5:31: error: bidirectional wraps a recurrent layer (lstm, gru or simple_rnn), e.g. bidirectional(lstm(64)); got dense, which is not a recurrent layer
       5 |   logits = x -> bidirectional(dense(4)) -> dense(2)
         |                               ^^^^^"
    `);
  });

  it('no layer, and a tensor where the layer goes', () => {
    expect(errors(net('bidirectional'))).toMatchInlineSnapshot(`
      "net.dl:5:17: error: bidirectional needs argument 'layer'
       5 |   logits = x -> bidirectional -> dense(2)
         |                 ^^^^^^^^^^^^^"
    `);
    expect(errors(net('bidirectional(x)'))).toMatchInlineSnapshot(`
      "net.dl:5:31: error: bidirectional wraps a recurrent layer (lstm, gru or simple_rnn), e.g. bidirectional(lstm(64)); got 'x', a tensor
       5 |   logits = x -> bidirectional(x) -> dense(2)
         |                               ^"
    `);
  });

  it('go_backwards inside, a merge mode Keras has but dlc not, and Keras\'s argument name', () => {
    expect(errors(net('bidirectional(gru(4, go_backwards: true))'))).toMatchInlineSnapshot(`
      "net.dl:5:17: error: bidirectional_1: the gru that bidirectional wraps reads forwards; bidirectional adds the backward copy itself, so go_backwards: true there would read backwards twice (Keras refuses it too)
       5 |   logits = x -> bidirectional(gru(4, go_backwards: true)) -> dense(2)
         |                 ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^"
    `);
    expect(errors(net('bidirectional(gru(4), merge: none)'))).toMatchInlineSnapshot(`
      "net.dl:5:46: error: argument 'merge' of bidirectional: unknown value 'none' (one of concat, sum, mul, ave)
       5 |   logits = x -> bidirectional(gru(4), merge: none) -> dense(2)
         |                                              ^^^^"
    `);
    expect(errors(net('bidirectional(gru(4), merge_mode: sum)'))).toMatchInlineSnapshot(`
      "net.dl:5:39: error: unknown argument 'merge_mode' for bidirectional; did you mean 'merge'?
       5 |   logits = x -> bidirectional(gru(4), merge_mode: sum) -> dense(2)
         |                                       ^^^^^^^^^^"
    `);
  });

  it('the wrapped layer\'s own arguments are checked as its own call checks them, and name: goes on the wrapper', () => {
    expect(errors(net('bidirectional(lstm(4, return_sequence: true))'))).toMatchInlineSnapshot(`
      "net.dl:5:39: error: unknown argument 'return_sequence' for lstm; did you mean 'return_sequences'?
       5 |   logits = x -> bidirectional(lstm(4, return_sequence: true)) -> dense(2)
         |                                       ^^^^^^^^^^^^^^^"
    `);
    expect(errors(net('bidirectional(lstm(4, name: "enc"))'))).toMatchInlineSnapshot(`
      "net.dl:5:31: error: give name: and trainable: to bidirectional, not to the lstm it wraps: its weights are named <bidirectional name>.forward_* and .backward_*
       5 |   logits = x -> bidirectional(lstm(4, name: "enc")) -> dense(2)
         |                               ^^^^^^^^^^^^^^^^^^^^"
    `);
  });

  it('bidirectional on a flat value says what the recurrent layer needs', () => {
    const src = net('bidirectional(lstm(4))').replace('f32[5, 3]', 'f32[15]');
    expect(errors(src)).toMatchInlineSnapshot(`
      "net.dl:5:17: error: bidirectional_1: lstm needs an input of shape [batch, time, features], got [batch, 15]; declare the input as e.g. f32[28, 28] (28 steps of 28 features) or reshape it
       5 |   logits = x -> bidirectional(lstm(4)) -> dense(2)
         |                 ^^^^^^^^^^^^^^^^^^^^^^"
    `);
  });
});
