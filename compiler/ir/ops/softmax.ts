// Ops over the last axis: softmax, log-softmax, softmax cross-entropy, argmax correctness (against labels or one-hot targets)
// and Keras' class weights of a batch's targets.
import { grid, type KernelBody, type KernelIO, type RowKind } from '../kernel-spec.ts';
import { numel, sameShape, shapeStr, tensor, type Tensor } from '../tensor.ts';
import type { Attrs } from '../types.ts';
import { ShapeError, type KernelRow, type TensorType } from './def.ts';

/** Rows per workgroup: one invocation walks one row. */
const WG = 64;

function rowsKernel(row: RowKind) {
  return (io: KernelIO): KernelBody => {
    const x = io.inputs[0]!;
    const C = x.shape[x.shape.length - 1]!;
    const rows = numel(x.shape) / C;
    return { template: { kind: 'rows', row, inputs: io.inputs.map((i) => i.name), out: io.output!.name, C, rows, wg: WG }, workgroups: grid(Math.ceil(rows / WG)) };
  };
}

function rowsOf(x: Tensor): { C: number; R: number } {
  const C = x.shape[x.shape.length - 1]!;
  return { C, R: x.data.length / C };
}

function logSumExp(x: Float64Array, base: number, C: number): { mx: number; lse: number } {
  let mx = -Infinity;
  for (let j = 0; j < C; j++) mx = Math.max(mx, x[base + j]!);
  let s = 0;
  for (let j = 0; j < C; j++) s += Math.exp(x[base + j]! - mx);
  return { mx, lse: mx + Math.log(s) };
}

const sameAsFirst = (ins: TensorType[]): TensorType => {
  if (ins[0]!.shape.length < 1) throw new ShapeError('needs at least one axis');
  for (const t of ins.slice(1)) if (!sameShape(t.shape, ins[0]!.shape)) throw new ShapeError(`shapes differ: ${shapeStr(ins[0]!.shape)} and ${shapeStr(t.shape)}`);
  return { shape: [...ins[0]!.shape], dtype: 'f32' };
};

/** logits [..., C] with labels [...] (i32 class indices) → one value per row. */
const perRow = (ins: TensorType[]): TensorType => {
  const [x, l] = ins;
  const lead = x!.shape.slice(0, -1);
  if (x!.shape.length < 2 || !sameShape(lead, l!.shape)) throw new ShapeError(`expected logits [rows, classes] and labels [rows], got ${shapeStr(x!.shape)} and ${shapeStr(l!.shape)}`);
  return { shape: lead, dtype: 'f32' };
};

/**
 * Keras' class_weight_to_sample_weights: the weight of each row's class, 1 for a class outside the
 * list. Labels [R] are their class; a target row [R, C] its argmax (first maximum) when C > 1, its
 * value rounded half to even (numpy's and WGSL's round) when C = 1.
 */
function classWeightKernel(row: 'class_weight' | 'class_weight_target') {
  return (io: KernelIO): KernelBody => {
    const t = io.inputs[0]!;
    const rows = io.output!.shape.reduce((a, b) => a * b, 1);
    const C = numel(t.shape) / rows;
    const weights = io.attrs.weights as number[];
    return { template: { kind: 'rows', row, inputs: [t.name], out: io.output!.name, C, rows, wg: WG, weights: [...weights] }, workgroups: grid(Math.ceil(rows / WG)) };
  };
}

/** x rounded to the nearest integer, halves to the even one (numpy's round, WGSL's round). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const weightOf = (weights: number[], k: number): number => (Number.isInteger(k) && k >= 0 && k < weights.length ? weights[k]! : 1);

const checkWeights = (attrs: Attrs): number[] => {
  const w = attrs.weights;
  if (!Array.isArray(w) || w.length === 0 || !w.every((v) => typeof v === 'number' && Number.isFinite(v))) throw new ShapeError('class weights must be a non-empty list of finite numbers');
  return w as number[];
};

/** masked_softmax's inputs: scores [samples, …, T, S] and optional token ids [samples, S] of the keys. */
const maskedShape = (ins: TensorType[]): TensorType => {
  const [x, ids] = ins;
  const s = x!.shape;
  if (s.length < 3) throw new ShapeError(`masked softmax needs scores [samples, …, queries, keys], got ${shapeStr(s)}`);
  if (ids && (ids.shape.length !== 2 || ids.shape[0] !== s[0] || ids.shape[1] !== s[s.length - 1])) {
    throw new ShapeError(`masked softmax over scores ${shapeStr(s)} needs the keys' token ids as [${s[0]}, ${s[s.length - 1]}], got ${shapeStr(ids.shape)}`);
  }
  return { shape: [...s], dtype: 'f32' };
};

