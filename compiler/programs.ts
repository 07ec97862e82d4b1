// Assembles the three programs (train_step, eval, forward) from the graph's nodes, dropping dead ones.
import type { Graph } from './ir/graph.ts';
import { opDef } from './ir/ops/index.ts';
import type { Phase, ValueId } from './ir/types.ts';

/** Nodes of the given phases that roots (values, or update nodes) depend on, in graph order. */
function liveNodes(g: Graph, phases: Phase[], roots: ValueId[], keepUpdates: boolean): number[] {
  const cands = g.nodes.filter((n) => phases.includes(n.phase));
  const need = new Set<ValueId>(roots);
  const keep = new Set<number>();
  for (let k = cands.length - 1; k >= 0; k--) {
    const n = cands[k]!;
    const isUpdate = opDef(n.op).kind === 'update';
    if ((isUpdate && keepUpdates) || (n.output !== null && need.has(n.output))) {
      keep.add(n.id);
      for (const i of n.inputs) need.add(i);
    }
  }
  return cands.filter((n) => keep.has(n.id)).map((n) => n.id);
}

export interface ProgramRoots {
  trainOutputs: { name: string; value: ValueId }[];
  evalOutputs: { name: string; value: ValueId }[];
  forwardOutputs: { name: string; value: ValueId }[];
}

export function assemblePrograms(g: Graph, r: ProgramRoots): void {
  g.programs.train_step = {
    nodes: liveNodes(g, ['forward', 'loss', 'backward', 'update'], r.trainOutputs.map((o) => o.value), true),
    outputs: r.trainOutputs,
  };
  g.programs.eval = { nodes: liveNodes(g, ['eval'], r.evalOutputs.map((o) => o.value), false), outputs: r.evalOutputs };
  g.programs.forward = { nodes: liveNodes(g, ['eval'], r.forwardOutputs.map((o) => o.value), false), outputs: r.forwardOutputs };
  if (g.programs.train_step.nodes.length === 0 && r.trainOutputs.length === 0) g.programs.train_step = { nodes: [], outputs: [] };
}

/** Drops nodes whose values no later node of the program reads and no output needs (updates stay). */
export function pruneDeadNodes(g: Graph): void {
  for (const p of Object.values(g.programs)) {
    const need = new Set<ValueId>(p.outputs.map((o) => o.value));
    const keep = new Set<number>();
    for (let k = p.nodes.length - 1; k >= 0; k--) {
      const n = g.nodes[p.nodes[k]!]!;
      if (opDef(n.op).kind === 'update' || (n.output !== null && need.has(n.output))) {
        keep.add(n.id);
        for (const i of n.inputs) need.add(i);
      }
    }
    p.nodes = p.nodes.filter((id) => keep.has(id));
  }
}

/** Every node of any program once, in an order that respects each program's (train_step first). */
export function programOrder(g: Graph): number[] {
  return [...new Set([...g.programs.train_step.nodes, ...g.programs.eval.nodes, ...g.programs.forward.nodes])];
}
