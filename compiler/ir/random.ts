// The random stream dropout and the augmentation layers draw from: a hash of (seed, step, salt, element index). The WGSL twin
// (`dlc_uniform` in codegen/wgsl/common.ts) computes the same bits on the GPU.

/** Integer hash (lowbias32), bit-identical to `dlc_hash` in WGSL. */
export function hashU32(v: number): number {
  let h = v >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h = (h ^ (h >>> 15)) >>> 0;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return h;
}

/** The 32 random bits of (seed, step, salt, i) that `uniformAt` keeps the top 24 of (`dlc_bits` in WGSL). */
export function bitsAt(seed: number, step: number, salt: number, i: number): number {
  return hashU32((i ^ hashU32((salt ^ hashU32((seed ^ hashU32(step)) >>> 0)) >>> 0)) >>> 0);
}

/** Uniform in [0, 1) with 24 random bits, bit-identical to `dlc_uniform` in WGSL. */
export function uniformAt(seed: number, step: number, salt: number, i: number): number {
  return (bitsAt(seed, step, salt, i) >>> 8) / 16777216;
}
