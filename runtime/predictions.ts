// Reading a classifier's outputs: the class a row of logits picks, and its probabilities. One
// definition for training metrics, `dlc predict` and the demo page, so they never disagree.

/** Index of the largest of `k` values starting at `off` (the first one on ties). */
export function argmax(v: ArrayLike<number>, off: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (v[off + j]! > v[off + best]!) best = j;
  return best;
}

/** Softmax of `k` logits starting at `off`, in float64 (the largest is subtracted first, so exp cannot overflow). */
export function softmax(v: ArrayLike<number>, off: number, k: number): number[] {
  let mx = -Infinity;
  for (let j = 0; j < k; j++) mx = Math.max(mx, v[off + j]!);
  const e = Array.from({ length: k }, (_, j) => Math.exp(v[off + j]! - mx));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / sum);
}
