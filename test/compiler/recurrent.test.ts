// Recurrent layers (simple_rnn, lstm, gru): the unrolled graph against Keras's equations written out
// here in float64, backpropagation through time against finite differences, Keras's initialisers,
// and the diagnostics for a value that is not [time, features].
import { describe, expect, it } from 'vitest';
import { initialValues } from '../../runtime/init.ts';
import { Rng } from '../../runtime/random.ts';
import { compiles, errors } from '../helpers/compile-source.ts';
import { kerasCells, type RecurrentKind } from '../helpers/keras-rnn.ts';
import { ReferenceRun } from '../helpers/reference.ts';

const B = 3;
const T = 6;
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

/** Keras's cells at this file's sizes. */
const kerasRun = (kind: RecurrentKind, x: Float32Array, p: (n: string) => Float64Array, backwards: boolean): number[][][] =>
  kerasCells(kind, x, p, backwards, { B, T, F, U });

function inputs(seed: number): { x: Float32Array; y: Int32Array } {
  const rng = new Rng(seed);
  return { x: Float32Array.from({ length: B * T * F }, () => rng.normal()), y: Int32Array.from({ length: B }, () => rng.int(2)) };
}

describe('recurrent layers follow Keras', () => {
  for (const kind of ['simple_rnn', 'lstm', 'gru'] as const) {
    for (const [seqs, back] of [[false, false], [true, false], [true, true], [false, true]] as const) {
      it(`${kind}(return_sequences: ${seqs}, go_backwards: ${back}) matches its cell equations`, () => {
        const ref = new ReferenceRun(compiles(program(`${kind}(${U}, return_sequences: ${seqs}, go_backwards: ${back})`)));
        const { x, y } = inputs(3);
        const h = ref.run('forward', { x, y }).h!;
        const want = kerasRun(kind, x, (n) => ref.tensor(`${kind}_1.${n}`), back);
        expect(h.shape).toEqual(seqs ? [B, T, U] : [B, U]);
        const flat = want.flatMap((s) => (seqs ? s.flat() : s[T - 1]!));
        expect(flat.length).toBe(h.data.length);
        flat.forEach((v, i) => expect(Math.abs(h.data[i]! - v), `element ${i}`).toBeLessThan(1e-12));
        // Not a trivial output: the state moved away from zero.
        expect(Math.max(...flat.map(Math.abs))).toBeGreaterThan(0.05);
      });
    }
  }

  it('lstm starts from Keras initialisers: glorot kernel, orthogonal recurrent kernel, unit forget bias', () => {
    const r = compiles(program(`lstm(${U})`));
    const params = Object.fromEntries(r.artifact!.manifest.params.map((p) => [p.name, p]));
    expect(params['lstm_1.kernel']).toMatchObject({ shape: [F, 4 * U], init: { kind: 'glorot_uniform', fanIn: F, fanOut: 4 * U } });
    expect(params['lstm_1.recurrent_kernel']).toMatchObject({ shape: [U, 4 * U], init: { kind: 'orthogonal', rows: U, cols: 4 * U } });
    expect(params['lstm_1.bias']).toMatchObject({ shape: [4 * U], init: { kind: 'unit_forget_bias', units: U } });
    const bias = new ReferenceRun(r).tensor('lstm_1.bias');
    expect(Array.from(bias)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    const gru = Object.fromEntries(compiles(program(`gru(${U})`)).artifact!.manifest.params.map((p) => [p.name, p]));
    expect(gru['gru_1.bias']).toMatchObject({ shape: [2, 3 * U], init: { kind: 'zeros' } });
  });
});

describe('parameter counts', () => {
  // Keras's model.summary() for each layer with 64 units on 28 features.
  for (const [layer, keras] of [['simple_rnn', 5952], ['lstm', 23808], ['gru', 18048]] as const) {
    it(`${layer}(64) on 28 features has Keras's ${keras} parameters`, () => {
      const src = `model m {\n  input x: f32[3, 28]\n  h = x -> ${layer}(64)\n  output h\n}`;
      const params = compiles(src).artifact!.manifest.params.filter((p) => p.name.startsWith(`${layer}_1.`));
      expect(params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0)).toBe(keras);
    });
  }
});

