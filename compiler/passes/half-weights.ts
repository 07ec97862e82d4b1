// dlc export --precision f16: which weights of the forward program are stored as f16, and where. The
// same weights as dlc quantize's int8 (passes/quantize-weights.ts: every forward use reads them as
// the weight operand of a dense or convolution kernel), which are nearly all of a model's bytes;
// biases, normalisation and the rest stay f32. Each gets a buffer of its own (two values to a word),
// and the parameter arena closes up over their places.
import { bufferBytes } from '../ir/dtype.ts';
import type { Graph } from '../ir/graph.ts';
import { numel } from '../ir/tensor.ts';
import type { ValueId } from '../ir/types.ts';
import type { MemoryPlan } from './plan.ts';
import { closeUp, int8Weights } from './quantize-weights.ts';

/** The parameters stored as f16: those the forward program reads only as dense or conv weights. */
export const f16Weights = (g: Graph): Set<ValueId> => new Set(int8Weights(g).keys());

/** The plan with each of `weights` moved to a buffer of its own holding it as f16 (buffers appended). */
export function planF16(g: Graph, plan: MemoryPlan, weights: ReadonlySet<ValueId>): MemoryPlan {
  const buffers = [...plan.buffers];
  const bufferOf = new Map(plan.bufferOf);
  const offsetOf = new Map(plan.offsetOf);
  const left = new Set<number>();
  for (const v of weights) {
    const t = g.value(v);
    left.add(bufferOf.get(v)!);
    bufferOf.set(v, buffers.length);
    offsetOf.delete(v);
    buffers.push({ id: buffers.length, size: bufferBytes('f16', numel(t.shape)), label: `${t.name} (f16)`, kind: 'storage' });
  }
  for (const b of left) closeUp(g, b, buffers, bufferOf, offsetOf);
  return { ...plan, buffers, bufferOf, offsetOf, f16: new Set(weights) };
}
