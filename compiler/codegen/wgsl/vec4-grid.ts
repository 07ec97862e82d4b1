// The vec4 grid of element-wise and update kernels: each invocation handles `vecs` vec4s, strided
// by the workgroup size so that neighbouring invocations touch neighbouring vec4s (coalesced).
import { flatGroup, hiddenCount, u32Lit } from './common.ts';

export interface Vec4Grid {
  /** The dispatch grid (the flat workgroup index depends on whether it spilled into y). */
  workgroups: readonly number[];
  wg: number;
  /** vec4s per invocation. */
  vecs: number;
  /** A runtime-sized array the kernel binds, whose length hides the loop's count (hiddenCount). */
  anyArray: string;
}

/**
 * `fn main` over the grid: `prologue` (indented lines, or '') runs once per invocation, `body`
 * (lines indented four spaces) once per vec4, with `q` its index. The body does its own bound
 * check against the vec4 count: a store must be skipped, a pure update may return.
 */
export function vec4Main(g: Vec4Grid, prologue: string, body: string): string {
  return `@compute @workgroup_size(${g.wg})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let w = ${flatGroup(g.workgroups)};
${prologue}  for (var j = 0u; j < ${g.vecs > 1 ? hiddenCount(g.vecs, g.anyArray) : '1u'}; j = j + 1u) {
    let q = w * ${u32Lit(g.wg * g.vecs)} + j * ${u32Lit(g.wg)} + lid;
${body}
  }
}`;
}
