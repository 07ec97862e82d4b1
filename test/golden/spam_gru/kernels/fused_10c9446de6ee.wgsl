// fused in clip
@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read> b1: array<f32>;
@group(0) @binding(2) var<storage, read> b2: array<f32>;
@group(0) @binding(3) var<storage, read> b3: array<f32>;
@group(0) @binding(4) var<storage, read> b4: array<f32>;
@group(0) @binding(5) var<storage, read> b5: array<f32>;
@group(0) @binding(6) var<storage, read> b6: array<f32>;
@group(0) @binding(7) var<storage, read> b7: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= 1u) { return; }
  let x0 = b1[i];
  let x1 = b2[i];
  let x2 = b3[i];
  let x3 = b4[i];
  let x4 = b5[i];
  let x5 = b6[i];
  let x6 = b7[i];
  let t0 = x0 + x1;
  let t1 = t0 + x2;
  let t2 = t1 + x3;
  let t3 = t2 + x4;
  let t4 = t3 + x5;
  let t5 = t4 + x6;
  b0[i] = t5;
}
