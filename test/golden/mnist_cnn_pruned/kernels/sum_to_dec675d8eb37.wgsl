// sum_to in dense_2 (samples/mnist_cnn_pruned.dl:14)
@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read> b1: array<f32>;
var<workgroup> partial: array<f32, 64>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let o = wid.x;
  if (o >= 10u) { return; }
  var base = 0u;
  var rem_base = o;
  base = base + (rem_base % 10u) * 1u;
  rem_base = rem_base / 10u;
  var s = 0.0;
  for (var j = lid; j < 64u; j = j + 64u) {
    var off = 0u;
  var rem_off = j;
  off = off + (rem_off % 64u) * 10u;
  rem_off = rem_off / 64u;
    s = s + b1[base + off];
  }
  partial[lid] = s;
  workgroupBarrier();
  for (var w = 32u; w > 0u; w = w >> 1u) {
    if (lid < w) { partial[lid] = partial[lid] + partial[lid + w]; }
    workgroupBarrier();
  }
  if (lid == 0u) { b0[o] = partial[0]; }
}
