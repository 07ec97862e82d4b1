// Matmul kernel: each invocation computes a TM×TN block of C = op(A)·op(B) (op = optional
// transpose) in registers. Row and column indices are clamped once, outside the k loop, so the
// inner loop is loads and fused multiply-adds only; out-of-range rows and columns compute
// duplicates that are never stored. The tile shrinks for small outputs so enough invocations run.
import type { MatmulTemplate } from '../../ir/kernel-spec.ts';
import { batchCount, u32Lit } from './common.ts';
import { epilogueCode } from './epilogue.ts';
import { preludeFor } from './expr.ts';
import type { TemplateContext } from './template.ts';

/**
 * `store_row(m, n0, acc)`: stores four consecutive columns of one row of C (those inside M × N),
 * through the fused epilogue when there is one (whose helpers matmulPrelude prints first).
 */
export function matmulStoreRow(t: MatmulTemplate, cx: TemplateContext): string {
  const ep = t.epilogue && epilogueCode(t.epilogue, 'v', 'idx', cx.step);
  const storeOne = ep
    ? `{\n        let idx = m * N + n;\n${ep.lets.map((l) => `        ${l}\n`).join('')}        ${t.out}[idx] = ${ep.value};\n      }`
    : `{ ${t.out}[m * N + n] = v; }`;
  return `fn store_row(m: u32, n0: u32, acc: vec4f) {
  if (m >= M) { return; }
  for (var c = 0u; c < 4u; c = c + 1u) {
    let n = n0 + c;
    if (n < N) {
      let v = acc[c];
      ${storeOne}
    }
  }
}`;
}

/** The fused epilogue's helper functions, printed at the top of the kernel. */
export const matmulPrelude = (t: MatmulTemplate): string => (t.epilogue ? preludeFor(t.epilogue.block.steps) : '');

export function matmulBody(t: MatmulTemplate, cx: TemplateContext): string {
  const { M, N, K, transA, transB, TM, TN } = t;
  const WG = t.wg;
  const rs = Array.from({ length: TM }, (_, r) => r);
  const cs = Array.from({ length: TN / 4 }, (_, j) => j);
  const a = t.a;
  const b = t.b;
  // Clamped row / column indices (and their base offsets), computed once.
  const setup = [
    ...rs.map((r) => `  let ar${r} = min(row0 + ${r}u, M - 1u)${transA ? '' : ' * K'};`),
    ...cs.flatMap((j) => [0, 1, 2, 3].map((c) => `  let bc${4 * j + c} = min(col0 + ${4 * j + c}u, N - 1u)${transB ? ' * K' : ''};`)),
  ];
  // Unrolling k (tried: by 4) runs 2-4× slower on llvmpipe: too many live registers at 8×8.
  const unroll = 1;
  const kk = (u: number): string => (u === 0 ? 'k' : `(k + ${u}u)`);
  const loadA = (r: number, u: number): string => (transA ? `${a}[${kk(u)} * M + ar${r}]` : `${a}[ar${r} + ${kk(u)}]`);
  const loadB = (c: number, u: number): string => (transB ? `${b}[bc${c} + ${kk(u)}]` : `${b}[${kk(u)} * N + bc${c}]`);
  const inner = Array.from({ length: unroll }, (_, u) => [
    ...cs.map((j) => `    let b${j}_${u} = vec4f(${[0, 1, 2, 3].map((c) => loadB(4 * j + c, u)).join(', ')});`),
    ...rs.map((r) => `    let a${r}_${u} = ${loadA(r, u)};`),
    ...rs.flatMap((r) => cs.map((j) => `    acc${r}_${j} = fma(vec4f(a${r}_${u}), b${j}_${u}, acc${r}_${j});`)),
  ]).flat();
  const stores = rs.flatMap((r) => cs.map((j) => `  store_row(row0 + ${r}u, col0 + ${4 * j}u, acc${r}_${j});`));
  // With a runtime batch, M (the rows: the batch's samples) is set at the start of main.
  const rowsDecl = cx.batch ? 'var<private> M: u32;' : `const M = ${u32Lit(M)};`;
  return `${matmulPrelude(t)}${rowsDecl}
const N = ${u32Lit(N)};
const K = ${u32Lit(K)};
${matmulStoreRow(t, cx)}
@compute @workgroup_size(${WG}, ${WG})
fn main(@builtin(global_invocation_id) gid: vec3u) {
${cx.batch ? `  M = ${batchCount(M, cx)};\n` : ''}  let row0 = gid.y * ${TM}u;
  let col0 = gid.x * ${TN}u;
  if (row0 >= M || col0 >= N) { return; }
${setup.join('\n')}
${rs.flatMap((r) => cs.map((j) => `  var acc${r}_${j} = vec4f(0.0);`)).join('\n')}
  for (var k = 0u; k < K; k = k + ${unroll}u) {
${inner.join('\n')}
  }
${stores.join('\n')}
}`;
}
