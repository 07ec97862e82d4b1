// IEEE 754 half precision (f16) on the host, for weights stored as f16 (dlc export --precision f16):
// f32 → f16 bits rounds to nearest, ties to even (as WGSL's f16() conversion and numpy's astype do),
// overflow goes to ±infinity, and f16 → number is exact. Browser-safe.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The f16 bit pattern nearest to `x` (rounded to f32 first), ties to even. */
export function f16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // infinity or NaN
  const e = exp - 127 + 15; // the f16 exponent
  if (e >= 0x1f) return sign | 0x7c00; // beyond the largest f16: infinity
  if (e <= 0) {
    // Subnormal f16 (or zero): the mantissa with its implicit 1, shifted right by 14 − e bits.
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && (half & 1)) ? 1 : 0));
  }
  const half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa raises the exponent, up to infinity: still the nearest value.
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && (half & 1)) ? 1 : 0));
}

/** The value of the f16 bit pattern `h`. */
export function f16Value(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** `x` rounded to the nearest f16 value, as the f16 kernels see a weight. */
export const roundToF16 = (x: number): number => f16Value(f16Bits(x));

/** Each value of `data` as f16 bits. */
export const toF16Bits = (data: ArrayLike<number>): Uint16Array => Uint16Array.from({ length: data.length }, (_, i) => f16Bits(data[i]!));
