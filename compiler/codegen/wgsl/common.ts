// Small pieces every WGSL template shares: literals, 1-D grids over 2-D dispatches, the RNG.

/** Workgroups per dimension WebGPU guarantees; larger grids spill into y. */
export const MAX_WORKGROUPS_PER_DIM = 65535;

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

/** Workgroup counts covering `groups` groups, split over x and y when above the per-dimension limit. */
export function grid(groups: number): [number, number, number] {
  const g = Math.max(1, groups);
  if (g <= MAX_WORKGROUPS_PER_DIM) return [g, 1, 1];
  const x = MAX_WORKGROUPS_PER_DIM;
  return [x, Math.ceil(g / x), 1];
}

/**
 * WGSL expression of the flat invocation index for a 1-D problem dispatched with `grid()`
 * and workgroup size `wg` (gid is the global invocation id).
 */
export function flatIndex(groups: number, wg: number): string {
  const [x] = grid(groups);
  return x === groups || groups <= MAX_WORKGROUPS_PER_DIM ? 'gid.x' : `(gid.x + gid.y * ${u32Lit(x * wg)})`;
}

/** Flat workgroup index for grids made by `grid()`. */
export function flatGroup(groups: number): string {
  const [x] = grid(groups);
  return groups <= MAX_WORKGROUPS_PER_DIM ? 'wid.x' : `(wid.x + wid.y * ${u32Lit(x)})`;
}

/** WGSL struct of the step uniform block (see artifact.ts STEP_PARAMS_BYTES). */
export const STEP_STRUCT = 'struct StepParams { lr: f32, step: u32, seed: u32, pad: u32 }';

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
