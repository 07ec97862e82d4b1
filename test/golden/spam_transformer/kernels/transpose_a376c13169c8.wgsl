// transpose in multi_head_attention_1 (samples/spam_transformer.dl:9)
@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read> b1: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= 102400u) { return; }
  var rest = i;
  var src = 0u;
  src = src + (rest % 16u) * 1u;
  rest = rest / 16u;
  src = src + (rest % 100u) * 32u;
  rest = rest / 100u;
  src = src + (rest % 2u) * 16u;
  rest = rest / 2u;
  src = src + rest * 3200u;
  b0[i] = b1[src];
}
