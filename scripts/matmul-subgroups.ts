// A matmul kernel that shares A through subgroup broadcasts, for scripts/matmul-bench.ts only: a
// measurement of what subgroups buy on a software adapter, not a kernel dlc compiles. On llvmpipe
// and lavapipe every load whose address is not a constant runs lane by lane (about 8 instructions
// per float per lane), so a kernel is as fast as its loads per FMA are few. Here each subgroup of 8
// lanes owns 8·g rows and 8 vec4 columns; per 4 steps of K, lane l loads row (8i + l)'s four A
// values as one vec4 and its own column's four B vec4s, and the other lanes' rows arrive by
// subgroupBroadcast (an extract and a splat, no load). Needs the 'subgroups' feature with subgroups
// of exactly 8 (lavapipe), n a multiple of 32, no transposes; A, B and C are read as vec4.

/** The kernel's WGSL for an n×n×n product, g row groups of 8 per subgroup, `wg` invocations per workgroup. */
export function subgroupMatmulWgsl(n: number, g: number, wg: number): string {
  const rows = 8 * g;
  const R = (k: number): number[] => Array.from({ length: k }, (_, i) => i);
  const steps = R(4).map((u) => [
    `    let b${u} = mm_b[(k4 * 4u + ${u}u) * N4 + col4];`,
    ...R(rows).flatMap((r) => [`    acc${r} = fma(vec4f(subgroupBroadcast(al${r >> 3}[${u}], ${r % 8}u)), b${u}, acc${r});`]),
  ].join('\n'));
  return `enable subgroups;
@group(0) @binding(0) var<storage, read_write> mm_c: array<vec4f>;
@group(0) @binding(1) var<storage, read> mm_a: array<vec4f>;
@group(0) @binding(2) var<storage, read> mm_b: array<vec4f>;
const N4 = ${n / 4}u;
const K4 = ${n / 4}u;
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  let row0 = wid.y * ${rows}u;
  let col4 = (wid.x * ${wg / 8}u + lid.x / 8u) * 8u + lane;
${R(rows).map((r) => `  var acc${r} = vec4f(0.0);`).join('\n')}
  for (var k4 = 0u; k4 < K4; k4 = k4 + 1u) {
${R(g).map((i) => `    let al${i} = mm_a[(row0 + ${8 * i}u + lane) * K4 + k4];`).join('\n')}
${steps.join('\n')}
  }
${R(rows).map((r) => `  mm_c[(row0 + ${r}u) * N4 + col4] = acc${r};`).join('\n')}
}`;
}

/** The grid for an n×n product: (n/4)/wg workgroups across, n/(8g) down. */
export const subgroupMatmulGrid = (n: number, g: number, wg: number): [number, number, number] => [n / 4 / wg, n / (8 * g), 1];
