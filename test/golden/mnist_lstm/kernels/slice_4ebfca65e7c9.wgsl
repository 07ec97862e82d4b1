// slice in lstm_1 (samples/mnist_lstm.dl:7)
@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read> b1: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= 16384u) { return; }
  let r = i % 256u;
  let a = (i / 256u) % 1u;
  let o = i / 256u;
  b0[i] = b1[(o * 28u + a + 16u) * 256u + r];
}
