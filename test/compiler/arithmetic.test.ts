// Arithmetic in the language: unary minus, a tensor with a number on either side, tensor division.
// Values are checked through the float64 interpreter against the formulas written out here; the
// structure (one fused kernel per expression) by kernel names; the mistakes by pinned diagnostics.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { Rng } from '../../runtime/random.ts';
import { ReferenceRun } from '../helpers/reference.ts';
import { compiles, errors } from '../helpers/compile-source.ts';

const B = 3;
const F = 5;

/** A model whose outputs are the given expressions of inputs x, y (f32[5]) and labels c. */
const program = (lines: Record<string, string>, train = 'loss = mse(o0, y); optimizer = sgd(lr: 0.1)') => `model m {
  input x: f32[${F}]
  input y: f32[${F}]
  input c: class[3]
${Object.entries(lines).map(([k, v]) => `  ${k} = ${v}`).join('\n')}
  output ${Object.keys(lines).join(', ')}
}
train m { ${train}; batch = ${B} }`;

const draw = (rng: Rng, away0 = false) => Float32Array.from({ length: B * F }, () => {
  const v = rng.normal();
  return away0 ? Math.sign(v || 1) * (0.25 + Math.abs(v)) : v;
});

describe('arithmetic with numbers, division and unary minus', () => {
  const cases: [string, (x: number, y: number) => number][] = [
    ['-y', (_x, y) => -y],
    ['0 - y', (_x, y) => -y],
    ['x + 1', (x) => x + 1],
    ['1.5 + x', (x) => 1.5 + x],
    ['x - 2', (x) => x - 2],
    ['1 - x', (x) => 1 - x],
    ['2 * x', (x) => 2 * x],
    ['x * -0.5', (x) => x * -0.5],
    ['x / 2', (x) => x / 2],
    ['x / 3', (x) => x / 3],
    ['1 / y', (_x, y) => 1 / y],
    ['-3 / y', (_x, y) => -3 / y],
    ['x / y', (x, y) => x / y],
    ['-x * y + 1 / (y * y) - 4 / 2', (x, y) => -x * y + 1 / (y * y) - 2],
    ['(x - 1) / (y + 10) * -2', (x, y) => ((x - 1) / (y + 10)) * -2],
  ];
  const lines = Object.fromEntries(cases.map(([e], k) => [`o${k}`, e]));
  const src = program(lines);

  it('evaluate to the float64 formulas', () => {
    const ref = new ReferenceRun(compiles(src));
    const rng = new Rng(3);
    const x = draw(rng);
    const y = draw(rng, true);
    const out = ref.run('forward', { x, y });
    cases.forEach(([e, f], k) => {
      const got = out[`o${k}`]!.data;
      for (let i = 0; i < B * F; i++) expect(Math.abs(got[i]! - f(x[i]!, y[i]!)), `${e} at ${i}`).toBeLessThan(1e-12 * Math.max(1, Math.abs(f(x[i]!, y[i]!))));
    });
  });

  it('are one element-wise kernel per expression: numbers fold into the fused tree', () => {
    const m = compiles(program({ o0: '-x * y + 1 / (y * y) - 4 / 2' })).artifact!.manifest;
    const names = m.programs.forward.kernels.map((k) => m.kernels[k]!.name);
    expect(names).toEqual(['neg+mul+mul+rdiv+add+shift']);
  });

  it('fold number-only expressions at compile time: 64 / 2 is the integer 32', () => {
    const r = compiles(program({ o0: 'x -> dense(64 / 2) -> dense(5)', o1: 'x * (1 - 3)' }));
    expect(r.summary!.find((s) => s.name === 'dense_1')!.shape).toEqual([B, 32]);
    expect(errors(program({ o0: 'x -> dense(5 / 2)' }))).toContain("argument 'units' of dense: expected a positive integer, got the number 2.5");
  });

  it('carry gradients: a parameter behind each form trains to the same values fused and unfused', () => {
    const net = `model m {
  input x: f32[4]
  input y: f32[2]
  h = x -> dense(6)
  z = -(1 / (h * h + 1)) + h / 3 - (2 - h) * 0.5
  p = (z / (h * h + 2)) -> dense(2)
  output p
}
train m { loss = mse(p, y); optimizer = sgd(lr: 0.05); batch = 4; seed = 1 }`;
    const [a, b] = [new ReferenceRun(compile(net, { fuse: false })), new ReferenceRun(compile(net))];
    const rng = new Rng(8);
    for (let step = 0; step < 3; step++) {
      const batch = { x: Float32Array.from({ length: 16 }, () => rng.normal()), y: Float32Array.from({ length: 8 }, () => rng.normal()) };
      const [la, lb] = [a.trainStep(batch), b.trainStep(batch)];
      expect(Math.abs(la - lb)).toBeLessThan(1e-12 * Math.abs(la));
    }
    const ka = a.tensor('dense_1.kernel');
    const kb = b.tensor('dense_1.kernel');
    ka.forEach((v, i) => expect(Math.abs(v - kb[i]!)).toBeLessThan(1e-12));
  });

  it('give the gradient of the formula: finite differences of the loss in one kernel weight', () => {
    const net = `model m {
  input x: f32[3]
  input y: f32[1]
  h = x -> dense(1, use_bias: false)
  p = -h / (h * h + 1) + 2 / (3 - h) - h * 0.25
  output p
}
train m { loss = mse(p, y); optimizer = sgd(lr: 1); batch = 1; seed = 4 }`;
    const f = (h: number): number => -h / (h * h + 1) + 2 / (3 - h) - h * 0.25;
    const r = compiles(net);
    const ref = new ReferenceRun(r);
    const w = ref.tensor('dense_1.kernel');
    const x = Float32Array.from([0.3, -0.7, 0.5]);
    const y = Float32Array.from([0.2]);
    const loss = (w0: number): number => {
      const h = w0 * x[0]! + w[1]! * x[1]! + w[2]! * x[2]!;
      return (f(h) - y[0]!) ** 2;
    };
    const eps = 1e-6;
    const fd = (loss(w[0]! + eps) - loss(w[0]! - eps)) / (2 * eps);
    expect(Math.abs(ref.trainStep({ x, y }) - loss(w[0]!))).toBeLessThan(1e-12);
    // sgd with lr 1: the weight moved by minus its gradient.
    expect(Math.abs(w[0]! - ref.tensor('dense_1.kernel')[0]! - fd)).toBeLessThan(1e-7 * Math.max(1, Math.abs(fd)));
  });
});

