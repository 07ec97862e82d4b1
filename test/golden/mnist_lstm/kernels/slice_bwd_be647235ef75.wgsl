// slice_bwd in lstm_1 (samples/mnist_lstm.dl:11)
@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read> b1: array<f32>;
struct DispatchParams { p0: u32, p1: u32, p2: u32, p3: u32 }
@group(0) @binding(2) var<uniform> dispatch_params: DispatchParams;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= 32768u) { return; }
  let r = i % 1u;
  let a = (i / 1u) % 512u;
  let o = i / 512u;
  if (a >= dispatch_params.p0 && a < dispatch_params.p0 + 256u) {
    b0[i] = b1[(o * 256u + a - dispatch_params.p0) * 1u + r];
  } else {
    b0[i] = 0.0;
  }
}
