// Reverse-mode autodiff: walks the training graph backwards from the loss using each op's VJP.
import type { Graph } from '../ir/graph.ts';
import { opDef, type GradBuilder } from '../ir/ops/index.ts';
import type { ValueId } from '../ir/types.ts';
import { assembleSliceGrads, type SliceGrad } from './slice-grads.ts';

/**
 * Appends backward nodes computing d(loss)/d(param) for every parameter; returns the gradient
 * of each parameter (parameters the loss does not depend on get none).
 */
export function autodiff(g: Graph, loss: ValueId): Map<ValueId, ValueId> {
  const forward = g.nodes.filter((n) => n.phase === 'forward' || n.phase === 'loss');
  // Values that depend on a trainable parameter: only those need gradients (frozen ones get none, so no kernels).
  const needs = new Set<ValueId>(g.params.filter((p) => !p.frozen).map((p) => p.value));
  for (const n of forward) if (n.output !== null && n.inputs.some((i) => needs.has(i))) needs.add(n.output);
  const grads = new Map<ValueId, ValueId>();
  // Gradients of a value's slices, kept apart until the value's own gradient is asked for (see slice-grads.ts).
  const sliceGrads = new Map<ValueId, { b: GradBuilder; pieces: SliceGrad[] }>();
  const at = { phase: 'backward' as const, role: 'grad' as const };
  const accumulate = (b: GradBuilder, v: ValueId, gi: ValueId): void => {
    const prev = grads.get(v);
    grads.set(v, prev === undefined ? gi : b.op('add', [prev, gi]));
  };
  // Every consumer of `v` comes later in the forward order, so all its contributions are in when this
  // runs. The assembly is tagged as the value's producer (`b`), or for a parameter as its first slice.
  const gradOf = (v: ValueId, b?: GradBuilder): ValueId | undefined => {
    const sliced = sliceGrads.get(v);
    if (sliced) {
      sliceGrads.delete(v);
      const tag = b ?? sliced.b;
      for (const gi of assembleSliceGrads(tag, v, sliced.pieces)) accumulate(tag, v, gi);
    }
    return grads.get(v);
  };
  const seed = g.add('ones_like', [loss], {}, at, 'd_loss');
  grads.set(loss, seed);
  for (let k = forward.length - 1; k >= 0; k--) {
    const n = forward[k]!;
    if (n.output === null) continue;
    const b = g.builder({ ...at, ...(n.span ? { span: n.span } : {}), ...(n.layer ? { layer: n.layer } : {}) });
    const gOut = gradOf(n.output, b);
    if (gOut === undefined) continue;
    if (!n.inputs.some((i) => needs.has(i))) continue;
    if (n.op === 'slice') {
      const x = n.inputs[0]!;
      const sliced = sliceGrads.get(x) ?? { b, pieces: [] };
      sliced.pieces.push({ g: gOut, axis: (n.attrs.axis as number | undefined) ?? 0, start: (n.attrs.start as number | undefined) ?? 0, size: (n.attrs.size as number | undefined) ?? 1 });
      sliceGrads.set(x, sliced);
      continue;
    }
    const def = opDef(n.op);
    if (!def.vjp) throw new Error(`internal error: gradient reaches non-differentiable op ${n.op}`);
    const gIns = def.vjp(b, n, gOut);
    n.inputs.forEach((inp, i) => {
      const gi = gIns[i];
      if (gi === null || gi === undefined || !needs.has(inp)) return;
      accumulate(b, inp, gi);
    });
  }
  const out = new Map<ValueId, ValueId>();
  for (const p of g.params) {
    const gp = gradOf(p.value);
    if (gp !== undefined) out.set(p.value, gp);
  }
  return out;
}
