// masked_softmax in global_avgpool1d_1 (samples/spam_transformer.dl:23)
@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read> b1: array<f32>;
@group(0) @binding(2) var<storage, read> b2: array<i32>;
const C = 100u;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let r = gid.x;
  if (r >= 32u) { return; }
  let base = r * C;
  let t = r % 1u;
  let ib = (r / 1u) * C;
  var mx = -3.402823e38;
  var kept = false;
  for (var j = 0u; j < C; j = j + 1u) { if (b2[ib + j] != 0i) { mx = max(mx, b1[base + j]); kept = true; } }
  var s = 0.0;
  for (var j = 0u; j < C; j = j + 1u) { if (b2[ib + j] != 0i) { s = s + exp(b1[base + j] - mx); } }
  // A row with every key masked is 0 (its division by s = 0 is discarded by the select).
  for (var j = 0u; j < C; j = j + 1u) { b0[base + j] = select(0.0, exp(b1[base + j] - mx) / s, kept && b2[ib + j] != 0i); }
}
