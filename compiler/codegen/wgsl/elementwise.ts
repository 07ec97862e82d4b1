// Element-wise kernel: one invocation per output element (or VECS vec4s of them), inputs read
// through broadcast index maps, the op's tree or the fused chain printed per element.
import type { ElementwiseTemplate } from '../../ir/kernel-spec.ts';
import { flatGroup, flatIndex, u32Lit } from './common.ts';
import { printIndex } from './epilogue.ts';
import { preludeFor, printBlock, printExpr } from './expr.ts';
import type { TemplateContext } from './template.ts';

export function elementwiseBody(t: ElementwiseTemplate, cx: TemplateContext): string {
  const xs = t.inputs.map((_, k) => `x${k}`);
  const step = cx.step ? { step: cx.step } : {};
  const expr = (i: string): { lets: string[]; value: string } =>
    t.lets ? printBlock(t.value, xs, { index: i, ...step }) : { lets: [], value: printExpr(t.value.steps[0]!, { arg: (k) => xs[k]!, index: i, ...step }) };
  const hash = preludeFor(t.value.steps);
  const WG = t.wg;
  if (t.vec4) {
    const VECS = t.vec4.vecs;
    const vecLoads = t.inputs.flatMap((x, k) => (x.index.kind === 'same' ? [`      let v${k} = ${x.name}[q];`] : []));
    const lanes = [0, 1, 2, 3].map((c) => {
      const i = `(q * 4u + ${c}u)`;
      const loads = t.inputs.map((x, k) => `let x${k} = ${x.index.kind === 'same' ? `v${k}[${c}]` : `${x.name}[${printIndex(x.index, i)}]`};`);
      const { lets, value } = expr(i);
      return `      {\n${[...loads, ...lets].map((l) => `        ${l}\n`).join('')}        r[${c}] = ${value};\n      }`;
    });
    return `${hash}@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let w = ${flatGroup(cx.workgroups)};
  for (var j = 0u; j < ${u32Lit(VECS)}; j = j + 1u) {
    let q = w * ${u32Lit(WG * VECS)} + j * ${u32Lit(WG)} + lid;
    if (q < ${u32Lit(t.n / 4)}) {
${vecLoads.join('\n')}
      var r: vec4f;
${lanes.join('\n')}
      ${t.out}[q] = r;
    }
  }
}`;
  }
  const loads = t.inputs.map((x, k) => `  let x${k} = ${x.name}[${printIndex(x.index, 'i')}];`);
  const { lets, value } = expr('i');
  const code = [...loads, ...lets.map((l) => `  ${l}`)].join('\n');
  return `${hash}@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${flatIndex(cx.workgroups, WG)};
  if (i >= ${u32Lit(t.n)}) { return; }
${code}
  ${t.out}[i] = ${value};
}`;
}
