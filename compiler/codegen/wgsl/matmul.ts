// Matmul kernel: each invocation computes a 4×4 block of C = op(A)·op(B), op = optional transpose.
import type { EmittedKernel, KernelIO } from '../../ir/ops/def.ts';
import { HASH_WGSL, u32Lit } from './common.ts';

const TILE = 4;
const WG = 8;

/** Dimensions of C = op(A)·op(B) given stored shapes and transpose flags. */
export function matmulDims(a: number[], b: number[], transA: boolean, transB: boolean): { M: number; K: number; N: number; Kb: number } {
  const [M, K] = transA ? [a[1]!, a[0]!] : [a[0]!, a[1]!];
  const [Kb, N] = transB ? [b[1]!, b[0]!] : [b[0]!, b[1]!];
  return { M, K, N, Kb };
}

/** WGSL that turns the accumulated value `acc` at flat output index `idx` into what is stored. */
export type MatmulEpilogue = (acc: string, idx: string) => { lets: string[]; value: string };

export function emitMatmul(io: KernelIO, epilogue?: MatmulEpilogue): EmittedKernel {
  const [A, B] = io.inputs;
  const out = io.output!;
  const transA = io.attrs.transA === true;
  const transB = io.attrs.transB === true;
  const { M, K, N } = matmulDims(A!.shape, B!.shape, transA, transB);
  const aIdx = transA ? `k * M + m` : `m * K + k`;
  const bIdx = transB ? `n * K + k` : `k * N + n`;
  const rows = Array.from({ length: TILE }, (_, r) => r);
  const ep = epilogue?.('acc[r][c]', 'idx');
  const store = ep
    ? `\n        let idx = m * N + n;\n${ep.lets.map((l) => `        ${l}\n`).join('')}        ${out.name}[idx] = ${ep.value};\n      `
    : ` ${out.name}[m * N + n] = acc[r][c]; `;
  const body = `${(ep?.lets.join('') ?? '').includes('dlc_uniform') ? `${HASH_WGSL}\n` : ''}const M = ${u32Lit(M)};
const N = ${u32Lit(N)};
const K = ${u32Lit(K)};
fn load_a(m: u32, k: u32) -> f32 {
  return select(0.0, ${A!.name}[min(${aIdx}, ${u32Lit(M * K - 1)})], m < M);
}
fn load_b(k: u32, n: u32) -> f32 {
  return select(0.0, ${B!.name}[min(${bIdx}, ${u32Lit(K * N - 1)})], n < N);
}
@compute @workgroup_size(${WG}, ${WG})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let row0 = gid.y * ${TILE}u;
  let col0 = gid.x * ${TILE}u;
  if (row0 >= M || col0 >= N) { return; }
  var acc: array<vec4f, ${TILE}>;
  for (var k = 0u; k < K; k = k + 1u) {
    let b = vec4f(load_b(k, col0), load_b(k, col0 + 1u), load_b(k, col0 + 2u), load_b(k, col0 + 3u));
${rows.map((r) => `    acc[${r}] = acc[${r}] + load_a(row0 + ${r}u, k) * b;`).join('\n')}
  }
  for (var r = 0u; r < ${TILE}u; r = r + 1u) {
    let m = row0 + r;
    if (m >= M) { break; }
    for (var c = 0u; c < ${TILE}u; c = c + 1u) {
      let n = col0 + c;
      if (n < N) {${store}}
    }
  }
}`;
  return { body, workgroups: [Math.ceil(N / (TILE * WG)), Math.ceil(M / (TILE * WG)), 1] };
}
