// Holding out a fraction of a data set for validation: the last rows, before any shuffling (Keras'
// validation_split), or a seeded random fraction of each class (stratified, as scikit-learn's
// train_test_split(stratify=y, shuffle=True)).
import type { Samples } from '../fit.ts';
import { Rng } from '../random.ts';

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

/** Samples `idx` of `data` (in that order), copied. */
function pick(data: Samples, idx: number[]): Samples {
  return {
    count: idx.length,
    tensors: Object.fromEntries(Object.entries(data.tensors).map(([name, t]) => {
      const per = t.length / data.count;
      const out = t instanceof Int32Array ? new Int32Array(idx.length * per) : new Float32Array(idx.length * per);
      idx.forEach((src, i) => out.set(t.subarray(src * per, src * per + per), i * per));
      return [name, out];
    })),
  };
}

/** Each sample's class: the label itself (class labels), or the index of the largest value of its row (one-hot targets). */
export function classOfEach(labels: Float32Array | Int32Array, count: number): Int32Array {
  const per = labels.length / count;
  if (labels instanceof Int32Array && per === 1) return labels;
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    let best = 0;
    for (let k = 1; k < per; k++) if (labels[i * per + k]! > labels[i * per + best]!) best = k;
    out[i] = per === 1 ? (labels[i]! > 0.5 ? 1 : 0) : best;
  }
  return out;
}

/**
 * A stratified, shuffled split: of each class's samples, round(fraction·n) chosen at random (seeded)
 * are held out, so validation has the classes in the training data's proportions. Both parts keep
 * the file's order.
 */
export function splitStratified(data: Samples, classes: Int32Array, fraction: number, seed: number): { train: Samples; held: Samples } {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < data.count; i++) {
    const c = classes[i]!;
    let list = byClass.get(c);
    if (!list) byClass.set(c, (list = []));
    list.push(i);
  }
  const rng = new Rng(seed);
  const heldOut = new Uint8Array(data.count);
  // Classes in increasing order, so the draws do not depend on which class comes first in the file.
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const list = rng.shuffle(byClass.get(c)!);
    for (const i of list.slice(0, Math.round(list.length * fraction))) heldOut[i] = 1;
  }
  const train: number[] = [];
  const held: number[] = [];
  for (let i = 0; i < data.count; i++) (heldOut[i] ? held : train).push(i);
  return { train: pick(data, train), held: pick(data, held) };
}
