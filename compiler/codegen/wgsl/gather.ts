// Embedding kernels: gather (one invocation per output element) and its table gradient: id_buckets
// (the positions of each block of 64 rows' ids, in order) then scatter_add (one invocation per table
// row over its block's positions, so each row sums in one fixed order, with no atomics).
import type { GatherTemplate, IdBucketsTemplate, ScatterAddTemplate } from '../../ir/kernel-spec.ts';
import { batchCount, flatIndex, u32Lit } from './common.ts';
import type { TemplateContext } from './template.ts';

function i32Lit(x: number): string {
  if (!Number.isInteger(x) || x < 0 || x > 0x7fffffff) throw new Error(`bad i32 constant ${x}`);
  return `${x}i`;
}

export function gatherBody(t: GatherTemplate, cx: TemplateContext): string {
  const D = u32Lit(t.D);
  return `@compute @workgroup_size(${t.wg})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${flatIndex(cx.workgroups, t.wg)};
  if (i >= ${batchCount(t.total, cx)}) { return; }
  let id = ${t.ids}[i / ${D}];
  // An id outside the table reads zeros (the data readers refuse such ids before they get here).
  if (id >= 0i && id < ${i32Lit(t.V)}) {
    ${t.out}[i] = ${t.table}[u32(id) * ${D} + i % ${D}];
  } else {
    ${t.out}[i] = 0.0;
  }
}`;
}

export function idBucketsBody(t: IdBucketsTemplate, cx: TemplateContext): string {
  const width = u32Lit(1 + t.N);
  return `@compute @workgroup_size(${t.wg})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let b = ${flatIndex(cx.workgroups, t.wg)};
  if (b >= ${u32Lit(t.blocks)}) { return; }
  let lo = i32(b * ${u32Lit(t.rowsPerBucket)});
  let hi = lo + ${i32Lit(t.rowsPerBucket)};
  let base = b * ${width};
  var k = 0u;
  // The bound is read from the binding (it holds exactly the ids), so the driver cannot unroll the
  // loop over every id (a constant bound made lavapipe take 15-45 s to compile 15 ids).
  let n_ids = min(arrayLength(&${t.ids}), ${u32Lit(t.N)});
  for (var n = 0u; n < n_ids; n++) {
    let id = ${t.ids}[n];
    if (id >= lo && id < hi) {
      k++;
      ${t.out}[base + k] = i32(n);
    }
  }
  ${t.out}[base] = i32(k);
  // The rest of the block's list is written too (zeros), so the whole output is defined.
  for (var j = k + 1u; j <= ${u32Lit(t.N)}; j++) { ${t.out}[base + j] = 0i; }
}`;
}

export function scatterAddBody(t: ScatterAddTemplate, cx: TemplateContext): string {
  const D = u32Lit(t.D);
  return `@compute @workgroup_size(${t.wg})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let v = ${flatIndex(cx.workgroups, t.wg)};
  if (v >= ${u32Lit(t.V)}) { return; }
  let row = v * ${D};
  for (var d = 0u; d < ${D}; d++) { ${t.out}[row + d] = 0.0; }
  // This row's block of the buckets: its count, then the positions of its ids in order.
  let base = (v / ${u32Lit(t.rowsPerBucket)}) * ${u32Lit(t.width)};
  let count = u32(${t.buckets}[base]);
  for (var k = 1u; k <= count; k++) {
    let n = u32(${t.buckets}[base + k]);
    if (${t.ids}[n] == i32(v)) {
      let at = n * ${D};
      for (var d = 0u; d < ${D}; d++) { ${t.out}[row + d] += ${t.g}[at + d]; }
    }
  }
}`;
}
