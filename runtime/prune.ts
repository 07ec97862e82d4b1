// Magnitude pruning on the host, at epoch boundaries: the sparsity schedule (TF Model Optimization's
// PolynomialDecay, power 3), each pruned tensor's mask from its weights, and how sparse the weights
// are. The masks live on the GPU as state, and the optimizer update applies them every step; only
// their computation is here (read the weights back, sort, write the mask): once per epoch, it is
// cheap beside the epoch. Browser-safe.
import type { PruneSpec } from '../compiler/artifact.ts';
import type { Session } from './session.ts';

/** The schedule's figures: target sparsity and the epochs it ramps between. */
export type PruneSchedule = Pick<PruneSpec, 'sparsity' | 'start' | 'end' | 'every'>;

/**
 * The sparsity after `t` epochs: TF-MOT's PolynomialDecay from 0 to the target, power 3,
 * s(t) = s_f + (0 − s_f)·(1 − p)³ with p = clamp((t − start) / (end − start), 0, 1). With end = start
 * (which TF-MOT allows but divides by zero on) the target holds from `start` on.
 */
export function scheduledSparsity(spec: PruneSchedule, t: number): number {
  const p = spec.end === spec.start ? (t >= spec.start ? 1 : 0) : Math.min(1, Math.max(0, (t - spec.start) / (spec.end - spec.start)));
  return spec.sparsity + (0 - spec.sparsity) * (1 - p) ** 3;
}

/** Whether the masks are recomputed after `t` epochs: start ≤ t ≤ end, every `every` epochs from start (TF-MOT's _should_prune_in_step). */
export function prunesAfter(spec: PruneSchedule, t: number): boolean {
  return t >= spec.start && t <= spec.end && (t - spec.start) % spec.every === 0;
}

/** Rounds half to even, as tf.math.round does. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The mask (1 keep, 0 prune) keeping the k = max(1, round(n·(1 − sparsity))) values of largest
 * magnitude, as TF-MOT's _update_mask: the threshold is the k-th largest |w| and every value at
 * least that large is kept (so ties at the threshold keep a few more).
 */
export function magnitudeMask(w: Float32Array, sparsity: number): Float32Array {
  const n = w.length;
  const k = Math.max(1, roundHalfEven(n * (1 - sparsity)));
  const sorted = Float32Array.from(w, (v) => Math.abs(v)).sort();
  const threshold = sorted[n - k]!;
  return Float32Array.from(w, (v) => (Math.abs(v) >= threshold ? 1 : 0));
}

/** How many of a tensor's values are exactly zero. */
export interface TensorSparsity {
  name: string;
  zeros: number;
  size: number;
}

/** The zeros of each named tensor. */
export function sparsityOf(tensors: { name: string; data: Float32Array }[]): TensorSparsity[] {
  return tensors.map(({ name, data }) => {
    let zeros = 0;
    for (const v of data) if (v === 0) zeros++;
    return { name, zeros, size: data.length };
  });
}

/**
 * After `t` epochs: when the schedule says so, recomputes the mask of every pruned tensor from its
 * weights, writes it, and zeroes the pruned weights at once (their optimizer state is zeroed by the
 * next update). Returns the sparsity applied, or undefined when the masks were left as they were.
 */
export async function updatePruneMasks(session: Session, t: number): Promise<number | undefined> {
  const spec = session.manifest.train.prune;
  if (!spec || !prunesAfter(spec, t)) return undefined;
  const s = scheduledSparsity(spec, t);
  for (const { param, mask } of spec.tensors) {
    const w = (await session.read(param)) as Float32Array;
    const m = magnitudeMask(w, s);
    session.write(mask, m);
    session.write(param, w.map((v, i) => (m[i] === 0 ? 0 : v)));
  }
  return s;
}

/** The zeros of each pruned tensor (none when the program does not prune), read from the GPU. */
export async function prunedSparsity(session: Session): Promise<TensorSparsity[]> {
  const spec = session.manifest.train.prune;
  if (!spec) return [];
  const tensors: { name: string; data: Float32Array }[] = [];
  for (const { param } of spec.tensors) tensors.push({ name: param, data: (await session.read(param)) as Float32Array });
  return sparsityOf(tensors);
}

/** The current mask of every pruned tensor, by mask name (none when the program does not prune). */
export async function pruneMasks(session: Session): Promise<Map<string, Float32Array>> {
  const masks = new Map<string, Float32Array>();
  for (const { mask } of session.manifest.train.prune?.tensors ?? []) masks.set(mask, (await session.read(mask)) as Float32Array);
  return masks;
}
