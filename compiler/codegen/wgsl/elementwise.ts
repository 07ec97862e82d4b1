// Element-wise kernel: one invocation per output element (or VECS vec4s of them), inputs read
// through broadcast index maps, the op's tree or the fused chain printed per element.
import type { ElementwiseTemplate } from '../../ir/kernel-spec.ts';
import { batchCount, flatIndex, u32Lit } from './common.ts';
import { printIndex } from './epilogue.ts';
import { preludeFor, printBlock, printExpr } from './expr.ts';
import type { TemplateContext } from './template.ts';
import { vec4Main } from './vec4-grid.ts';

export function elementwiseBody(t: ElementwiseTemplate, cx: TemplateContext): string {
  const xs = t.inputs.map((_, k) => `x${k}`);
  const step = cx.step ? { step: cx.step } : {};
  const expr = (i: string): { lets: string[]; value: string } =>
    t.lets ? printBlock(t.value, xs, { index: i, ...step }) : { lets: [], value: printExpr(t.value.steps[0]!, { arg: (k) => xs[k]!, index: i, ...step }) };
  const hash = preludeFor(t.value.steps);
  const WG = t.wg;
  if (t.vec4) {
    const vecLoads = t.inputs.flatMap((x, k) => (x.index.kind === 'same' ? [`      let v${k} = ${x.name}[q];`] : []));
    const lanes = [0, 1, 2, 3].map((c) => {
      const i = `(q * 4u + ${c}u)`;
      const loads = t.inputs.map((x, k) => `let x${k} = ${x.index.kind === 'same' ? `v${k}[${c}]` : `${x.name}[${printIndex(x.index, i)}]`};`);
      const { lets, value } = expr(i);
      return `      {\n${[...loads, ...lets].map((l) => `        ${l}\n`).join('')}        r[${c}] = ${value};\n      }`;
    });
    // With a runtime batch the last vec4 may run past the batch's elements, into rows no one reads.
    const vecCount = cx.batch ? `((${batchCount(t.n, cx)} + 3u) / 4u)` : u32Lit(t.n / 4);
    return hash + vec4Main({ workgroups: cx.workgroups, wg: WG, vecs: t.vec4.vecs, anyArray: t.out }, '', `    if (q < ${vecCount}) {
${vecLoads.join('\n')}
      var r: vec4f;
${lanes.join('\n')}
      ${t.out}[q] = r;
    }`);
  }
  const loads = t.inputs.map((x, k) => `  let x${k} = ${x.name}[${printIndex(x.index, 'i')}];`);
  const { lets, value } = expr('i');
  const code = [...loads, ...lets.map((l) => `  ${l}`)].join('\n');
  return `${hash}@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${flatIndex(cx.workgroups, WG)};
  if (i >= ${batchCount(t.n, cx)}) { return; }
${code}
  ${t.out}[i] = ${value};
}`;
}
