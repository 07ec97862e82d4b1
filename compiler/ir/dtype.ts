// Element types of IR values, each with its size in memory: what plans, codegen and the manifest read.

/** Every element type a value may have. i8 and u8 are stored packed, four to a 32-bit word. */
export type DType = 'f32' | 'f16' | 'i32' | 'u32' | 'i8' | 'u8';

export interface DTypeInfo {
  /** Bytes one element takes in a buffer. */
  bytes: number;
  /** Elements that share one 32-bit word in a buffer (1 unless packed). */
  perWord: number;
}

export const DTYPES: { readonly [D in DType]: DTypeInfo } = {
  f32: { bytes: 4, perWord: 1 },
  f16: { bytes: 2, perWord: 2 },
  i32: { bytes: 4, perWord: 1 },
  u32: { bytes: 4, perWord: 1 },
  i8: { bytes: 1, perWord: 4 },
  u8: { bytes: 1, perWord: 4 },
};

/**
 * Bytes a buffer needs for `count` elements of `dtype`: whole 32-bit words (WebGPU binds storage in
 * multiples of 4 bytes) and never 0 (a zero-sized binding is invalid).
 */
export function bufferBytes(dtype: DType, count: number): number {
  return Math.max(4, Math.ceil(count / DTYPES[dtype].perWord) * 4);
}
