// slice_bwd in lstm_1 (samples/mnist_lstm.dl:11)
@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read> b1: array<f32>;
struct DispatchParams { p0: u32, p1: u32, p2: u32, p3: u32 }
@group(0) @binding(2) var<uniform> dispatch_params: DispatchParams;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= 917504u) { return; }
  let r = i % 512u;
  let a = (i / 512u) % 28u;
  let o = i / 14336u;
  if (a >= dispatch_params.p0 && a < dispatch_params.p0 + 1u) {
    b0[i] = b1[(o * 1u + a - dispatch_params.p0) * 512u + r];
  } else {
    b0[i] = 0.0;
  }
}
