// sum_to: sums an input down to a broadcast-compatible target shape, one workgroup per output element.
import { reducedAxes } from '../../ir/geometry.ts';
import { numel, strides } from '../../ir/tensor.ts';
import { flatGroup, grid, u32Lit } from './common.ts';
import type { EmittedKernel, KernelIO } from './kernel-io.ts';

const WG = 64;

/** WGSL that sets `name` to the input offset of coordinate `flat` over the given axes. */
function offsetExpr(name: string, flat: string, shape: number[], axes: number[], st: number[]): string {
  if (axes.length === 0) return `let ${name} = 0u;`;
  const lines = [`var ${name} = 0u;`, `var rem_${name} = ${flat};`];
  for (let k = axes.length - 1; k >= 0; k--) {
    const ax = axes[k]!;
    const d = shape[ax]!;
    lines.push(`${name} = ${name} + (rem_${name} % ${u32Lit(d)}) * ${u32Lit(st[ax]!)};`);
    lines.push(`rem_${name} = rem_${name} / ${u32Lit(d)};`);
  }
  return lines.join('\n  ');
}

export function emitSumTo(io: KernelIO): EmittedKernel {
  const x = io.inputs[0]!;
  const out = io.output!;
  const red = reducedAxes(x.shape, out.shape);
  const st = strides(x.shape);
  const kept = x.shape.map((_, i) => i).filter((i) => !red[i]);
  const summed = x.shape.map((_, i) => i).filter((i) => red[i]);
  const O = numel(out.shape);
  const R = numel(summed.map((i) => x.shape[i]!));
  const body = `var<workgroup> partial: array<f32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let o = ${flatGroup(O)};
  if (o >= ${u32Lit(O)}) { return; }
  ${offsetExpr('base', 'o', x.shape, kept, st)}
  var s = 0.0;
  for (var j = lid; j < ${u32Lit(R)}; j = j + ${WG}u) {
    ${offsetExpr('off', 'j', x.shape, summed, st)}
    s = s + ${x.name}[base + off];
  }
  partial[lid] = s;
  workgroupBarrier();
  for (var w = ${WG / 2}u; w > 0u; w = w >> 1u) {
    if (lid < w) { partial[lid] = partial[lid] + partial[lid + w]; }
    workgroupBarrier();
  }
  if (lid == 0u) { ${out.name}[o] = partial[0]; }
}`;
  return { body, workgroups: grid(O) };
}
