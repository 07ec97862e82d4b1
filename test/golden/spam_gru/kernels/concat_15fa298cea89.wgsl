// concat in bidirectional_1 (samples/spam_gru.dl:11)
@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read> b1: array<f32>;
@group(0) @binding(2) var<storage, read> b2: array<f32>;
struct DispatchParams { p0: u32, p1: u32, p2: u32, p3: u32 }
@group(0) @binding(3) var<uniform> dispatch_params: DispatchParams;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= dispatch_params.p2) { return; }
  let r = i % 1u;
  let a = (i / 1u) % (dispatch_params.p0 + dispatch_params.p1);
  let o = i / (1u * (dispatch_params.p0 + dispatch_params.p1));
  if (a < dispatch_params.p0) {
    b0[i] = b1[(o * dispatch_params.p0 + a) * 1u + r];
  } else {
    b0[i] = b2[(o * dispatch_params.p1 + a - dispatch_params.p0) * 1u + r];
  }
}
