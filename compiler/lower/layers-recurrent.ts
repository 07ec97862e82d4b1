// Recurrent layers over [batch, time, features] (Keras SimpleRNN, LSTM, GRU with reset_after).
// Recurrence is unrolled into the graph: one group of ops per time step, fused like any other ops,
// so autodiff gives backpropagation through time with no loop construct in the IR.
import { shapeStr } from '../ir/tensor.ts';
import type { ValueId } from '../ir/types.ts';
import { LayerError, WRAPPED_ARG, type LayerContext, type LayerDef } from './layers.ts';
import type { Hyper } from './values.ts';

const RECURRENT_HYPER = [
  { name: 'units', type: 'posint' as const },
  { name: 'return_sequences', type: 'bool' as const, default: false },
  { name: 'go_backwards', type: 'bool' as const, default: false },
];

/** The input as [batch, time, features], or a message saying what a recurrent layer expected. */
function sequence(cx: LayerContext, x: ValueId, layer: string): [number, number, number] {
  const s = cx.shape(x);
  if (s.length !== 3) {
    const got = shapeStr(['batch' as unknown as number, ...s.slice(1)]);
    throw new LayerError(`${layer} needs an input of shape [batch, time, features], got ${got}; declare the input as e.g. f32[28, 28] (28 steps of 28 features) or reshape it`);
  }
  return [s[0]!, s[1]!, s[2]!];
}

/** Columns [start, start + size) of a [rows, n] value. */
function columns(cx: LayerContext, v: ValueId, start: number, size: number): ValueId {
  return cx.op('slice', [v], { axis: 1, start, size });
}

/**
 * x·W + b for every time step in one matmul: [batch, time, features] → [batch, time, width]. The
 * per-step work is then only the recurrent matmul and the gates.
 */
function inputProjection(cx: LayerContext, x: ValueId, [B, T, F]: number[], kernel: ValueId, bias: ValueId, width: number): ValueId {
  const flat = cx.op('reshape', [x], { shape: [B! * T!, F!] });
  const xw = cx.op('add', [cx.op('matmul', [flat, kernel]), bias]);
  return cx.op('reshape', [xw], { shape: [B!, T!, width] });
}

/** Step t of a [batch, time, width] value as [batch, width]. */
function step(cx: LayerContext, xw: ValueId, t: number, B: number, width: number): ValueId {
  return cx.op('reshape', [cx.op('slice', [xw], { axis: 1, start: t, size: 1 })], { shape: [B, width] });
}

/**
 * Runs `cell` over the time steps (last to first with go_backwards) from a zero state, which the
 * cell sees as `undefined` at the first step; returns the last output or, with return_sequences,
 * every output stacked in the order processed (Keras's order, reversed in time when go_backwards)
 * or, with `timeOrder` (bidirectional's backward layer), in time order, as Keras flips it back.
 */
function unroll(cx: LayerContext, h: Record<string, Hyper>, B: number, T: number, units: number,
  cell: (t: number, state: ValueId[] | undefined) => ValueId[], timeOrder: boolean): ValueId {
  let state: ValueId[] | undefined;
  const outputs: ValueId[] = [];
  for (let k = 0; k < T; k++) {
    state = cell(h.go_backwards ? T - 1 - k : k, state);
    if (h.return_sequences) outputs.push(cx.op('reshape', [state[0]!], { shape: [B, 1, units] }));
  }
  if (!h.return_sequences) return state![0]!;
  if (timeOrder && h.go_backwards) outputs.reverse();
  return outputs.slice(1).reduce((acc, y) => cx.op('concat', [acc, y], { axis: 1 }), outputs[0]!);
}

/** Keras's kernel (glorot_uniform over [features, width]) and recurrent kernel (orthogonal over [units, width]). */
function kernels(cx: LayerContext, F: number, units: number, width: number): { kernel: ValueId; recurrent: ValueId } {
  return {
    kernel: cx.param('kernel', [F, width], { kind: 'glorot_uniform', fanIn: F, fanOut: width }, true),
    recurrent: cx.param('recurrent_kernel', [units, width], { kind: 'orthogonal', rows: units, cols: width }, true),
  };
}

