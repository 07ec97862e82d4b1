// Reverse-mode autodiff: walks the training graph backwards from the loss using each op's VJP.
import type { Graph } from '../ir/graph.ts';
import { opDef } from '../ir/ops/index.ts';
import type { ValueId } from '../ir/types.ts';

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
  const at = { phase: 'backward' as const, role: 'grad' as const };
  const seed = g.add('ones_like', [loss], {}, at, 'd_loss');
  grads.set(loss, seed);
  for (let k = forward.length - 1; k >= 0; k--) {
    const n = forward[k]!;
    if (n.output === null) continue;
    const gOut = grads.get(n.output);
    if (gOut === undefined) continue;
    if (!n.inputs.some((i) => needs.has(i))) continue;
    const def = opDef(n.op);
    if (!def.vjp) throw new Error(`internal error: gradient reaches non-differentiable op ${n.op}`);
    const b = g.builder({ ...at, ...(n.span ? { span: n.span } : {}), ...(n.layer ? { layer: n.layer } : {}) });
    const gIns = def.vjp(b, n, gOut);
    n.inputs.forEach((inp, i) => {
      const gi = gIns[i];
      if (gi === null || gi === undefined || !needs.has(inp)) return;
      const prev = grads.get(inp);
      grads.set(inp, prev === undefined ? gi : b.op('add', [prev, gi]));
    });
  }
  const out = new Map<ValueId, ValueId>();
  for (const p of g.params) {
    const gp = grads.get(p.value);
    if (gp !== undefined) out.set(p.value, gp);
  }
  return out;
}
