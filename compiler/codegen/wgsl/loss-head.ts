// The fused softmax cross-entropy head (its rows optionally weighted): one workgroup walks the rows,
// writes the logits gradient, and reduces the loss and the correct count in workgroup memory; thread
// 0 stores the mean loss and adds both to the epoch's running sums.
import type { LossHeadTemplate } from '../../ir/kernel-spec.ts';
import { f32Lit, hiddenCount, u32Lit } from './common.ts';

export function lossHeadBody(t: LossHeadTemplate): string {
  const { x, labels, lossOut, lossSum, correctSum, extra, weight, R, C } = t;
  // Weighted rows multiply the row's loss and gradient; unweighted kernels keep their text.
  const w = weight ? `${weight}[r] * ` : '';
  const d = t.grad;
  const WG = t.wg;
  return `const R = ${u32Lit(R)};
const C = ${u32Lit(C)};
var<workgroup> part_loss: array<f32, ${WG}>;
var<workgroup> part_correct: array<f32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_id) lid: vec3u) {
  let t = lid.x;
  var loss = 0.0;
  var correct = 0.0;
  let classes = ${hiddenCount(C, x)};
  for (var r = t; r < R; r = r + ${WG}u) {
    let base = r * C;
    var mx = ${x}[base];
    var best = 0u;
    for (var j = 1u; j < classes; j = j + 1u) { let v = ${x}[base + j]; if (v > mx) { mx = v; best = j; } }
    var s = 0.0;
    for (var j = 0u; j < classes; j = j + 1u) { s = s + exp(${x}[base + j] - mx); }
    let lse = mx + log(s);
    let label = min(u32(${labels}[r]), C - 1u);
    loss = loss + ${w}(lse - ${x}[base + label]);
    correct = correct + select(0.0, 1.0, best == label);
    for (var j = 0u; j < classes; j = j + 1u) {
      ${d}[base + j] = ${f32Lit(t.gradScale)} * ${w}(exp(${x}[base + j] - lse) - select(0.0, 1.0, j == label));
    }
  }
  part_loss[t] = loss;
  part_correct[t] = correct;
  workgroupBarrier();
  for (var w = ${WG / 2}u; w > 0u; w = w >> 1u) {
    if (t < w) {
      part_loss[t] = part_loss[t] + part_loss[t + w];
      part_correct[t] = part_correct[t] + part_correct[t + w];
    }
    workgroupBarrier();
  }
  if (t == 0u) {
    let mean = part_loss[0] * ${f32Lit(t.lossScale)}${extra ? ` + ${extra}[0]` : ''};
    ${lossOut}[0] = mean;
    ${lossSum}[0] = ${lossSum}[0] + mean;${correctSum ? `\n    ${correctSum}[0] = ${correctSum}[0] + part_correct[0];` : ''}
  }
}`;
}
