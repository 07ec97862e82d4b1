// Test cases for every op of OP_TABLE (typed exhaustively: a new op without cases does not compile).
import type { OpKind } from '../../compiler/ir/ops/index.ts';
import type { Attrs, DType } from '../../compiler/ir/types.ts';
import { Rng } from '../../runtime/random.ts';

/** How to draw an input: normal values, positive values, values away from 0, or class labels. */
export type Draw = 'normal' | 'positive' | 'away0' | 'unit' | { labels: number };

export interface OpCase {
  shapes: number[][];
  attrs?: Attrs;
  draws?: Draw[];
}

const lab = (n: number): Draw => ({ labels: n });
// Shapes deliberately off the tile sizes: 1, primes, one past a power of two.
const UNARY: OpCase[] = [{ shapes: [[1]] }, { shapes: [[7, 13]] }, { shapes: [[3, 5, 67]] }, { shapes: [[129, 65]] }];
const BINARY: OpCase[] = [
  { shapes: [[1], [1]] },
  { shapes: [[7, 13], [7, 13]] },
  { shapes: [[5, 33], [33]] },
  { shapes: [[3, 1, 7], [1, 5, 1]] },
  { shapes: [[2, 65], []] },
];
const GRAD2 = (draw: Draw = 'away0'): OpCase[] => [
  { shapes: [[1], [1]], draws: [draw, 'normal'] },
  { shapes: [[7, 13], [7, 13]], draws: [draw, 'normal'] },
  { shapes: [[3, 67], [3, 67]], draws: [draw, 'normal'] },
];
const ROWS: OpCase[] = [{ shapes: [[1, 2]] }, { shapes: [[5, 10]] }, { shapes: [[67, 3]] }, { shapes: [[2, 3, 7]] }];
const ROWS2: OpCase[] = [{ shapes: [[1, 2], [1, 2]], draws: ['unit', 'normal'] }, { shapes: [[5, 10], [5, 10]], draws: ['unit', 'normal'] }, { shapes: [[67, 3], [67, 3]], draws: ['unit', 'normal'] }];
const LABELLED = (extra: number[][] = []): OpCase[] => [
  { shapes: [[1, 2], [1], ...extra.map(() => [1])], draws: ['normal', lab(2), 'normal'] },
  { shapes: [[5, 10], [5], ...extra.map(() => [5])], draws: ['normal', lab(10), 'normal'] },
  { shapes: [[130, 3], [130], ...extra.map(() => [130])], draws: ['normal', lab(3), 'normal'] },
];
const UPDATE = (states: number, attrs: Attrs): OpCase[] => [1, 67, 1000].map((n) => ({
  shapes: Array.from({ length: 2 + states }, () => [n]),
  attrs,
  draws: ['normal', 'normal', ...Array.from({ length: states }, (_, k) => (k === states - 1 ? 'positive' : 'normal') as Draw)],
}));