/** Lowers one recurrent layer over x; `timeOrder`: a go_backwards sequence output comes back in time order. */
type RecurrentLowering = (cx: LayerContext, x: ValueId, h: Record<string, Hyper>, timeOrder: boolean) => ValueId;

const RECURRENT: Record<'simple_rnn' | 'lstm' | 'gru', { doc: string; lower: RecurrentLowering }> = {
  simple_rnn: {
    doc: 'Keras SimpleRNN over [batch, time, features]: h = tanh(x·W + h·U + b), from h = 0',
    lower(cx, x, h, timeOrder) {
      const [B, T, F] = sequence(cx, x, 'simple_rnn');
      const U = h.units as number;
      const { kernel, recurrent } = kernels(cx, F, U, U);
      const bias = cx.param('bias', [U], { kind: 'zeros' }, false);
      const xw = inputProjection(cx, x, [B, T, F], kernel, bias, U);
      return unroll(cx, h, B, T, U, (t, state) => {
        const xt = step(cx, xw, t, B, U);
        const z = state ? cx.op('add', [cx.op('matmul', [state[0]!, recurrent]), xt]) : xt;
        return [cx.op('tanh', [z])];
      }, timeOrder);
    },
  },
  lstm: {
    doc: 'Keras LSTM over [batch, time, features]: gates i, f, c, o in one kernel [features, 4·units]; unit forget bias',
    lower(cx, x, h, timeOrder) {
      const [B, T, F] = sequence(cx, x, 'lstm');
      const U = h.units as number;
      const { kernel, recurrent } = kernels(cx, F, U, 4 * U);
      const bias = cx.param('bias', [4 * U], { kind: 'unit_forget_bias', units: U }, false);
      const xw = inputProjection(cx, x, [B, T, F], kernel, bias, 4 * U);
      // state = [h, c]
      return unroll(cx, h, B, T, U, (t, state) => {
        const xt = step(cx, xw, t, B, 4 * U);
        const z = state ? cx.op('add', [cx.op('matmul', [state[0]!, recurrent]), xt]) : xt;
        const i = cx.op('sigmoid', [columns(cx, z, 0, U)]);
        const g = cx.op('tanh', [columns(cx, z, 2 * U, U)]);
        const o = cx.op('sigmoid', [columns(cx, z, 3 * U, U)]);
        let c = cx.op('mul', [i, g]);
        if (state) c = cx.op('add', [cx.op('mul', [cx.op('sigmoid', [columns(cx, z, U, U)]), state[1]!]), c]);
        return [cx.op('mul', [o, cx.op('tanh', [c])]), c];
      }, timeOrder);
    },
  },
  gru: {
    doc: 'Keras GRU (reset_after: true) over [batch, time, features]: gates z, r, h; bias [2, 3·units] (input, recurrent)',
    lower(cx, x, h, timeOrder) {
      const [B, T, F] = sequence(cx, x, 'gru');
      const U = h.units as number;
      const { kernel, recurrent } = kernels(cx, F, U, 3 * U);
      const bias = cx.param('bias', [2, 3 * U], { kind: 'zeros' }, false);
      const row = (r: number): ValueId => cx.op('reshape', [cx.op('slice', [bias], { axis: 0, start: r, size: 1 })], { shape: [3 * U] });
      const xw = inputProjection(cx, x, [B, T, F], kernel, row(0), 3 * U);
      const recurrentBias = row(1);
      return unroll(cx, h, B, T, U, (t, state) => {
        const xt = step(cx, xw, t, B, 3 * U);
        // h·U + b_rec; at the first step h = 0 leaves the recurrent bias alone (broadcast over the batch).
        const inner = state ? cx.op('add', [cx.op('matmul', [state[0]!, recurrent]), recurrentBias]) : recurrentBias;
        const part = (v: ValueId, k: number): ValueId => (state ? columns(cx, v, k * U, U)
          : cx.op('reshape', [cx.op('slice', [cx.op('reshape', [v], { shape: [1, 3 * U] })], { axis: 1, start: k * U, size: U })], { shape: [U] }));
        const zGate = cx.op('sigmoid', [cx.op('add', [columns(cx, xt, 0, U), part(inner, 0)])]);
        const rGate = cx.op('sigmoid', [cx.op('add', [columns(cx, xt, U, U), part(inner, 1)])]);
        const candidate = cx.op('tanh', [cx.op('add', [columns(cx, xt, 2 * U, U), cx.op('mul', [rGate, part(inner, 2)])])]);
        // h = z·h_prev + (1 − z)·candidate, written as candidate + z·(h_prev − candidate).
        const prev = state ? cx.op('sub', [state[0]!, candidate]) : cx.op('neg', [candidate]);
        return [cx.op('add', [candidate, cx.op('mul', [zGate, prev])])];
      }, timeOrder);
    },
  },
};

