// matmul in dense_1 (samples/mnist_cnn_pruned.dl:14)
@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read> b1: array<f32>;
@group(0) @binding(2) var<storage, read> b2: array<f32>;
const M = 64u;
const N = 1600u;
const K = 128u;
fn store_row(m: u32, n0: u32, acc: vec4f) {
  if (m >= M) { return; }
  for (var c = 0u; c < select(4u, 0u, arrayLength(&b0) == 0u); c = c + 1u) {
    let n = n0 + c;
    if (n < N) {
      let v = acc[c];
      { b0[m * N + n] = v; }
    }
  }
}
@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let row0 = gid.y * 8u;
  let col0 = gid.x * 8u;
  if (row0 >= M || col0 >= N) { return; }
  let ar0 = min(row0 + 0u, M - 1u) * K;
  let ar1 = min(row0 + 1u, M - 1u) * K;
  let ar2 = min(row0 + 2u, M - 1u) * K;
  let ar3 = min(row0 + 3u, M - 1u) * K;
  let ar4 = min(row0 + 4u, M - 1u) * K;
  let ar5 = min(row0 + 5u, M - 1u) * K;
  let ar6 = min(row0 + 6u, M - 1u) * K;
  let ar7 = min(row0 + 7u, M - 1u) * K;
  let bc0 = min(col0 + 0u, N - 1u) * K;
  let bc1 = min(col0 + 1u, N - 1u) * K;
  let bc2 = min(col0 + 2u, N - 1u) * K;
  let bc3 = min(col0 + 3u, N - 1u) * K;
  let bc4 = min(col0 + 4u, N - 1u) * K;
  let bc5 = min(col0 + 5u, N - 1u) * K;
  let bc6 = min(col0 + 6u, N - 1u) * K;
  let bc7 = min(col0 + 7u, N - 1u) * K;
  var acc0_0 = vec4f(0.0);
  var acc0_1 = vec4f(0.0);
  var acc1_0 = vec4f(0.0);
  var acc1_1 = vec4f(0.0);
  var acc2_0 = vec4f(0.0);
  var acc2_1 = vec4f(0.0);
  var acc3_0 = vec4f(0.0);
  var acc3_1 = vec4f(0.0);
  var acc4_0 = vec4f(0.0);
  var acc4_1 = vec4f(0.0);
  var acc5_0 = vec4f(0.0);
  var acc5_1 = vec4f(0.0);
  var acc6_0 = vec4f(0.0);
  var acc6_1 = vec4f(0.0);
  var acc7_0 = vec4f(0.0);
  var acc7_1 = vec4f(0.0);
  for (var k = 0u; k < K; k = k + 1u) {
    let b0_0 = vec4f(b2[bc0 + k], b2[bc1 + k], b2[bc2 + k], b2[bc3 + k]);
    let b1_0 = vec4f(b2[bc4 + k], b2[bc5 + k], b2[bc6 + k], b2[bc7 + k]);
    let a0_0 = b1[ar0 + k];
    let a1_0 = b1[ar1 + k];
    let a2_0 = b1[ar2 + k];
    let a3_0 = b1[ar3 + k];
    let a4_0 = b1[ar4 + k];
    let a5_0 = b1[ar5 + k];
    let a6_0 = b1[ar6 + k];
    let a7_0 = b1[ar7 + k];
    acc0_0 = fma(vec4f(a0_0), b0_0, acc0_0);
    acc0_1 = fma(vec4f(a0_0), b1_0, acc0_1);
    acc1_0 = fma(vec4f(a1_0), b0_0, acc1_0);
    acc1_1 = fma(vec4f(a1_0), b1_0, acc1_1);
    acc2_0 = fma(vec4f(a2_0), b0_0, acc2_0);
    acc2_1 = fma(vec4f(a2_0), b1_0, acc2_1);
    acc3_0 = fma(vec4f(a3_0), b0_0, acc3_0);
    acc3_1 = fma(vec4f(a3_0), b1_0, acc3_1);
    acc4_0 = fma(vec4f(a4_0), b0_0, acc4_0);
    acc4_1 = fma(vec4f(a4_0), b1_0, acc4_1);
    acc5_0 = fma(vec4f(a5_0), b0_0, acc5_0);
    acc5_1 = fma(vec4f(a5_0), b1_0, acc5_1);
    acc6_0 = fma(vec4f(a6_0), b0_0, acc6_0);
    acc6_1 = fma(vec4f(a6_0), b1_0, acc6_1);
    acc7_0 = fma(vec4f(a7_0), b0_0, acc7_0);
    acc7_1 = fma(vec4f(a7_0), b1_0, acc7_1);
  }
  store_row(row0 + 0u, col0 + 0u, acc0_0);
  store_row(row0 + 0u, col0 + 4u, acc0_1);
  store_row(row0 + 1u, col0 + 0u, acc1_0);
  store_row(row0 + 1u, col0 + 4u, acc1_1);
  store_row(row0 + 2u, col0 + 0u, acc2_0);
  store_row(row0 + 2u, col0 + 4u, acc2_1);
  store_row(row0 + 3u, col0 + 0u, acc3_0);
  store_row(row0 + 3u, col0 + 4u, acc3_1);
  store_row(row0 + 4u, col0 + 0u, acc4_0);
  store_row(row0 + 4u, col0 + 4u, acc4_1);
  store_row(row0 + 5u, col0 + 0u, acc5_0);
  store_row(row0 + 5u, col0 + 4u, acc5_1);
  store_row(row0 + 6u, col0 + 0u, acc6_0);
  store_row(row0 + 6u, col0 + 4u, acc6_1);
  store_row(row0 + 7u, col0 + 0u, acc7_0);
  store_row(row0 + 7u, col0 + 4u, acc7_1);
}
