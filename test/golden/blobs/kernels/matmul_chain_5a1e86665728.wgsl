// matmul_chain in dense_1 (samples/blobs.dl:9)
@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read> b1: array<f32>;
@group(0) @binding(2) var<storage, read> b2: array<f32>;
@group(0) @binding(3) var<storage, read> b3: array<f32>;
const M = 32u;
const N = 16u;
const K = 3u;
fn store_row(m: u32, n0: u32, acc: vec4f) {
  if (m >= M) { return; }
  for (var c = 0u; c < select(4u, 0u, arrayLength(&b0) == 0u); c = c + 1u) {
    let n = n0 + c;
    if (n < N) {
      let v = acc[c];
      {
        let idx = m * N + n;
        let e0 = b3[idx];
        let t0 = select(0.0, v, e0 > 0.0);
        b0[idx] = t0;
      }
    }
  }
}
@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let row0 = gid.y * 4u;
  let col0 = gid.x * 4u;
  if (row0 >= M || col0 >= N) { return; }
  let ar0 = min(row0 + 0u, M - 1u) * K;
  let ar1 = min(row0 + 1u, M - 1u) * K;
  let ar2 = min(row0 + 2u, M - 1u) * K;
  let ar3 = min(row0 + 3u, M - 1u) * K;
  let bc0 = min(col0 + 0u, N - 1u) * K;
  let bc1 = min(col0 + 1u, N - 1u) * K;
  let bc2 = min(col0 + 2u, N - 1u) * K;
  let bc3 = min(col0 + 3u, N - 1u) * K;
  var acc0_0 = vec4f(0.0);
  var acc1_0 = vec4f(0.0);
  var acc2_0 = vec4f(0.0);
  var acc3_0 = vec4f(0.0);
  for (var k = 0u; k < K; k = k + 1u) {
    let b0_0 = vec4f(b2[bc0 + k], b2[bc1 + k], b2[bc2 + k], b2[bc3 + k]);
    let a0_0 = b1[ar0 + k];
    let a1_0 = b1[ar1 + k];
    let a2_0 = b1[ar2 + k];
    let a3_0 = b1[ar3 + k];
    acc0_0 = fma(vec4f(a0_0), b0_0, acc0_0);
    acc1_0 = fma(vec4f(a1_0), b0_0, acc1_0);
    acc2_0 = fma(vec4f(a2_0), b0_0, acc2_0);
    acc3_0 = fma(vec4f(a3_0), b0_0, acc3_0);
  }
  store_row(row0 + 0u, col0 + 0u, acc0_0);
  store_row(row0 + 1u, col0 + 0u, acc1_0);
  store_row(row0 + 2u, col0 + 0u, acc2_0);
  store_row(row0 + 3u, col0 + 0u, acc3_0);
}
