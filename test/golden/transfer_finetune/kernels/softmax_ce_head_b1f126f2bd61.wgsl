// softmax_ce_head in loss (samples/transfer_finetune.dl:18)
@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read_write> b1: array<f32>;
@group(0) @binding(2) var<storage, read_write> b2: array<f32>;
@group(0) @binding(3) var<storage, read_write> b3: array<f32>;
@group(0) @binding(4) var<storage, read> b4: array<f32>;
@group(0) @binding(5) var<storage, read> b5: array<i32>;
const R = 32u;
const C = 10u;
var<workgroup> part_loss: array<f32, 256>;
var<workgroup> part_correct: array<f32, 256>;
@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) lid: vec3u) {
  let t = lid.x;
  var loss = 0.0;
  var correct = 0.0;
  let classes = select(10u, 0u, arrayLength(&b4) == 0u);
  for (var r = t; r < R; r = r + 256u) {
    let base = r * C;
    var mx = b4[base];
    var best = 0u;
    for (var j = 1u; j < classes; j = j + 1u) { let v = b4[base + j]; if (v > mx) { mx = v; best = j; } }
    var s = 0.0;
    for (var j = 0u; j < classes; j = j + 1u) { s = s + exp(b4[base + j] - mx); }
    let lse = mx + log(s);
    let label = min(u32(b5[r]), C - 1u);
    loss = loss + (lse - b4[base + label]);
    correct = correct + select(0.0, 1.0, best == label);
    for (var j = 0u; j < classes; j = j + 1u) {
      b3[base + j] = 0.03125 * (exp(b4[base + j] - lse) - select(0.0, 1.0, j == label));
    }
  }
  part_loss[t] = loss;
  part_correct[t] = correct;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w = w >> 1u) {
    if (t < w) {
      part_loss[t] = part_loss[t] + part_loss[t + w];
      part_correct[t] = part_correct[t] + part_correct[t + w];
    }
    workgroupBarrier();
  }
  if (t == 0u) {
    let mean = part_loss[0] * 0.03125;
    b0[0] = mean;
    b1[0] = b1[0] + mean;
    b2[0] = b2[0] + part_correct[0];
  }
}
