// Verifier run between passes: SSA order, arities and shapes re-derived from the op table.
import { InternalError } from '../../dsl/diagnostics.ts';
import type { Graph } from './graph.ts';
import { arityAccepts, opDef } from './ops/index.ts';
import { sameShape, shapeStr } from './tensor.ts';

export function verifyGraph(g: Graph): void {
  const defined = new Set<number>(g.values.filter((v) => v.role === 'input' || v.role === 'param' || v.role === 'state').map((v) => v.id));
  for (const n of g.nodes) {
    const def = opDef(n.op);
    if (!arityAccepts(def, n.inputs.length)) throw new InternalError(`node ${n.id} ${n.op}: ${n.inputs.length} inputs, op takes ${def.arity}`);
    for (const i of n.inputs) if (!defined.has(i)) throw new InternalError(`node ${n.id} ${n.op} reads %${i} before it is defined`);
    const t = g.inferType(n.op, n.inputs, n.attrs);
    if ((t === null) !== (n.output === null)) throw new InternalError(`node ${n.id} ${n.op}: output presence disagrees with the op kind`);
    if (t && n.output !== null) {
      if (!sameShape(t.shape, g.value(n.output).shape)) throw new InternalError(`node ${n.id} ${n.op}: shape ${shapeStr(g.value(n.output).shape)} but the rule gives ${shapeStr(t.shape)}`);
      defined.add(n.output);
    }
  }
}
