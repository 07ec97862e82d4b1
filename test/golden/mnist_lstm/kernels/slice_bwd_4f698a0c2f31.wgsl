// slice_bwd in lstm_1 (samples/mnist_lstm.dl:7)
@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read> b1: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= 458752u) { return; }
  let r = i % 256u;
  let a = (i / 256u) % 28u;
  let o = i / 7168u;
  if (a >= 0u && a < 1u) {
    b0[i] = b1[(o * 1u + a - 0u) * 256u + r];
  } else {
    b0[i] = 0.0;
  }
}
