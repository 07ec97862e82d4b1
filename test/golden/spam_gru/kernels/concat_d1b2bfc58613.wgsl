// concat in bidirectional_1 (samples/spam_gru.dl:11)
@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read> b1: array<f32>;
@group(0) @binding(2) var<storage, read> b2: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= 2048u) { return; }
  let r = i % 1u;
  let a = (i / 1u) % 64u;
  let o = i / 64u;
  if (a < 32u) {
    b0[i] = b1[(o * 32u + a) * 1u + r];
  } else {
    b0[i] = b2[(o * 32u + a - 32u) * 1u + r];
  }
}
