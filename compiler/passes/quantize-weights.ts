// dlc quantize: which weights of the forward program are stored as int8, and where. A parameter
// qualifies when every forward use reads it as the weight operand of a dense or convolution kernel
// (matmul or conv2d, fused with an epilogue or not), all along one output-channel axis. Each gets a
// buffer of its own, sized for its packed values and scales; its f32 place in the parameter arena
// stays unused (the arena's layout is the training plan's).
import { int8WeightBytes } from '../../runtime/inference-manifest.ts';
import type { Graph } from '../ir/graph.ts';
import { numel } from '../ir/tensor.ts';
import type { Node, ValueId } from '../ir/types.ts';
import type { MemoryPlan } from './plan.ts';

/** The output-channel axis of `v` read by node `n`, or undefined when `n` reads it otherwise. */
function weightAxis(n: Node, v: ValueId): number | undefined {
  if (n.inputs.some((x, k) => x === v && k !== 1)) return undefined;
  switch (n.op) {
    // Dense kernels are [in, out]: a column of C per column of B (per row when B is transposed).
    case 'matmul': case 'matmul_chain': return n.attrs.transB === true ? 0 : 1;
    // Filters are [out, in/groups, kh, kw].
    case 'conv2d': case 'conv2d_chain': return 0;
    default: return undefined;
  }
}

/** The parameters the forward program reads only as dense or conv weights, with each one's output-channel axis. */
export function int8Weights(g: Graph): Map<ValueId, number> {
  const axes = new Map<ValueId, number | undefined>();
  const params = new Set(g.params.map((p) => p.value));
  for (const id of g.programs.forward.nodes) {
    const n = g.nodes[id]!;
    for (const v of new Set(n.inputs)) {
      if (!params.has(v)) continue;
      const axis = weightAxis(n, v);
      const seen = axes.get(v);
      axes.set(v, axes.has(v) && seen !== axis ? undefined : axis);
    }
  }
  return new Map([...axes].filter((e): e is [ValueId, number] => e[1] !== undefined));
}

/** The plan with each of `weights` moved to a buffer of its own holding it as int8 (buffers appended). */
export function planInt8(g: Graph, plan: MemoryPlan, weights: ReadonlyMap<ValueId, number>): MemoryPlan {
  const buffers = [...plan.buffers];
  const bufferOf = new Map(plan.bufferOf);
  const offsetOf = new Map(plan.offsetOf);
  const int8 = new Map<ValueId, number>();
  for (const [v, axis] of weights) {
    const t = g.value(v);
    const bytes = int8WeightBytes(numel(t.shape), t.shape[axis]!);
    bufferOf.set(v, buffers.length);
    offsetOf.delete(v);
    int8.set(v, bytes);
    buffers.push({ id: buffers.length, size: bytes, label: `${t.name} (int8)`, kind: 'storage' });
  }
  return { ...plan, buffers, bufferOf, offsetOf, int8 };
}
