// What an expression of the language evaluates to while lowering, and how to read hyper-parameters.
import type { Span } from '../../dsl/diagnostics.ts';
import type { ValueId } from '../ir/types.ts';

/** A tensor in the graph, or a compile-time constant (number, string, bool, list, bare name). */
export type Val =
  | { kind: 'tensor'; id: ValueId; span: Span }
  | { kind: 'num'; value: number; isInt: boolean; span: Span }
  | { kind: 'str'; value: string; span: Span }
  | { kind: 'bool'; value: boolean; span: Span }
  | { kind: 'name'; value: string; span: Span }
  /** `regularizer`: the factors [l1, l2] of a regulariser call (`l2(1e-4)`), not a list as written. */
  | { kind: 'list'; items: Val[]; span: Span; regularizer?: true }
  /** A declared layer (`shared = dense(8)`): every use applies the same weights. */
  | { kind: 'layer'; layer: SharedLayer; span: Span }
  /** A name whose definition failed: uses of it stay silent, since its error was reported. */
  | { kind: 'failed'; span: Span };

/** A layer declared once and applied wherever its name is used (Keras: one layer object called twice). */
export interface SharedLayer {
  /** The name it was assigned to. */
  name: string;
  type: string;
  /** Its instance name, the prefix of its weights' names (dense_1). */
  instance: string;
  hyper: Record<string, Hyper>;
  declared: Span;
  /** trainable: false, or named by the train section's freeze list. */
  frozen?: boolean;
  /** Set by the first use: its weights' shapes follow that input. */
  firstUse?: { span: Span; shape: number[] };
}

/** The type a hyper-parameter accepts. */
export type HyperType = 'int' | 'posint' | 'float' | 'posfloat' | 'rate' | 'bool' | 'word' | 'ints' | 'shape' | 'pair' | 'padding' | 'pad2d' | 'pad1d' | 'regularizer' | 'factor';

export const HYPER_TYPE_TEXT: Record<HyperType, string> = {
  int: 'an integer',
  posint: 'a positive integer',
  float: 'a number',
  posfloat: 'a positive number',
  rate: 'a number in [0, 1)',
  bool: 'true or false',
  word: 'a name or string',
  ints: 'a list of positive integers',
  shape: 'a list of positive integers, one of which may be -1',
  pair: 'a positive integer or a list of two',
  padding: "'valid', 'same', an integer, or a list of 2 or 4 integers",
  pad2d: 'an integer, [height, width], or [[top, bottom], [left, right]] (integers ≥ 0)',
  pad1d: "'valid', 'same', 'causal', an integer, or [left, right]",
  regularizer: 'l1(factor), l2(factor) or l1_l2(l1: a, l2: b)',
  factor: 'a number in [-1, 1] or a list of two',
};

export function describeVal(v: Val): string {
  switch (v.kind) {
    case 'tensor': return 'a tensor';
    case 'num': return `${v.isInt ? 'the integer' : 'the number'} ${v.value}`;
    case 'str': return `the string "${v.value}"`;
    case 'bool': return String(v.value);
    case 'name': return `'${v.value}'`;
    case 'list': return 'a list';
    case 'layer': return `the ${v.layer.type} layer '${v.layer.name}'`;
    case 'failed': return 'a value that failed to compile';
  }
}

/** The largest finite f32. */
const F32_MAX = 3.4028234663852886e38;

export type Hyper = number | boolean | string | number[];