/** Whether masked_softmax keeps key j for query t of sample b: not a padding id (0), and with `causal` not after t. */
function keeps(ids: Tensor | undefined, causal: boolean, b: number, t: number, j: number): boolean {
  if (causal && j > t) return false;
  return !ids || ids.data[b * ids.shape[1]! + j] !== 0;
}

function maskedSoftmaxKernel(io: KernelIO): KernelBody {
  const x = io.inputs[0]!;
  const [T, C] = x.shape.slice(-2) as [number, number];
  const rows = numel(x.shape) / C;
  const mask = { T, perSample: rows / x.shape[0]!, ids: io.inputs.length > 1, causal: io.attrs.causal === true };
  return { template: { kind: 'rows', row: 'masked_softmax', inputs: io.inputs.map((i) => i.name), out: io.output!.name, C, rows, wg: WG, mask }, workgroups: grid(Math.ceil(rows / WG)) };
}

const rowOp = (kind: RowKind, doc: string, arity: number, shape: KernelRow['shape'], reference: KernelRow['reference'], intInputs?: number[]): KernelRow =>
  ({ kind: 'kernel', doc, arity, shape, reference, kernel: rowsKernel(kind), ...(intInputs ? { intInputs } : {}) });

export const SOFTMAX_OPS = {
  softmax: rowOp('softmax', 'softmax over the last axis', 1, sameAsFirst, ([x]) => {
    const y = tensor(x!.shape);
    const { C, R } = rowsOf(x!);
    for (let r = 0; r < R; r++) {
      const { lse } = logSumExp(x!.data, r * C, C);
      for (let j = 0; j < C; j++) y.data[r * C + j] = Math.exp(x!.data[r * C + j]! - lse);
    }
    return y;
  }),
  // Keras' Softmax with a mask adds −1e9 to masked scores, which vanish in f32: here they are 0
  // exactly. A row with every key masked is all zeros (Keras: equal scores, a uniform row), so the
  // op is a function its gradient (softmax's rule) describes.
  masked_softmax: {
    kind: 'kernel', doc: 'softmax over the last axis of attention scores [samples, …, T, S] with masked keys at 0 (padding ids, causal); a fully masked row is 0', arity: 1, variadic: true, intInputs: [1],
    shape: maskedShape,
    reference: ([x, ids], attrs) => {
      const y = tensor(x!.shape);
      const { C, R } = rowsOf(x!);
      const T = x!.shape[x!.shape.length - 2]!;
      const perSample = R / x!.shape[0]!;
      const causal = attrs.causal === true;
      for (let r = 0; r < R; r++) {
        const [b, t, base] = [Math.floor(r / perSample), r % T, r * C];
        const kept = Array.from({ length: C }, (_, j) => keeps(ids, causal, b, t, j));
        if (!kept.includes(true)) continue;
        let mx = -Infinity;
        for (let j = 0; j < C; j++) if (kept[j]) mx = Math.max(mx, x!.data[base + j]!);
        let s = 0;
        for (let j = 0; j < C; j++) if (kept[j]) s += Math.exp(x!.data[base + j]! - mx);
        for (let j = 0; j < C; j++) y.data[base + j] = kept[j] ? Math.exp(x!.data[base + j]! - mx) / s : 0;
      }
      return y;
    },
    kernel: maskedSoftmaxKernel,
  },
  log_softmax: rowOp('log_softmax', 'log-softmax over the last axis', 1, sameAsFirst, ([x]) => {
    const y = tensor(x!.shape);
    const { C, R } = rowsOf(x!);
    for (let r = 0; r < R; r++) {
      const { lse } = logSumExp(x!.data, r * C, C);
      for (let j = 0; j < C; j++) y.data[r * C + j] = x!.data[r * C + j]! - lse;
    }
    return y;
  }),
  softmax_bwd: rowOp('softmax_bwd', 'y·(g − Σ g·y), y = softmax(x)', 2, sameAsFirst, ([y, g]) => {
    const o = tensor(y!.shape);
    const { C, R } = rowsOf(y!);
    for (let r = 0; r < R; r++) {
      let d = 0;
      for (let j = 0; j < C; j++) d += y!.data[r * C + j]! * g!.data[r * C + j]!;
      for (let j = 0; j < C; j++) o.data[r * C + j] = y!.data[r * C + j]! * (g!.data[r * C + j]! - d);
    }
    return o;
  }),
  log_softmax_bwd: rowOp('log_softmax_bwd', 'g − e^y·Σ g, y = log_softmax(x)', 2, sameAsFirst, ([y, g]) => {
    const o = tensor(y!.shape);
    const { C, R } = rowsOf(y!);
    for (let r = 0; r < R; r++) {
      let d = 0;
      for (let j = 0; j < C; j++) d += g!.data[r * C + j]!;
      for (let j = 0; j < C; j++) o.data[r * C + j] = g!.data[r * C + j]! - Math.exp(y!.data[r * C + j]!) * d;
    }
    return o;
  }),
  softmax_ce: rowOp('softmax_ce', 'per-row cross-entropy of softmax(logits) against class labels', 2, perRow, ([x, l]) => {
    const { C, R } = rowsOf(x!);
    const o = tensor([R]);
    for (let r = 0; r < R; r++) o.data[r] = logSumExp(x!.data, r * C, C).lse - x!.data[r * C + l!.data[r]!]!;
    return o;
  }, [1]),
  softmax_ce_bwd: rowOp('softmax_ce_bwd', 'g_row · (softmax(logits) − onehot(label))', 3, (ins) => {
    perRow(ins);
    if (!sameShape(ins[2]!.shape, ins[1]!.shape)) throw new ShapeError(`row gradient ${shapeStr(ins[2]!.shape)} does not match labels ${shapeStr(ins[1]!.shape)}`);
    return { shape: [...ins[0]!.shape], dtype: 'f32' };
  }, ([x, l, g]) => {
    const o = tensor(x!.shape);
    const { C, R } = rowsOf(x!);
    for (let r = 0; r < R; r++) {
      const { lse } = logSumExp(x!.data, r * C, C);
      for (let j = 0; j < C; j++) o.data[r * C + j] = g!.data[r]! * (Math.exp(x!.data[r * C + j]! - lse) - (j === l!.data[r] ? 1 : 0));
    }
    return o;
  }, [1]),
  correct: rowOp('correct', '1 where argmax(logits) equals the label (first maximum wins), else 0', 2, perRow, ([x, l]) => {
    const { C, R } = rowsOf(x!);
    const o = tensor([R]);
    for (let r = 0; r < R; r++) {
      let best = 0;
      for (let j = 1; j < C; j++) if (x!.data[r * C + j]! > x!.data[r * C + best]!) best = j;
      o.data[r] = best === l!.data[r] ? 1 : 0;
    }
    return o;
  }, [1]),
  // Keras' categorical_accuracy: argmax(y_true) == argmax(y_pred), for one-hot (or any) targets.
  correct_onehot: rowOp('correct_onehot', '1 where argmax(logits) equals argmax(target) (first maximum wins in each), else 0', 2, (ins) => {
    sameAsFirst(ins);
    if (ins[0]!.shape.length < 2) throw new ShapeError(`expected logits [rows, classes], got ${shapeStr(ins[0]!.shape)}`);
    return { shape: ins[0]!.shape.slice(0, -1), dtype: 'f32' };
  }, ([x, t]) => {
    const { C, R } = rowsOf(x!);
    const o = tensor([R]);
    const argmax = (v: Float64Array, base: number): number => {
      let best = 0;
      for (let j = 1; j < C; j++) if (v[base + j]! > v[base + best]!) best = j;
      return best;
    };
    for (let r = 0; r < R; r++) o.data[r] = argmax(x!.data, r * C) === argmax(t!.data, r * C) ? 1 : 0;
    return o;
  }),
  class_weight: {
    kind: 'kernel', doc: 'the class weight of each label (1 for a class outside attrs.weights)', arity: 1, intInputs: [0],
    shape: ([l], attrs) => {
      checkWeights(attrs);
      if (l!.shape.length !== 1) throw new ShapeError(`expected labels [rows], got ${shapeStr(l!.shape)}`);
      return { shape: [...l!.shape], dtype: 'f32' };
    },
    reference: ([l], attrs) => tensor(l!.shape, Array.from(l!.data, (k) => weightOf(attrs.weights as number[], k))),
    kernel: classWeightKernel('class_weight'),
  },
  class_weight_target: {
    kind: 'kernel', doc: 'the class weight of each target row: of its argmax, or of its one value rounded half to even', arity: 1,
    shape: ([t], attrs) => {
      const w = checkWeights(attrs);
      if (t!.shape.length !== 2) throw new ShapeError(`expected targets [rows, values], got ${shapeStr(t!.shape)}`);
      const C = t!.shape[1]!;
      if (C > 1 && w.length !== C) throw new ShapeError(`${w.length} class weights for targets of ${C} classes`);
      return { shape: [t!.shape[0]!], dtype: 'f32' };
    },
    reference: ([t], attrs) => {
      const w = attrs.weights as number[];
      const { C, R } = rowsOf(t!);
      const o = tensor([R]);
      for (let r = 0; r < R; r++) {
        let best = 0;
        for (let j = 1; j < C; j++) if (t!.data[r * C + j]! > t!.data[r * C + best]!) best = j;
        o.data[r] = weightOf(w, C > 1 ? best : roundHalfEven(t!.data[r]!));
      }
      return o;
    },
    kernel: classWeightKernel('class_weight_target'),
  },
} satisfies Record<string, KernelRow>;
