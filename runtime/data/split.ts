// Holding out the last fraction of a data set for validation (as Keras' validation_split: the
// rows at the end, before any shuffling).
import type { Samples } from '../fit.ts';

/** Samples from..to-1 of `data`, as views of its arrays. */
function part(data: Samples, from: number, to: number): Samples {
  return {
    count: to - from,
    tensors: Object.fromEntries(Object.entries(data.tensors).map(([name, t]) => {
      const per = t.length / data.count;
      return [name, t.subarray(from * per, to * per)];
    })),
  };
}

/** The first ⌈(1 − fraction)·count⌉ samples and the rest; `fraction` in (0, 1). */
export function splitTail(data: Samples, fraction: number): { train: Samples; held: Samples } {
  const held = Math.floor(data.count * fraction);
  const keep = data.count - held;
  return { train: part(data, 0, keep), held: part(data, keep, data.count) };
}

/** The first `n` samples (at most count), as views. */
export function firstSamples(data: Samples, n: number): Samples {
  return part(data, 0, Math.min(n, data.count));
}
