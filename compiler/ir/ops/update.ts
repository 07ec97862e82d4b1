// In-place updates: one update op per optimizer row (optimizers.ts), batch norm's moving average
// and the metric accumulators.
import { compileStatements } from '../expr.ts';
import { grid, type KernelBody, type KernelIO } from '../kernel-spec.ts';
import { numel, sameShape, shapeStr, tensor, type Tensor } from '../tensor.ts';
import type { Attrs } from '../types.ts';
import { ShapeError, type TensorType, type UpdateRow } from './def.ts';
import { activeStates, optimizerRule, OPTIMIZERS, type OptimizerName, type OptimizerRow } from './optimizers.ts';

const WG = 64;
/** vec4s per invocation when the element count is a multiple of 4. */
const VECS = 4;
const n = (a: Attrs, k: string): number => a[k] as number;

function sameShapes(ins: TensorType[]): void {
  for (const t of ins.slice(1)) {
    if (!sameShape(t.shape, ins[0]!.shape)) throw new ShapeError(`update operands differ: ${shapeStr(ins[0]!.shape)} and ${shapeStr(t.shape)}`);
  }
}

/**
 * Gradient clipping every optimizer rule takes (Keras clipvalue / global_clipnorm / clipnorm): attrs
 * clip_value c clamps each gradient element to [−c, c]; attrs clip_norm c scales the gradient by
 * min(1, c / ‖g‖) where ‖g‖² (over all parameters, or this one's) is one more input after the states.
 */
const clipValue = (a: Attrs): number => (a.clip_value as number | undefined) ?? 0;
const clipNorm = (a: Attrs): number => (a.clip_norm as number | undefined) ?? 0;
/** Trailing operands of an optimizer update that every parameter shares: the squared global norm when clipping by norm. */
export const sharedUpdateOperands = (a: Attrs): number => (clipNorm(a) > 0 ? 1 : 0);
/** Pruning (attrs masked): one more operand after the states, the parameter's mask; where it is 0 the update leaves p and the states at 0. */
const masked = (a: Attrs): number => (a.masked === true ? 1 : 0);
/** Scale from the global squared norm; a zero norm leaves the (zero) gradient alone. */
export const normScale = (limit: number, sumsq: number): number => (sumsq > 0 ? Math.min(1, limit / Math.sqrt(sumsq)) : 1);

/**
 * The update op of one optimizer row: inputs (p, g, ...states[, mask][, ‖g‖²]); writes p and the states.
 * How many states depends on the attributes (amsgrad, centered, momentum keep one more each).
 */
