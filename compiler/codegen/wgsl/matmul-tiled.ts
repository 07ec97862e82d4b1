// Matmul kernel with workgroup-memory tiles: the workgroup computes a BM×BN block of C = op(A)·op(B)
// (BM = wg·TM, BN = wg·TN), each invocation a TM×TN block of it in registers. Per step of BK along
// K, the workgroup copies a BM×BK tile of A and a BK×BN tile of B from storage into workgroup
// memory (each element read once per workgroup instead of once per invocation, in storage order so
// neighbouring invocations read neighbouring addresses), waits, then multiplies out of it. Edges
// load zeros, so any M, N, K works; rows and columns past the edge are computed but never stored.
// Everything is loops (copy, K steps, the BK inner steps): the text stays short, whatever the tile.
import type { MatmulTemplate } from '../../ir/kernel-spec.ts';
import { batchCount, u32Lit } from './common.ts';
import { matmulPrelude, matmulStoreRow } from './matmul.ts';
import type { TemplateContext } from './template.ts';

export function tiledMatmulBody(t: MatmulTemplate, BK: number, cx: TemplateContext): string {
  const { M, N, K, transA, transB, TM, TN, wg } = t;
  const BM = wg * TM;
  const BN = wg * TN;
  const threads = wg * wg;
  if (TM % 4 || TN % 4 || BK % 4) throw new Error(`internal error: matmul tile ${BM}×${BN}×${BK} does not split over ${threads} invocations`);
  const rs = Array.from({ length: TM }, (_, r) => r);
  const cs = Array.from({ length: TN / 4 }, (_, j) => j);
  // Tile copy, four elements at a time into one vec4 of workgroup memory: quad q of the tile, in
  // the order the operand is stored where it can (a row-major A walks k fastest, a transposed one
  // m; likewise B), so neighbouring invocations read neighbouring addresses.
  const quadsA = (BM * BK) / 4;
  const quadsB = (BN * BK) / 4;
  const aQuad = transA ? ['q / BM4', '(q % BM4) * 4u'] : ['q % BK', '(q / BK) * 4u'];
  const bQuad = transB ? ['q % BK', '(q / BK) * 4u'] : ['q / BN4', '(q % BN4) * 4u'];
  const aLoad = (i: number): string => `a_at(k0 + kk, row0 + m + ${i}u)`;
  const bLoad = (i: number): string => `b_at(k0 + kk, col0 + n + ${i}u)`;
  const copy = (quads: number, coords: string[], store: string, load: (i: number) => string, v: string): string => {
    const per = Math.ceil(quads / threads);
    const guard = quads % threads ? `\n      if (q >= ${u32Lit(quads)}) { break; }` : '';
    return `    for (var i = 0u; i < ${u32Lit(per)}; i = i + 1u) {
      let q = li + i * ${u32Lit(threads)};${guard}
      let kk = ${coords[0]};
      let ${v} = ${coords[1]};
      ${store} = vec4f(${[0, 1, 2, 3].map(load).join(', ')});
    }`;
  };
  const aRows = rs.filter((r) => r % 4 === 0).map((r) => `      let a${r / 4} = As[kk * BM4 + ty * ${u32Lit(TM / 4)} + ${u32Lit(r / 4)}];`);
  const bCols = cs.map((j) => `      let b${j} = Bs[kk * BN4 + tx * ${u32Lit(TN / 4)} + ${u32Lit(j)}];`);
  const fmas = rs.flatMap((r) => cs.map((j) => `      acc${r}_${j} = fma(vec4f(a${r >> 2}[${r % 4}]), b${j}, acc${r}_${j});`));
  const rowsDecl = cx.batch ? 'var<private> M: u32;' : `const M = ${u32Lit(M)};`;
  return `${matmulPrelude(t)}${rowsDecl}
const N = ${u32Lit(N)};
const K = ${u32Lit(K)};
const BM = ${u32Lit(BM)};
const BN = ${u32Lit(BN)};
const BK = ${u32Lit(BK)};
const BM4 = ${u32Lit(BM / 4)};
const BN4 = ${u32Lit(BN / 4)};
// Tiles k-major, four consecutive rows (columns) per vec4: one load gives four FMAs' operands.
var<workgroup> As: array<vec4f, ${(BM * BK) / 4}>;
var<workgroup> Bs: array<vec4f, ${(BN * BK) / 4}>;
// Elements of op(A) at (k, m) and op(B) at (k, n); zero past the edges.
fn a_at(k: u32, m: u32) -> f32 {
  if (k >= K || m >= M) { return 0.0; }
  return ${t.a}[${transA ? 'k * M + m' : 'm * K + k'}];
}
fn b_at(k: u32, n: u32) -> f32 {
  if (k >= K || n >= N) { return 0.0; }
  return ${t.b}[${transB ? 'n * K + k' : 'k * N + n'}];
}
${matmulStoreRow(t, cx)}
@compute @workgroup_size(${wg}, ${wg})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
${cx.batch ? `  M = ${batchCount(M, cx)};\n` : ''}  let row0 = wid.y * BM;
  let col0 = wid.x * BN;
  let tx = lid.x;
  let ty = lid.y;
  let li = ty * ${u32Lit(wg)} + tx;
${rs.flatMap((r) => cs.map((j) => `  var acc${r}_${j} = vec4f(0.0);`)).join('\n')}
  for (var k0 = 0u; k0 < K; k0 = k0 + BK) {
${copy(quadsA, aQuad, 'As[kk * BM4 + m / 4u]', aLoad, 'm')}
${copy(quadsB, bQuad, 'Bs[kk * BN4 + n / 4u]', bLoad, 'n')}
    workgroupBarrier();
    for (var kk = 0u; kk < BK; kk = kk + 1u) {
${[...aRows, ...bCols, ...fmas].join('\n')}
    }
    workgroupBarrier();
  }
  let r0 = row0 + ty * ${u32Lit(TM)};
  let c0 = col0 + tx * ${u32Lit(TN)};
${rs.flatMap((r) => cs.map((j) => `  store_row(r0 + ${r}u, c0 + ${4 * j}u, acc${r}_${j});`)).join('\n')}
}`;
}