/** Converts a constant to the hyper-parameter type, or returns an error message. */
export function coerce(v: Val, t: HyperType): { ok: Hyper } | { error: string } {
  const bad = { error: `expected ${HYPER_TYPE_TEXT[t]}, got ${describeVal(v)}` };
  // Kernels hold numbers as f32: a literal beyond its range (1e400 parses as infinity) is refused here.
  if (v.kind === 'num' && !(Math.abs(v.value) <= F32_MAX)) return { error: `${Number.isFinite(v.value) ? v.value : 'the number'} is beyond the range of f32 numbers (±3.4e38)` };
  switch (t) {
    case 'int':
      return v.kind === 'num' && Number.isInteger(v.value) ? { ok: v.value } : bad;
    case 'posint':
      return v.kind === 'num' && Number.isInteger(v.value) && v.value > 0 ? { ok: v.value } : bad;
    case 'float':
      return v.kind === 'num' ? { ok: v.value } : bad;
    case 'posfloat':
      return v.kind === 'num' && v.value > 0 ? { ok: v.value } : bad;
    case 'rate':
      return v.kind === 'num' && v.value >= 0 && v.value < 1 ? { ok: v.value } : bad;
    case 'bool':
      return v.kind === 'bool' ? { ok: v.value } : bad;
    case 'word':
      return v.kind === 'name' || v.kind === 'str' ? { ok: v.value } : bad;
    case 'pair': {
      if (v.kind === 'num' && Number.isInteger(v.value) && v.value > 0) return { ok: v.value };
      if (v.kind === 'list' && v.items.length === 2 && v.items.every((i) => i.kind === 'num' && Number.isInteger(i.value) && i.value > 0)) {
        return { ok: v.items.map((i) => (i as { value: number }).value) };
      }
      return bad;
    }
    case 'padding': {
      if ((v.kind === 'name' || v.kind === 'str') && (v.value === 'valid' || v.value === 'same')) return { ok: v.value };
      if (v.kind === 'num' && Number.isInteger(v.value) && v.value >= 0) return { ok: v.value };
      if (v.kind === 'list' && (v.items.length === 2 || v.items.length === 4) && v.items.every((i) => i.kind === 'num' && Number.isInteger(i.value) && i.value >= 0)) {
        return { ok: v.items.map((i) => (i as { value: number }).value) };
      }
      return bad;
    }
    case 'pad1d': {
      if ((v.kind === 'name' || v.kind === 'str') && ['valid', 'same', 'causal'].includes(v.value)) return { ok: v.value };
      if (v.kind === 'num' && Number.isInteger(v.value) && v.value >= 0) return { ok: v.value };
      if (v.kind === 'list' && v.items.length === 2 && v.items.every((i) => i.kind === 'num' && Number.isInteger(i.value) && i.value >= 0)) {
        return { ok: v.items.map((i) => (i as { value: number }).value) };
      }
      return bad;
    }
    case 'pad2d': {
      // Keras ZeroPadding2D's forms, returned as [top, bottom, left, right].
      const nat = (x: Val): x is Val & { kind: 'num' } => x.kind === 'num' && Number.isInteger(x.value) && x.value >= 0;
      if (nat(v)) return { ok: [v.value, v.value, v.value, v.value] };
      if (v.kind !== 'list') return bad;
      if (v.items.length === 2 && v.items.every(nat)) {
        const [h, w] = v.items.map((i) => (i as { value: number }).value) as [number, number];
        return { ok: [h, h, w, w] };
      }
      const pairs = v.items.length === 2 && v.items.every((p) => p.kind === 'list' && p.items.length === 2 && p.items.every(nat));
      if (pairs) return { ok: v.items.flatMap((p) => (p as { items: { value: number }[] }).items.map((i) => i.value)) };
      if (v.items.length === 4 && v.items.every(nat)) {
        return { error: `a flat list of 4 is ambiguous here; write [[top, bottom], [left, right]] as Keras' ZeroPadding2D does` };
      }
      return bad;
    }
    case 'factor': {
      // Keras' augmentation factors: f means [−|f|, |f|]; a pair is sorted.
      const inRange = (x: Val): x is Val & { kind: 'num' } => x.kind === 'num' && x.value >= -1 && x.value <= 1;
      if (inRange(v)) return { ok: [-Math.abs(v.value), Math.abs(v.value)] };
      if (v.kind === 'list' && v.items.length === 2 && v.items.every(inRange)) {
        return { ok: v.items.map((i) => (i as { value: number }).value).sort((a, b) => a - b) };
      }
      return bad;
    }
    case 'regularizer':
      // A layer's regulariser call, read by readRegularizer into [l1, l2] (ExprLowerer.layerArgs).
      return v.kind === 'list' && v.regularizer === true ? { ok: v.items.map((i) => (i as { value: number }).value) } : bad;
    case 'ints':
    case 'shape': {
      if (v.kind !== 'list') return bad;
      const out: number[] = [];
      for (const it of v.items) {
        const inferred = t === 'shape' && it.kind === 'num' && it.value === -1;
        if (!inferred && (it.kind !== 'num' || !Number.isInteger(it.value) || it.value <= 0)) return bad;
        out.push((it as { value: number }).value);
      }
      if (out.filter((d) => d === -1).length > 1) return { error: `at most one dimension may be -1 (inferred), got ${out.filter((d) => d === -1).length} in [${out.join(', ')}]` };
      return { ok: out };
    }
  }
}
