// correct in metrics (samples/mnist_cnn_pruned.dl:19)
@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read> b1: array<f32>;
@group(0) @binding(2) var<storage, read> b2: array<i32>;
const C = 10u;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let r = gid.x;
  if (r >= 64u) { return; }
  let base = r * C;
  var best = 0u;
  var mx = b1[base];
  for (var j = 1u; j < C; j = j + 1u) { if (b1[base + j] > mx) { mx = b1[base + j]; best = j; } }
  b0[r] = select(0.0, 1.0, best == u32(b2[r]));
}
