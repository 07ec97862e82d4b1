// accumulate in metrics
@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read> b1: array<f32>;
@compute @workgroup_size(1)
fn main() {
  var s = 0.0;
  for (var i = 0u; i < 1u; i = i + 1u) { s = s + b1[i]; }
  b0[0] = b0[0] + s;
}