/** The layers `bidirectional` wraps. */
export const BIDIRECTIONAL_LAYERS: readonly (keyof typeof RECURRENT)[] = ['lstm', 'gru', 'simple_rnn'];

/** Keras Bidirectional's merge modes (its `None`, a pair of outputs, has no dlc form). */
const MERGE_MODES = ['concat', 'sum', 'mul', 'ave'] as const;

/** `cx` with every parameter named `<prefix><suffix>`: bidirectional's forward_kernel, backward_bias. */
function prefixed(cx: LayerContext, prefix: string): LayerContext {
  return { ...cx, param: (suffix, ...rest) => cx.param(`${prefix}${suffix}`, ...rest) };
}

function bidirectional(cx: LayerContext, x: ValueId, h: Record<string, Hyper>): ValueId {
  const type = h.layer as keyof typeof RECURRENT;
  const inner: Record<string, Hyper> = {};
  for (const spec of RECURRENT_HYPER) inner[spec.name] = h[`${WRAPPED_ARG}${spec.name}`]!;
  if (inner.go_backwards) {
    throw new LayerError(`the ${type} that bidirectional wraps reads forwards; bidirectional adds the backward copy itself, so go_backwards: true there would read backwards twice (Keras refuses it too)`);
  }
  const { lower } = RECURRENT[type];
  const forward = lower(prefixed(cx, 'forward_'), x, inner, false);
  // Keras flips the backward layer's sequence output back into time order before merging.
  const backward = lower(prefixed(cx, 'backward_'), x, { ...inner, go_backwards: true }, true);
  switch (h.merge as (typeof MERGE_MODES)[number]) {
    case 'concat': return cx.op('concat', [forward, backward], { axis: cx.shape(forward).length - 1 });
    case 'sum': return cx.op('add', [forward, backward]);
    case 'mul': return cx.op('mul', [forward, backward]);
    case 'ave': return cx.op('scale', [cx.op('add', [forward, backward])], { factor: 0.5 });
  }
}

export const RECURRENT_LAYERS: Record<string, LayerDef> = {
  ...Object.fromEntries(Object.entries(RECURRENT).map(([name, { doc, lower }]): [string, LayerDef] =>
    [name, { doc, inputs: 1, hyper: RECURRENT_HYPER, lower: (cx, [x], h) => lower(cx, x!, h, false) }])),
  bidirectional: {
    doc: 'Keras Bidirectional: the wrapped lstm, gru or simple_rnn reads the sequence forwards and a copy with its own weights backwards; their outputs merged by concat (default), sum, mul or ave',
    inputs: 1,
    wraps: BIDIRECTIONAL_LAYERS,
    hyper: [
      { name: 'layer', type: 'word', oneOf: BIDIRECTIONAL_LAYERS },
      { name: 'merge', type: 'word', default: 'concat', oneOf: MERGE_MODES },
    ],
    lower: (cx, [x], h) => bidirectional(cx, x!, h),
  },
};
