// Small pieces every WGSL template shares: literals, flat indices over 2-D grids, the RNG, types.
import type { DType } from '../../ir/kernel-spec.ts';
import type { TemplateContext } from './template.ts';

/** An f32 literal WGSL parses exactly: always with a decimal point or exponent, never `inf`. */
export function f32Lit(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`non-finite constant ${x} in a kernel`);
  const f = Math.fround(x);
  let s = String(f);
  if (!/[.e]/.test(s)) s += '.0';
  // WGSL wants e+N without the plus sign being an issue; it accepts `1e+38` but keep it plain.
  s = s.replace('e+', 'e');
  return s;
}

export function u32Lit(x: number): string {
  if (!Number.isInteger(x) || x < 0 || x > 0xffffffff) throw new Error(`bad u32 constant ${x}`);
  return `${x}u`;
}

/**
 * A loop bound the driver's shader compiler cannot see through: `n`, unless the runtime-sized
 * array `buffer` is empty, which WebGPU never binds. Mesa (NIR, then LLVM) fully unrolls a loop
 * of small known count, which multiplies the kernel's compile time on llvmpipe (measured: Adam's
 * loop over 4 vec4s 1.1 s → 0.3 s of CPU, a matmul's 4-column store 2.6 s → 1.3 s) and buys
 * nothing where memory bounds the loop.
 */
export function hiddenCount(n: number, buffer: string): string {
  return `select(${u32Lit(n)}, 0u, arrayLength(&${buffer}) == 0u)`;
}

/**
 * WGSL expression of the flat invocation index of a 1-D problem dispatched on `workgroups` (x, then
 * y when the grid spilled over the per-dimension limit) with workgroup size `wg`.
 */
export function flatIndex(workgroups: readonly number[], wg: number): string {
  return workgroups[1] === 1 ? 'gid.x' : `(gid.x + gid.y * ${u32Lit(workgroups[0]! * wg)})`;
}

/** Flat workgroup index on such a grid. */
export function flatGroup(workgroups: readonly number[]): string {
  return workgroups[1] === 1 ? 'wid.x' : `(wid.x + wid.y * ${u32Lit(workgroups[0]!)})`;
}

/**
 * A count that scales with the batch (rows, elements, output pixels over the batch), `count` being its
 * value at the compiled batch: that literal, or in an inference kernel the count for the batch the
 * runtime set, `batch · count/max`.
 */
export function batchCount(count: number, cx: TemplateContext): string {
  if (!cx.batch) return u32Lit(count);
  const per = count / cx.batch.max;
  if (!Number.isInteger(per)) throw new Error(`internal error: count ${count} does not scale with batch ${cx.batch.max}`);
  return per === 1 ? cx.batch.name : `(${cx.batch.name} * ${u32Lit(per)})`;
}

/** WGSL struct of the batch uniform block of inference kernels (16 bytes: the batch, then padding). */
export const BATCH_STRUCT = 'struct BatchParams { n: u32, pad0: u32, pad1: u32, pad2: u32 }';

/** WGSL struct of the per-dispatch uniform block (artifact.ts DISPATCH_PARAMS_BYTES: four u32s). */
export const DISPATCH_STRUCT = 'struct DispatchParams { p0: u32, p1: u32, p2: u32, p3: u32 }';

/** WGSL struct of the step uniform block (see artifact.ts STEP_PARAMS_BYTES). */
export const STEP_STRUCT = 'struct StepParams { lr: f32, step: u32, seed: u32, pad: u32 }';

/** The WGSL element type of a binding: i8 and u8 are packed four to a u32. */
export const WGSL_TYPE: { readonly [D in DType]: string } = { f32: 'f32', f16: 'f16', i32: 'i32', u32: 'u32', i8: 'u32', u8: 'u32' };

/**
 * WGSL helpers of a kernel reading int8 weights from `buf` (packed four to a u32, see
 * compiler/quantize.ts): `<buf>_i8(e)` is element e as f32, `<buf>_i8x4(w)` the four elements of
 * word w. Bytes are sign-extended by shifting them to the top and back arithmetically: core WGSL,
 * where unpack4xI8 needs the packed_4x8_integer_dot_product language feature.
 */
export const int8Helpers = (buf: string): string => `fn ${buf}_i8(e: u32) -> f32 {
  return f32(bitcast<i32>(${buf}[e >> 2u] << (24u - 8u * (e & 3u))) >> 24u);
}
fn ${buf}_i8x4(w: u32) -> vec4f {
  return vec4f(vec4i(bitcast<i32>(w << 24u), bitcast<i32>(w << 16u), bitcast<i32>(w << 8u), bitcast<i32>(w)) >> vec4u(24u));
}
`;

/** WGSL expression of output channel `channel`'s scale of an int8 weight in `buf` whose scales start at word `scales`. */
export const int8Scale = (buf: string, scales: number, channel: string): string => `bitcast<f32>(${buf}[${u32Lit(scales)} + ${channel}])`;

/**
 * WGSL helper `q8x4(v, inv)` of kernels with int8 activations (dlc quantize --calibrate): four f32
 * activations times the reciprocal of their scale (one correctly rounded f32 product each), rounded
 * to the nearest integer with halves away from zero (WGSL's round() takes halves to even, so exact
 * halves are redone), clamped to [-127, 127] and packed four to a u32 for dot4I8Packed.
 * compiler/reference/int8-activations.ts computes the same integers.
 */
export const Q8X4_WGSL = `fn q8x4(v: vec4f, inv: f32) -> u32 {
  let s = v * inv;
  let t = trunc(s);
  let r = select(round(s), t + sign(s), abs(s - t) == vec4f(0.5));
  return pack4xI8(vec4i(clamp(r, vec4f(-127.0), vec4f(127.0))));
}
`;

/** WGSL expression of the f32 at word `word` of buffer `buf` (an int8 weight's activation scale or its reciprocal). */
export const wordF32 = (buf: string, word: number): string => `bitcast<f32>(${buf}[${u32Lit(word)}])`;

/** Text safe inside a WGSL line comment: printable ASCII only, at most 200 characters. */
export const commentText = (s: string): string => s.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);

/** Integer hash (lowbias32) used by dropout; `hashU32` in ir/random.ts is its exact JavaScript twin. */
export const HASH_WGSL = `fn dlc_hash(v: u32) -> u32 {
  var h = v;
  h = h ^ (h >> 16u);
  h = h * 0x7feb352du;
  h = h ^ (h >> 15u);
  h = h * 0x846ca68bu;
  h = h ^ (h >> 16u);
  return h;
}
fn dlc_uniform(seed: u32, step: u32, salt: u32, i: u32) -> f32 {
  let h = dlc_hash(i ^ dlc_hash(salt ^ dlc_hash(seed ^ dlc_hash(step))));
  return f32(h >> 8u) / 16777216.0;
}`;
