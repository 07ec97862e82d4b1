// sum_to: sums an input down to a broadcast-compatible target shape, one workgroup per output element.
import type { SumToTemplate } from '../../ir/kernel-spec.ts';
import { batchCount, flatGroup, u32Lit } from './common.ts';
import type { TemplateContext } from './template.ts';

/** WGSL that sets `name` to the input offset of coordinate `flat` over the given axes. */
function offsetExpr(name: string, flat: string, axes: { dim: number; stride: number }[]): string {
  if (axes.length === 0) return `let ${name} = 0u;`;
  const lines = [`var ${name} = 0u;`, `var rem_${name} = ${flat};`];
  for (let k = axes.length - 1; k >= 0; k--) {
    const { dim, stride } = axes[k]!;
    lines.push(`${name} = ${name} + (rem_${name} % ${u32Lit(dim)}) * ${u32Lit(stride)};`);
    lines.push(`rem_${name} = rem_${name} / ${u32Lit(dim)};`);
  }
  return lines.join('\n  ');
}

export function sumToBody(t: SumToTemplate, cx: TemplateContext): string {
  const { O, R } = t;
  const WG = t.wg;
  return `var<workgroup> partial: array<f32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let o = ${flatGroup(cx.workgroups)};
  if (o >= ${batchCount(O, cx)}) { return; }
  ${offsetExpr('base', 'o', t.kept)}
  var s = 0.0;
  for (var j = lid; j < ${u32Lit(R)}; j = j + ${WG}u) {
    ${offsetExpr('off', 'j', t.summed)}
    s = s + ${t.x}[base + off];
  }
  partial[lid] = s;
  workgroupBarrier();
  for (var w = ${WG / 2}u; w > 0u; w = w >> 1u) {
    if (lid < w) { partial[lid] = partial[lid] + partial[lid + w]; }
    workgroupBarrier();
  }
  if (lid == 0u) { ${t.out}[o] = partial[0]; }
}`;
}
