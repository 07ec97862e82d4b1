// Constant folding: values that depend on no data (the seed gradient ones_like(loss), and what the
// backward pass computes from it alone: scales, broadcasts, sums) are evaluated at compile time in
// float64. Each one a computed node still reads becomes a `fill` when it is uniform, so the chain that
// made it leaves the programs.
import type { Graph } from '../ir/graph.ts';
import { opDef, opUsesStep } from '../ir/ops/index.ts';
import { tensor, type Tensor } from '../ir/tensor.ts';
import type { Node, ValueId } from '../ir/types.ts';
import { evalOp } from '../reference/interp.ts';
import { programOrder, pruneDeadNodes } from '../programs.ts';

const NO_STEP = { lr: 0, step: 0, seed: 0 };

function foldable(n: Node): boolean {
  const def = opDef(n.op);
  if (opUsesStep(def, n.attrs) || n.output === null) return false;
  return def.kind === 'elementwise' || def.kind === 'view' || n.op === 'sum_to';
}

export function foldConstants(g: Graph): void {
  const live = programOrder(g);
  const known = new Map<ValueId, Tensor>();
  for (const id of live) {
    const n = g.nodes[id]!;
    if (n.output === null) continue;
    const shape = g.value(n.output).shape;
    if (n.op === 'ones_like') known.set(n.output, tensor(shape, new Float64Array(shape.reduce((a, b) => a * b, 1)).fill(1)));
    else if (foldable(n) && n.inputs.length > 0 && n.inputs.every((v) => known.has(v))) {
      known.set(n.output, evalOp(n.op, n.inputs.map((v) => known.get(v)!), n.attrs, shape, NO_STEP)[0]!);
    }
  }
  // Constants that something computed reads (or a program returns) become fills.
  const outputs = new Set(Object.values(g.programs).flatMap((p) => p.outputs.map((o) => o.value)));
  const readByComputed = new Set<ValueId>();
  for (const id of live) {
    const n = g.nodes[id]!;
    if (n.output !== null && known.has(n.output)) continue;
    for (const v of n.inputs) if (known.has(v)) readByComputed.add(v);
  }
  for (const [v, t] of known) {
    if (!readByComputed.has(v) && !outputs.has(v)) continue;
    const first = t.data[0]!;
    if (!t.data.every((x) => x === first)) continue;
    const producer = g.producer.get(v)!;
    if (g.nodes[producer]!.op === 'fill') continue;
    g.replaceNodes([producer], 'fill', [], { shape: [...g.value(v).shape], value: first });
  }
  pruneDeadNodes(g);
}
