// slice_bwd in lstm_1 (samples/mnist_lstm.dl:7)
@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read> b1: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= 16384u) { return; }
  let r = i % 1u;
  let a = (i / 1u) % 256u;
  let o = i / 256u;
  if (a >= 128u && a < 192u) {
    b0[i] = b1[(o * 64u + a - 128u) * 1u + r];
  } else {
    b0[i] = 0.0;
  }
}
