// dlc quantize: which weights of the forward program are stored as int8, and where. A parameter
// qualifies when every forward use reads it as the weight operand of a dense or convolution kernel
// (matmul or conv2d, fused with an epilogue or not), all along one output-channel axis. Each gets a
// buffer of its own, sized for its packed values and scales, and the buffers they leave (the
// parameter arena) close up over their places.
import { int8WeightBytes } from '../../runtime/inference-manifest.ts';
import { int8ActWeightBytes } from '../../runtime/int8-layout.ts';
import { bufferBytes } from '../ir/dtype.ts';
import type { Graph } from '../ir/graph.ts';
import { numel } from '../ir/tensor.ts';
import type { Node, ValueId } from '../ir/types.ts';
import { ARENA_ALIGN, type MemoryPlan } from './plan.ts';

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

/** The most products of two int8 values in [-127, 127] an i32 sum holds whatever their signs. */
const MAX_INT8_PRODUCTS = Math.floor(0x7fffffff / (127 * 127));

/**
 * Of `weights`, those whose every forward use can quantise its input activation too (dlc quantize
 * --calibrate): a 2-D matmul that does not transpose A (dense, and recurrent kernels), or a conv2d,
 * summing at most MAX_INT8_PRODUCTS products per output (the i32 accumulator cannot overflow).
 */
export function int8ActivationWeights(g: Graph, weights: ReadonlyMap<ValueId, number>): Set<ValueId> {
  const ok = new Map<ValueId, boolean>();
  for (const id of g.programs.forward.nodes) {
    const n = g.nodes[id]!;
    const v = n.inputs[1];
    if (v === undefined || !weights.has(v)) continue;
    const w = g.value(v).shape;
    const a = g.value(n.inputs[0]!).shape;
    const conv = n.op === 'conv2d' || n.op === 'conv2d_chain';
    const dense = (n.op === 'matmul' || n.op === 'matmul_chain') && n.attrs.transA !== true && a.length === 2;
    const products = conv ? numel(w.slice(1)) : a[1]!;
    const fits = (conv || dense) && products <= MAX_INT8_PRODUCTS;
    ok.set(v, (ok.get(v) ?? true) && fits);
  }
  return new Set([...ok].filter(([, fits]) => fits).map(([v]) => v));
}

/**
 * The plan with each of `weights` moved to a buffer of its own holding it as int8 (buffers appended);
 * those in `activations` laid out for int8 activations (runtime/int8-layout.ts).
 */
export function planInt8(g: Graph, plan: MemoryPlan, weights: ReadonlyMap<ValueId, number>, activations: ReadonlySet<ValueId> = new Set()): MemoryPlan {
  const buffers = [...plan.buffers];
  const bufferOf = new Map(plan.bufferOf);
  const offsetOf = new Map(plan.offsetOf);
  const int8 = new Map<ValueId, number>();
  const left = new Set<number>();
  for (const [v, axis] of weights) {
    const t = g.value(v);
    const bytes = activations.has(v) ? int8ActWeightBytes(t.shape, axis) : int8WeightBytes(numel(t.shape), t.shape[axis]!);
    left.add(bufferOf.get(v)!);
    bufferOf.set(v, buffers.length);
    offsetOf.delete(v);
    int8.set(v, bytes);
    buffers.push({ id: buffers.length, size: bytes, label: `${t.name} (int8)`, kind: 'storage' });
  }
  for (const b of left) closeUp(g, b, buffers, bufferOf, offsetOf);
  return { ...plan, buffers, bufferOf, offsetOf, int8, ...(activations.size ? { int8Activations: new Set(activations) } : {}) };
}

/**
 * Moves the values still in buffer `b` (views share their source's offset) down over the places
 * that emptied, in their order and alignment, and shrinks the buffer to what they take.
 */
export function closeUp(g: Graph, b: number, buffers: MemoryPlan['buffers'], bufferOf: Map<ValueId, number>, offsetOf: Map<ValueId, number>): void {
  const extent = new Map<number, number>();
  for (const [v, buf] of bufferOf) {
    if (buf !== b) continue;
    const at = offsetOf.get(v) ?? 0;
    extent.set(at, Math.max(extent.get(at) ?? 0, bufferBytes(g.value(v).dtype, numel(g.value(v).shape))));
  }
  const places = [...extent.keys()].sort((x, y) => x - y);
  // A value inside another's range (none in the plans dlc makes) would come apart: leave the buffer.
  if (places.some((at, i) => i > 0 && at < places[i - 1]! + extent.get(places[i - 1]!)!)) return;
  const moved = new Map<number, number>();
  let end = 0;
  for (const at of places) {
    const to = Math.ceil(end / ARENA_ALIGN) * ARENA_ALIGN;
    moved.set(at, to);
    end = to + extent.get(at)!;
  }
  for (const [v, buf] of bufferOf) if (buf === b) offsetOf.set(v, moved.get(offsetOf.get(v) ?? 0)!);
  buffers[b] = { ...buffers[b]!, size: Math.max(4, Math.ceil(end / 4) * 4) };
}