export const OP_CASES: { [K in OpKind]: OpCase[] } = {
  add: BINARY, sub: BINARY, mul: BINARY,
  div: BINARY.map((c) => ({ ...c, draws: ['normal', 'away0'] })),
  neg: UNARY, exp: UNARY,
  scale: UNARY.map((c) => ({ ...c, attrs: { factor: -0.37 } })),
  log: UNARY.map((c) => ({ ...c, draws: ['positive'] })),
  sqrt: UNARY.map((c) => ({ ...c, draws: ['positive'] })),
  square: UNARY, abs: UNARY.map((c) => ({ ...c, draws: ['away0'] })), sign: UNARY, ones_like: UNARY,
  relu: UNARY.map((c) => ({ ...c, draws: ['away0'] })),
  leaky_relu: UNARY.map((c) => ({ ...c, attrs: { alpha: 0.3 }, draws: ['away0'] })),
  sigmoid: UNARY, tanh: UNARY, gelu: UNARY,
  relu_bwd: GRAD2(), leaky_relu_bwd: GRAD2().map((c) => ({ ...c, attrs: { alpha: 0.2 } })),
  sigmoid_bwd: GRAD2('unit'), tanh_bwd: GRAD2('unit'), gelu_bwd: GRAD2('normal'),
  bce_logits: [{ shapes: [[1], [1]], draws: ['normal', 'unit'] }, { shapes: [[7, 13], [7, 13]], draws: ['normal', 'unit'] }, { shapes: [[65, 3], [65, 3]], draws: ['normal', 'unit'] }],
  bce_logits_bwd: [{ shapes: [[1], [1], [1]], draws: ['normal', 'unit', 'normal'] }, { shapes: [[7, 13], [7, 13], [7, 13]], draws: ['normal', 'unit', 'normal'] }, { shapes: [[65, 3], [65, 3], [65, 3]], draws: ['normal', 'unit', 'normal'] }],
  dropout: [{ shapes: [[1]], attrs: { rate: 0.5, salt: 1 } }, { shapes: [[7, 13]], attrs: { rate: 0.25, salt: 2 } }, { shapes: [[129, 65]], attrs: { rate: 0.6, salt: 3 } }],
  broadcast_to: [{ shapes: [[]], attrs: { shape: [7] } }, { shapes: [[13]], attrs: { shape: [7, 13] } }, { shapes: [[3, 1]], attrs: { shape: [2, 3, 65] } }],
  matmul: [
    { shapes: [[1, 1], [1, 1]] },
    { shapes: [[7, 13], [13, 5]] },
    { shapes: [[33, 70], [70, 65]] },
    { shapes: [[13, 7], [13, 5]], attrs: { transA: true } },
    { shapes: [[7, 13], [5, 13]], attrs: { transB: true } },
    { shapes: [[13, 37], [9, 13]], attrs: { transA: true, transB: true } },
    { shapes: [[130, 17], [17, 3]] },
  ],
  sum_to: [
    { shapes: [[7, 13]], attrs: { shape: [13] } },
    { shapes: [[7, 13]], attrs: { shape: [7, 1] } },
    { shapes: [[3, 5, 7]], attrs: { shape: [] } },
    { shapes: [[130]], attrs: { shape: [] } },
    { shapes: [[4, 3, 65]], attrs: { shape: [3, 1] } },
  ],
  reshape: [{ shapes: [[6]], attrs: { shape: [2, 3] } }, { shapes: [[7, 13]], attrs: { shape: [91] } }, { shapes: [[2, 3, 5]], attrs: { shape: [6, 5] } }],
  softmax: ROWS, log_softmax: ROWS, softmax_bwd: ROWS2,
  log_softmax_bwd: ROWS2.map((c) => ({ ...c, draws: ['normal', 'normal'] })),
  softmax_ce: LABELLED(), softmax_ce_bwd: LABELLED([[0]]), correct: LABELLED(),
  sgd: UPDATE(0, {}),
  momentum: [...UPDATE(1, { momentum: 0.9, nesterov: false }), ...UPDATE(1, { momentum: 0.8, nesterov: true })],
  adagrad: UPDATE(1, { eps: 1e-7 }),
  rmsprop: UPDATE(1, { rho: 0.9, eps: 1e-7 }),
  adam: [...UPDATE(2, { beta1: 0.9, beta2: 0.999, eps: 1e-7, weight_decay: 0, decoupled: false }),
    ...UPDATE(2, { beta1: 0.8, beta2: 0.99, eps: 1e-7, weight_decay: 0.01, decoupled: false }),
    ...UPDATE(2, { beta1: 0.9, beta2: 0.999, eps: 1e-7, weight_decay: 0.004, decoupled: true })],
  accumulate: [{ shapes: [[1], [1]] }, { shapes: [[1], [130]] }, { shapes: [[1], [7]] }],
};

/** The dtype an op case's input k has. */
export function dtypeOf(c: OpCase, k: number): DType {
  const d = c.draws?.[k];
  return typeof d === 'object' ? 'i32' : 'f32';
}

/** Draws input k of a case; values are f32-representable so GPU and reference see the same numbers. */
export function drawInput(c: OpCase, k: number, rng: Rng): Float64Array {
  const n = c.shapes[k]!.reduce((a, b) => a * b, 1);
  const d = c.draws?.[k] ?? 'normal';
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let v: number;
    if (typeof d === 'object') v = rng.int(d.labels);
    else if (d === 'positive') v = 0.1 + rng.next() * 2;
    else if (d === 'unit') v = 0.05 + rng.next() * 0.9;
    else if (d === 'away0') { const x = rng.normal(); v = Math.sign(x || 1) * (0.05 + Math.abs(x)); }
    else v = rng.normal();
    out[i] = Math.fround(v);
  }
  return out;
}

export function caseName(op: string, c: OpCase): string {
  const attrs = c.attrs ? ` ${JSON.stringify(c.attrs)}` : '';
  return `${op} ${c.shapes.map((s) => `[${s.join('x')}]`).join(' ')}${attrs}`;
}
