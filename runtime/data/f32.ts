// The one rule for a value that will become float32 on the GPU: finite, and within float32's range.
// Every reader (CSV, .npy, .npz, IDX, safetensors weights) asks here, so a value that is finite in
// float64 but infinite in float32 (1e39, 1e300) is refused where it is read, not found as a NaN later.
import { DataError } from './data-error.ts';

/** The largest finite float32 value, (2 − 2^−23) · 2^127. */
export const F32_MAX = 3.4028234663852886e38;

/** Text that names an infinity rather than writing out digits ("inf", "-Infinity"). */
const INFINITY_WORD = /^[+-]?inf(inity)?$/i;

/**
 * Why `value` cannot be a float32 value, or undefined when it can. `written` is the value as the
 * file wrote it (a CSV cell, or a number with its scale), shown in the reason; a decimal so large
 * that even float64 overflowed (1e999) is out of range rather than "not finite".
 */
export function f32Problem(value: number, written = String(value)): string | undefined {
  if (Number.isNaN(value) || (!Number.isFinite(value) && INFINITY_WORD.test(written))) return `${written} is not a finite number`;
  if (Math.abs(value) > F32_MAX) return `${written} is beyond the float32 range (magnitude at most ${F32_MAX})`;
  return undefined;
}

/**
 * `value`, or a DataError `${place}: ${reason}` when float32 cannot hold it.
 * @param place the file and the position in it ("d.csv:3: column 'x1'", "x.npy: sample 2, feature 0").
 */
export function checkF32(value: number, place: string, written?: string): number {
  const problem = f32Problem(value, written);
  if (problem !== undefined) throw new DataError(`${place}: ${problem}`);
  return value;
}

/**
 * `values`, each times `scale`, as float32, every one checked (the scaled value is what reaches the
 * GPU: 1e30 is fine until a scale of 1e10 makes it 1e40). `placeOf(sample, index)` names a bad
 * value's position, `per` values to a sample; it is called only for the value refused. Written to
 * `out` from index `at` (a new array by default).
 * @throws DataError `${place}: ${reason}` for the first value float32 cannot hold.
 */
export function toF32(values: ArrayLike<number>, per: number, placeOf: (sample: number, index: number) => string, scale = 1, out: Float32Array = new Float32Array(values.length), at = 0): Float32Array {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]! * scale;
    // The comparison is false for NaN too; only then is the message built.
    if (!(Math.abs(v) <= F32_MAX)) checkF32(v, placeOf(Math.floor(i / per), i % per), scale === 1 ? String(values[i]) : `${values[i]} × ${scale}`);
    out[at + i] = v;
  }
  return out;
}
