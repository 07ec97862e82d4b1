// ema in batchnorm_4 (samples/resnet_mini.dl:3)
@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read> b1: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= 32u) { return; }
  b0[i] = 0.9900000095367432 * b0[i] + 0.009999999776482582 * b1[i];
}
