// What a compiled step costs: dispatches per program, GPU bytes the plan allocates, and the lower
// bound no plan can beat: parameters + optimizer and layer state + inputs + the largest set of
// values (activations and gradients) alive at once in any program (each value counted at its exact
// size, views once). Gradients count where they are alive, not all at the peak: with frozen layers
// the peak can come before any gradient exists.
import type { MemoryStats } from './artifact.ts';
import { DTYPES } from './ir/dtype.ts';
import type { Graph } from './ir/graph.ts';
import { opDef } from './ir/ops/index.ts';
import { numel } from './ir/tensor.ts';
import type { ProgramName, ValueId } from './ir/types.ts';
import { optimizerRow } from './ir/ops/optimizers.ts';
import { viewRoots, type MemoryPlan } from './passes/plan.ts';

const bytes = (g: Graph, v: ValueId): number => numel(g.value(v).shape) * DTYPES[g.value(v).dtype].bytes;

/** The largest total size of intermediate values alive at once while `program` runs. */
function peakLive(g: Graph, program: ProgramName, rootOf: (v: ValueId) => ValueId): number {
  const nodes = g.programs[program].nodes.map((id) => g.nodes[id]!);
  const last = new Map<ValueId, number>();
  nodes.forEach((n, t) => { for (const v of n.inputs) last.set(rootOf(v), t); });
  for (const o of g.programs[program].outputs) last.set(rootOf(o.value), nodes.length);
  let live = 0;
  let peak = 0;
  const dying = new Map<number, number>();
  nodes.forEach((n, t) => {
    if (n.output !== null && opDef(n.op).kind !== 'view') {
      const role = g.value(n.output).role;
      if (role === 'activation' || role === 'grad') {
        live += bytes(g, n.output);
        const end = last.get(n.output) ?? t; // a value nobody reads still exists while its kernel runs
        dying.set(end, (dying.get(end) ?? 0) + bytes(g, n.output));
      }
    }
    peak = Math.max(peak, live);
    live -= dying.get(t) ?? 0;
  });
  return peak;
}

export function memoryStats(g: Graph, plan: MemoryPlan): MemoryStats {
  const sum = (vs: ValueId[]): number => vs.reduce((s, v) => s + bytes(g, v), 0);
  const updates = g.programs.train_step.nodes.map((id) => g.nodes[id]!).filter((n) => optimizerRow(n.op));
  const rootOf = viewRoots(g);
  const gradValues = updates.map((n) => rootOf(n.inputs[1]!));
  const parameters = sum(g.params.map((p) => p.value));
  const gradients = sum(gradValues);
  const state = sum(g.state.map((s) => s.value));
  const inputs = sum(g.inputs.map((i) => i.value));
  const peaks = (['train_step', 'eval'] as ProgramName[]).map((p) => ({ p, bytes: peakLive(g, p, rootOf) }));
  const top = peaks.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  return {
    allocatedBytes: plan.buffers.reduce((s, b) => s + b.size, 0),
    lowerBoundBytes: parameters + state + inputs + top.bytes,
    parameters, gradients, state, inputs,
    peakActivations: top.bytes,
    peakProgram: top.p,
  };
}
