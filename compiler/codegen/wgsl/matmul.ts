// Matmul kernel: each invocation computes a TM×TN block of C = op(A)·op(B) (op = optional
// transpose) in registers. Row and column indices are clamped once, outside the k loop, so the
// inner loop is loads and fused multiply-adds only; out-of-range rows and columns compute
// duplicates that are never stored. The tile shrinks for small outputs so enough invocations run.
// A batch of products runs one workgroup layer per product along z, each reading and writing at its
// own offset (a 2-D matmul's text has no offsets).
import type { MatmulTemplate } from '../../ir/kernel-spec.ts';
import { batchCount, hiddenCount, int8Helpers, int8Scale, u32Lit } from './common.ts';
import { epilogueCode } from './epilogue.ts';
import { preludeFor } from './expr.ts';
import type { TemplateContext } from './template.ts';

/**
 * `store_row([co,] m, n0, acc)`: stores four consecutive columns of one row of C (those inside
 * M × N), scaled per column for int8 B, through the fused epilogue when there is one (whose helpers
 * matmulPrelude prints first). A batch of products passes its product's offset into C, `co`.
 */
export function matmulStoreRow(t: MatmulTemplate, cx: TemplateContext): string {
  const batched = t.batch > 1;
  const q = t.quantB;
  const ep = t.epilogue && epilogueCode(t.epilogue, 'v', 'idx', cx.step);
  const cOff = batched ? 'co + ' : '';
  const storeOne = ep
    ? `{\n        let idx = ${cOff}m * N + n;\n${ep.lets.map((l) => `        ${l}\n`).join('')}        ${t.out}[idx] = ${ep.value};\n      }`
    : `{ ${t.out}[${cOff}m * N + n] = v; }`;
  return `fn store_row(${batched ? 'co: u32, ' : ''}m: u32, n0: u32, acc: vec4f) {
  if (m >= M) { return; }
  for (var c = 0u; c < ${hiddenCount(4, t.out)}; c = c + 1u) {
    let n = n0 + c;
    if (n < N) {
      let v = acc[c]${q ? ` * ${int8Scale(t.b, q.scales, 'n')}` : ''};
      ${storeOne}
    }
  }
}`;
}

/** The fused epilogue's helper functions and int8 B's unpacking, printed at the top of the kernel. */
export const matmulPrelude = (t: MatmulTemplate): string => `${t.epilogue ? preludeFor(t.epilogue.block.steps) : ''}${t.quantB ? int8Helpers(t.b) : ''}`;

export function matmulBody(t: MatmulTemplate, cx: TemplateContext): string {
  const { M, N, K, transA, transB, TM, TN } = t;
  const WG = t.wg;
  const rs = Array.from({ length: TM }, (_, r) => r);
  const cs = Array.from({ length: TN / 4 }, (_, j) => j);
  const a = t.a;
  const b = t.b;
  const batched = t.batch > 1;
  // Offsets of product z (gid.z) into A, B and C; nothing for one product.
  const aOff = batched ? 'ao + ' : '';
  const bOff = batched ? 'bo + ' : '';
  // Clamped row / column indices (and their base offsets), computed once.
  const setup = [
    ...rs.map((r) => `  let ar${r} = min(row0 + ${r}u, M - 1u)${transA ? '' : ' * K'};`),
    ...cs.flatMap((j) => [0, 1, 2, 3].map((c) => `  let bc${4 * j + c} = min(col0 + ${4 * j + c}u, N - 1u)${transB ? ' * K' : ''};`)),
  ];
  // Unrolling k (tried: by 4) runs 2-4× slower on llvmpipe: too many live registers at 8×8.
  const unroll = 1;
  const kk = (u: number): string => (u === 0 ? 'k' : `(k + ${u}u)`);
  const loadA = (r: number, u: number): string => (transA ? `${a}[${aOff}${kk(u)} * M + ar${r}]` : `${a}[${aOff}ar${r} + ${kk(u)}]`);
  const q = t.quantB;
  const indexB = (c: number, u: number): string => (transB ? `${bOff}bc${c} + ${kk(u)}` : `${bOff}${kk(u)} * N + bc${c}`);
  const loadB = (c: number, u: number): string => (q ? `${b}_i8(${indexB(c, u)})` : t.halfB ? `f32(${b}[${indexB(c, u)}])` : `${b}[${indexB(c, u)}]`);
  // Int8 B whose rows are whole words: a column group's four values are one word (a clamped group
  // past N reads N − 1's word, in bounds; it is never stored). Int8 B is a weight: never batched.
  const wordB = q !== undefined && !transB && !batched && N % 4 === 0;
  const vecB = (j: number, u: number): string => (wordB ? `${b}_i8x4(${b}[(${indexB(4 * j, u)}) >> 2u])` : `vec4f(${[0, 1, 2, 3].map((c) => loadB(4 * j + c, u)).join(', ')})`);
  const inner = Array.from({ length: unroll }, (_, u) => [
    ...cs.map((j) => `    let b${j}_${u} = ${vecB(j, u)};`),
    ...rs.map((r) => `    let a${r}_${u} = ${loadA(r, u)};`),
    ...rs.flatMap((r) => cs.map((j) => `    acc${r}_${j} = fma(vec4f(a${r}_${u}), b${j}_${u}, acc${r}_${j});`)),
  ]).flat();
  const stores = rs.flatMap((r) => cs.map((j) => `  store_row(${batched ? 'co, ' : ''}row0 + ${r}u, col0 + ${4 * j}u, acc${r}_${j});`));
  // With a runtime batch, M (the rows: the batch's samples) is set at the start of main. A batch of
  // products has the samples in its z layers, and has no runtime-batch form (passes/inference.ts).
  const dynamicRows = cx.batch !== undefined && !batched;
  const rowsDecl = dynamicRows ? 'var<private> M: u32;' : `const M = ${u32Lit(M)};`;
  const offsets = batched ? `  let ao = gid.z * ${u32Lit(M * K)};\n  let bo = gid.z * ${u32Lit(K * N)};\n  let co = gid.z * ${u32Lit(M * N)};\n` : '';
  return `${matmulPrelude(t)}${rowsDecl}
const N = ${u32Lit(N)};
const K = ${u32Lit(K)};
${matmulStoreRow(t, cx)}
@compute @workgroup_size(${WG}, ${WG})
fn main(@builtin(global_invocation_id) gid: vec3u) {
${dynamicRows ? `  M = ${batchCount(M, cx)};\n` : ''}  let row0 = gid.y * ${TM}u;
  let col0 = gid.x * ${TN}u;
  if (row0 >= M || col0 >= N) { return; }
${offsets}${setup.join('\n')}
${rs.flatMap((r) => cs.map((j) => `  var acc${r}_${j} = vec4f(0.0);`)).join('\n')}
  for (var k = 0u; k < K; k = k + ${unroll}u) {
${inner.join('\n')}
  }
${stores.join('\n')}
}`;
}