describe('orthogonal initialiser', () => {
  for (const [rows, cols] of [[4, 16], [7, 7], [9, 5], [1, 3]] as const) {
    it(`${rows}×${cols} has orthonormal ${rows < cols ? 'rows' : 'columns'} and is seeded`, () => {
      const q = initialValues({ kind: 'orthogonal', rows, cols }, rows * cols, new Rng(5));
      const n = Math.min(rows, cols);
      // Gram matrix of the shorter side's vectors: the identity.
      for (let a = 0; a < n; a++) {
        for (let b = 0; b < n; b++) {
          let s = 0;
          for (let k = 0; k < Math.max(rows, cols); k++) s += rows < cols ? q[a * cols + k]! * q[b * cols + k]! : q[k * cols + a]! * q[k * cols + b]!;
          expect(Math.abs(s - (a === b ? 1 : 0)), `(${a}, ${b})`).toBeLessThan(1e-5);
        }
      }
      expect(initialValues({ kind: 'orthogonal', rows, cols }, rows * cols, new Rng(5))).toEqual(q);
      expect(initialValues({ kind: 'orthogonal', rows, cols }, rows * cols, new Rng(6))).not.toEqual(q);
    });
  }
});

describe('backpropagation through time', () => {
  // One SGD step with lr 1 moves each parameter by minus its gradient; that gradient must match
  // central differences of the eval loss through all T = 6 steps of the recurrence.
  for (const kind of ['simple_rnn', 'lstm', 'gru'] as const) {
    it(`${kind}: every parameter's gradient matches finite differences over ${T} steps`, () => {
      const src = program(`${kind}(${U}, return_sequences: true)`, 'optimizer = sgd(lr: 1)');
      const r = compiles(src);
      const { x, y } = inputs(11);
      const probe = new ReferenceRun(r);
      const g = probe.graph;
      const evalLoss = (): number => {
        const rows = probe.run('eval', { x, y }).loss_rows!.data;
        return rows.reduce((a, b) => a + b, 0) / rows.length;
      };
      const names = [`${kind}_1.kernel`, `${kind}_1.recurrent_kernel`, `${kind}_1.bias`];
      const slots = names.map((n) => probe.env.get(g.params.find((p) => g.value(p.value).name === n)!.value)!);
      const before = slots.map((t) => Float64Array.from(t.data));
      const l0 = evalLoss();
      const eps = 1e-6;
      const fd = slots.map((t) => Array.from(t.data, (_, i) => {
        const v = t.data[i]!;
        t.data[i] = v + eps;
        const up = evalLoss();
        t.data[i] = v - eps;
        const down = evalLoss();
        t.data[i] = v;
        return (up - down) / (2 * eps);
      }));
      const trained = new ReferenceRun(r);
      expect(Math.abs(trained.trainStep({ x, y }) - l0)).toBeLessThan(1e-12);
      names.forEach((n, k) => {
        const grad = Array.from(trained.tensor(n), (after, i) => before[k]![i]! - after);
        const scale = Math.max(...fd[k]!.map(Math.abs));
        expect(scale, n).toBeGreaterThan(1e-4);
        grad.forEach((gv, i) => expect(Math.abs(gv - fd[k]![i]!), `${n}[${i}]`).toBeLessThan(1e-6 * Math.max(1, scale)));
      });
    });
  }
});

describe('recurrent layer diagnostics', () => {
  it('lstm on a flat value says what it got and what it needs', () => {
    const src = `
model m {
  input x: f32[784]
  input y: class[10]
  logits = x -> lstm(8) -> dense(10)
  output logits
}
train m {
  loss = cross_entropy(logits, y)
  optimizer = adam(lr: 0.01)
}`;
    expect(errors(src)).toMatchInlineSnapshot(`
      "net.dl:5:17: error: lstm_1: lstm needs an input of shape [batch, time, features], got [batch, 784]; declare the input as e.g. f32[28, 28] (28 steps of 28 features) or reshape it
       5 |   logits = x -> lstm(8) -> dense(10)
         |                 ^^^^^^^"
    `);
  });

  it('simple_rnn on an image says the same', () => {
    const src = `
model m {
  input x: f32[1, 28, 28]
  input y: class[10]
  logits = x -> simple_rnn(8) -> dense(10)
  output logits
}
train m {
  loss = cross_entropy(logits, y)
  optimizer = adam(lr: 0.01)
}`;
    expect(errors(src)).toMatchInlineSnapshot(`
      "net.dl:5:17: error: simple_rnn_1: simple_rnn needs an input of shape [batch, time, features], got [batch, 1, 28, 28]; declare the input as e.g. f32[28, 28] (28 steps of 28 features) or reshape it
       5 |   logits = x -> simple_rnn(8) -> dense(10)
         |                 ^^^^^^^^^^^^^"
    `);
  });

  it('a missing unit count is refused like any required argument', () => {
    const src = `
model m {
  input x: f32[5, 3]
  input y: class[2]
  logits = x -> gru -> dense(2)
  output logits
}
train m {
  loss = cross_entropy(logits, y)
  optimizer = adam(lr: 0.01)
}`;
    expect(errors(src)).toMatchInlineSnapshot(`
      "net.dl:5:17: error: gru needs argument 'units'
       5 |   logits = x -> gru -> dense(2)
         |                 ^^^"
    `);
  });
});