function optimizerUpdate(row: OptimizerRow): UpdateRow {
  const states = (a: Attrs): number => activeStates(row, a).length;
  const writes = (a: Attrs): number[] => [0, ...Array.from({ length: states(a) }, (_, i) => i + 2)];
  return {
    kind: 'update', doc: row.doc, arity: 2 + activeStates(row, {}).length, variadic: true, writes, usesStep: true,
    check: (ins, a) => {
      const own = 2 + states(a) + masked(a);
      sameShapes(ins.slice(0, own));
      const extra = sharedUpdateOperands(a);
      if (ins.length !== own + extra) throw new ShapeError(`update takes ${own + extra} operands${masked(a) ? ' (after the states: the pruning mask)' : ''}${extra ? ' (the last: the squared global gradient norm)' : ''}, got ${ins.length}`);
      if (extra && numel(ins[own]!.shape) !== 1) throw new ShapeError(`the squared gradient norm must be one value, got ${shapeStr(ins[own]!.shape)}`);
    },
    reference: (ins, attrs, ctx) => {
      const own = 2 + states(attrs) + masked(attrs);
      const mask = masked(attrs) ? ins[2 + states(attrs)]! : undefined;
      const stateVars = Array.from({ length: states(attrs) }, (_, k) => `s${k}`);
      const outs = writes(attrs).map((w) => tensor(ins[w]!.shape));
      const c = clipValue(attrs);
      const scale = clipNorm(attrs) > 0 ? normScale(clipNorm(attrs), ins[own]!.data[0]!) : 1;
      const vars: Record<string, number> = { lr: ctx.lr, t: ctx.step };
      compileStatements(row.perStep?.(attrs) ?? [])(vars, ctx);
      const rule = compileStatements(optimizerRule(row, attrs));
      for (let i = 0; i < ins[0]!.data.length; i++) {
        let g = ins[1]!.data[i]! * scale;
        if (c > 0) g = Math.min(Math.max(g, -c), c);
        vars.p = ins[0]!.data[i]!;
        vars.g = g;
        stateVars.forEach((s, k) => { vars[s] = ins[2 + k]!.data[i]!; });
        rule(vars, ctx);
        if (mask && mask.data[i] === 0) {
          vars.p = 0;
          for (const sv of stateVars) vars[sv] = 0;
        }
        outs[0]!.data[i] = vars.p;
        stateVars.forEach((s, k) => { outs[k + 1]!.data[i] = vars[s]!; });
      }
      return outs;
    },
    kernel: (io: KernelIO): KernelBody => {
      const own = 2 + states(io.attrs) + masked(io.attrs);
      const N = numel(io.inputs[0]!.shape);
      const names = io.inputs.slice(0, own).map((x) => x.name);
      const mask = masked(io.attrs) ? names.pop() : undefined;
      // The rules are arithmetic, sqrt, abs and max only, so the same text runs on vec4s when N allows.
      const vec = N % 4 === 0;
      const groups = Math.ceil((vec ? N / 4 : N) / (WG * (vec ? VECS : 1)));
      return {
        template: {
          kind: 'update', param: names[0]!, grad: names[1]!, states: names.slice(2), n: N, wg: WG, vec4: vec ? { vecs: VECS } : null,
          ...(mask !== undefined ? { mask } : {}),
          clipValue: clipValue(io.attrs),
          ...(clipNorm(io.attrs) > 0 ? { clipNorm: { sumsq: io.inputs[own]!.name, limit: clipNorm(io.attrs) } } : {}),
          perStep: row.perStep?.(io.attrs) ?? [], rule: optimizerRule(row, io.attrs),
        },
        workgroups: grid(groups),
        ...(vec ? { vec4: [...new Set([...names, ...(mask !== undefined ? [mask] : [])])] } : {}),
      };
    },
  };
}

const OPTIMIZER_UPDATES = Object.fromEntries(Object.entries(OPTIMIZERS).map(([k, row]) => [k, optimizerUpdate(row)])) as { [K in OptimizerName]: UpdateRow };

export const UPDATE_OPS = {
  ...OPTIMIZER_UPDATES,
  /** Exponential moving average (batch norm's running statistics, Keras convention). */
  ema: {
    kind: 'update', doc: 'r = momentum·r + (1 − momentum)·x', arity: 2, writes: [0],
    check: sameShapes,
    reference: ([r, x], a) => [tensor(r!.shape, r!.data.map((v, i) => n(a, 'momentum') * v + (1 - n(a, 'momentum')) * x!.data[i]!))],
    kernel: (io) => {
      const N = numel(io.inputs[0]!.shape);
      return { template: { kind: 'ema', r: io.inputs[0]!.name, x: io.inputs[1]!.name, n: N, momentum: n(io.attrs, 'momentum'), wg: WG }, workgroups: grid(Math.ceil(N / WG)) };
    },
  },
  /** acc[0] += Σ x: running sums of per-row losses and correct counts over an epoch. */
  accumulate: {
    kind: 'update', doc: 'acc[0] += Σ x', arity: 2, writes: [0],
    check: ([acc]) => {
      if (numel(acc!.shape) !== 1) throw new ShapeError(`accumulator must hold one value, got ${shapeStr(acc!.shape)}`);
    },
    reference: ([acc, x]): Tensor[] => {
      let s = acc!.data[0]!;
      for (const v of x!.data) s += v;
      return [tensor(acc!.shape, [s])];
    },
    kernel: (io) => ({ template: { kind: 'accumulate', acc: io.inputs[0]!.name, x: io.inputs[1]!.name, n: numel(io.inputs[1]!.shape) }, workgroups: [1, 1, 1] }),
  },
} satisfies Record<string, UpdateRow>;