describe('arithmetic mistakes', () => {
  it('class labels cannot be negated or combined with a number', () => {
    expect(errors(program({ o0: '-c' }))).toBe(`net.dl:5:8: error: cannot negate class labels; '-' needs a float tensor
 5 |   o0 = -c
   |        ^^`);
    expect(errors(program({ o0: 'c + 1' }))).toBe(`net.dl:5:8: error: cannot add class labels; '+' needs float tensors
 5 |   o0 = c + 1
   |        ^^^^^`);
    expect(errors(program({ o0: '2 / c' }))).toBe(`net.dl:5:8: error: cannot divide class labels; '/' needs float tensors
 5 |   o0 = 2 / c
   |        ^^^^^`);
  });

  it('division by a zero number is refused where the zero is written', () => {
    expect(errors(program({ o0: 'x / (1 - 1)' }))).toBe(`net.dl:5:12: error: division by zero
 5 |   o0 = x / (1 - 1)
   |            ^^^^^^^`);
    expect(errors(program({ o0: 'x * (3 / 0)' }))).toContain('net.dl:5:17: error: division by zero');
    expect(errors(program({ o0: 'x / 1e-39' }))).toContain('error: cannot divide by 1e-39: its reciprocal is beyond the range of f32 numbers (±3.4e38)');
  });

  it('a number beyond f32 or a non-number operand names the operand', () => {
    expect(errors(program({ o0: 'x + 1e39' }))).toBe(`net.dl:5:12: error: the right operand of '+': 1e+39 is beyond the range of f32 numbers (±3.4e38)
 5 |   o0 = x + 1e39
   |            ^^^^`);
    expect(errors(program({ o0: '"a" - x' }))).toBe(`net.dl:5:8: error: expected a tensor, got the string "a"
 5 |   o0 = "a" - x
   |        ^^^`);
  });
});
