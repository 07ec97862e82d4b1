// softmax_bwd in multi_head_attention_1 (samples/spam_transformer.dl:9)
@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read> b1: array<f32>;
@group(0) @binding(2) var<storage, read> b2: array<f32>;
const C = 100u;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let r = gid.x;
  if (r >= 6400u) { return; }
  let base = r * C;
  var d = 0.0;
  for (var j = 0u; j < C; j = j + 1u) { d = d + b1[base + j] * b2[base + j]; }
  for (var j = 0u; j < C; j = j + 1u) { b0[base + j] = b1[base + j] * (b2[base + j] - d); }
}
