// Matmul with int8 activations (dlc quantize --calibrate): C = A·B for f32 A [M, K] and int8 B whose
// columns run along K four to a word (runtime/int8-layout.ts). Each invocation computes a TM×TN block
// of C like the f32 register kernel (matmul.ts); per word of K it quantises four values of each of its
// rows of A (q8x4), reads one word per column of B, and adds dot4I8Packed of each pair to i32
// accumulators, exact. A K that is not a multiple of 4 ends in one word whose missing values are
// zeros on both sides. At the store the sum becomes f32, times the activation scale, then times the
// column's weight scale (store_row) before the fused epilogue.
import type { MatmulTemplate } from '../../ir/kernel-spec.ts';
import { batchCount, Q8X4_WGSL, u32Lit, wordF32 } from './common.ts';
import { preludeFor } from './expr.ts';
import { matmulStoreRow } from './matmul.ts';
import type { TemplateContext } from './template.ts';

export function matmulInt8Body(t: MatmulTemplate, cx: TemplateContext): string {
  const { M, N, K, TM, TN } = t;
  const q = t.quantB!;
  const { wordsPerChannel, act } = q.activations!;
  const rs = Array.from({ length: TM }, (_, r) => r);
  const cs = Array.from({ length: TN / 4 }, (_, j) => j);
  const cols = Array.from({ length: TN }, (_, c) => c);
  const { a, b } = t;
  const full = Math.floor(K / 4);
  const rem = K % 4;
  // One word of K at word `w` (k = 4w): `lanes` values of A per row, the rest zero.
  const word = (lanes: number): string[] => [
    ...rs.map((r) => `    let aq${r} = q8x4(vec4f(${[0, 1, 2, 3].map((l) => (l < lanes ? `${a}[ar${r} + k${l ? ` + ${l}u` : ''}]` : '0.0')).join(', ')}), inv);`),
    ...cols.map((c) => `    let wq${c} = ${b}[bc${c} + w];`),
    ...rs.flatMap((r) => cs.map((j) => `    acc${r}_${j} = acc${r}_${j} + vec4i(${[0, 1, 2, 3].map((c) => `dot4I8Packed(aq${r}, wq${4 * j + c})`).join(', ')});`)),
  ];
  const dynamicRows = cx.batch !== undefined;
  return `${t.epilogue ? preludeFor(t.epilogue.block.steps) : ''}${Q8X4_WGSL}${dynamicRows ? 'var<private> M: u32;' : `const M = ${u32Lit(M)};`}
const N = ${u32Lit(N)};
const K = ${u32Lit(K)};
${matmulStoreRow(t, cx)}
@compute @workgroup_size(${t.wg}, ${t.wg})
fn main(@builtin(global_invocation_id) gid: vec3u) {
${dynamicRows ? `  M = ${batchCount(M, cx)};\n` : ''}  let row0 = gid.y * ${TM}u;
  let col0 = gid.x * ${TN}u;
  if (row0 >= M || col0 >= N) { return; }
${rs.map((r) => `  let ar${r} = min(row0 + ${r}u, M - 1u) * K;`).join('\n')}
${cols.map((c) => `  let bc${c} = min(col0 + ${c}u, N - 1u) * ${u32Lit(wordsPerChannel)};`).join('\n')}
  let inv = ${wordF32(b, act + 1)};
${rs.flatMap((r) => cs.map((j) => `  var acc${r}_${j} = vec4i(0);`)).join('\n')}
  for (var w = 0u; w < ${u32Lit(full)}; w = w + 1u) {
    let k = w * 4u;
${word(4).join('\n')}
  }
${rem ? `  {
    let w = ${u32Lit(full)};
    let k = ${u32Lit(4 * full)};
${word(rem).join('\n')}
  }
` : ''}  let sa = ${wordF32(b, act)};
${rs.flatMap((r) => cs.map((j) => `  store_row(row0 + ${r}u, col0 + ${4 * j}u, vec4f(acc${r}_${j}) * sa);`)).join('\n')}
}`;
}
