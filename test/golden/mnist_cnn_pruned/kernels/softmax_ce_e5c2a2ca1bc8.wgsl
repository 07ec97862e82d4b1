// softmax_ce in loss (samples/mnist_cnn_pruned.dl:19)
@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read> b1: array<f32>;
@group(0) @binding(2) var<storage, read> b2: array<i32>;
const C = 10u;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let r = gid.x;
  if (r >= 64u) { return; }
  let base = r * C;
  var mx = -3.402823e38;
  for (var j = 0u; j < C; j = j + 1u) { mx = max(mx, b1[base + j]); }
  var s = 0.0;
  for (var j = 0u; j < C; j = j + 1u) { s = s + exp(b1[base + j] - mx); }
  let label = u32(b2[r]);
  b0[r] = mx + log(s) - b1[base + min(label, C - 1u)];
}
