// Embedding kernels: gather (one invocation per output element) and its table gradient scatter_add
// (one invocation per table row, so each row sums its positions in one fixed order, with no atomics).
import type { GatherTemplate, ScatterAddTemplate } from '../../ir/kernel-spec.ts';
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

export function scatterAddBody(t: ScatterAddTemplate, cx: TemplateContext): string {
  const D = u32Lit(t.D);
  return `@compute @workgroup_size(${t.wg})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let v = ${flatIndex(cx.workgroups, t.wg)};
  if (v >= ${u32Lit(t.V)}) { return; }
  let row = v * ${D};
  for (var d = 0u; d < ${D}; d++) { ${t.out}[row + d] = 0.0; }
  // The bound is read from the binding (it holds exactly the ids), so the driver cannot unroll the
  // loop over every id (a constant bound made lavapipe take 15-45 s to compile 15 ids).
  let n_ids = min(arrayLength(&${t.ids}), ${batchCount(t.N, cx)});
  for (var n = 0u; n < n_ids; n++) {
    if (${t.ids}[n] == i32(v)) {
      let at = n * ${D};
      for (var d = 0u; d < ${D}; d++) { ${t.out}[row + d] += ${t.g}[at + d]; }
    }
  }
}`;
}
