// Holding out the last fraction of a data set for validation (as Keras' validation_split: the
// rows at the end, before any shuffling).
import type { Samples } from '../fit.ts';

/** The first ⌈(1 − fraction)·count⌉ samples and the rest; `fraction` in (0, 1). */
export function splitTail(data: Samples, fraction: number): { train: Samples; held: Samples } {
  const held = Math.floor(data.count * fraction);
  const keep = data.count - held;
  const part = (from: number, to: number): Samples => ({
    count: to - from,
    tensors: Object.fromEntries(Object.entries(data.tensors).map(([name, t]) => {
      const per = t.length / data.count;
      return [name, t.subarray(from * per, to * per)];
    })),
  });
  return { train: part(0, keep), held: part(keep, data.count) };
}
