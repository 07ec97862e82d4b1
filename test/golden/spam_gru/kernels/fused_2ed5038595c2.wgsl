// fused in clip
@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read> b1: array<f32>;
@group(0) @binding(2) var<storage, read> b2: array<f32>;
@group(0) @binding(3) var<storage, read> b3: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= 1u) { return; }
  let x0 = b1[i];
  let x1 = b2[i];
  let x2 = b3[i];
  let t0 = x0 + x1;
  let t1 = t0 + x2;
  b0[i] = t1;
}
