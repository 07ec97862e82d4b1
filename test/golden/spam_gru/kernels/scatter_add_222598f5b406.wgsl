// scatter_add in embedding_1 (samples/spam_gru.dl:11)
@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read> b1: array<f32>;
@group(0) @binding(2) var<storage, read> b2: array<i32>;
@group(0) @binding(3) var<storage, read> b3: array<i32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let v = gid.x;
  if (v >= 10000u) { return; }
  let row = v * 32u;
  for (var d = 0u; d < 32u; d++) { b0[row + d] = 0.0; }
  // This row's block of the buckets: its count, then the positions of its ids in order.
  let base = (v / 64u) * 3201u;
  let count = u32(b3[base]);
  for (var k = 1u; k <= count; k++) {
    let n = u32(b3[base + k]);
    if (b2[n] == i32(v)) {
      let at = n * 32u;
      for (var d = 0u; d < 32u; d++) { b0[row + d] += b1[at + d]; }
    }
  }
}
