// Row-wise kernels over the last axis: softmax family, softmax cross-entropy, argmax correctness, class weights.
import type { RowKind, RowsTemplate } from '../../ir/kernel-spec.ts';
import { batchCount, f32Lit, flatIndex, u32Lit } from './common.ts';
import type { TemplateContext } from './template.ts';

function rowBody(kind: RowKind, t: RowsTemplate): string {
  const [a, b, c] = t.inputs;
  const o = t.out;
  const maxLoop = `var mx = -3.402823e38;
  for (var j = 0u; j < C; j = j + 1u) { mx = max(mx, ${a}[base + j]); }
  var s = 0.0;
  for (var j = 0u; j < C; j = j + 1u) { s = s + exp(${a}[base + j] - mx); }`;
  switch (kind) {
    case 'softmax':
      return `${maxLoop}
  for (var j = 0u; j < C; j = j + 1u) { ${o}[base + j] = exp(${a}[base + j] - mx) / s; }`;
    case 'log_softmax':
      return `${maxLoop}
  let lse = mx + log(s);
  for (var j = 0u; j < C; j = j + 1u) { ${o}[base + j] = ${a}[base + j] - lse; }`;
    case 'softmax_bwd': // a = y, b = g
      return `var d = 0.0;
  for (var j = 0u; j < C; j = j + 1u) { d = d + ${a}[base + j] * ${b}[base + j]; }
  for (var j = 0u; j < C; j = j + 1u) { ${o}[base + j] = ${a}[base + j] * (${b}[base + j] - d); }`;
    case 'log_softmax_bwd': // a = y, b = g
      return `var d = 0.0;
  for (var j = 0u; j < C; j = j + 1u) { d = d + ${b}[base + j]; }
  for (var j = 0u; j < C; j = j + 1u) { ${o}[base + j] = ${b}[base + j] - exp(${a}[base + j]) * d; }`;
    case 'softmax_ce': // a = logits, b = labels
      return `${maxLoop}
  let label = u32(${b}[r]);
  ${o}[r] = mx + log(s) - ${a}[base + min(label, C - 1u)];`;
    case 'softmax_ce_bwd': // a = logits, b = labels, c = g per row
      return `${maxLoop}
  let label = u32(${b}[r]);
  let g = ${c}[r];
  for (var j = 0u; j < C; j = j + 1u) {
    ${o}[base + j] = g * (exp(${a}[base + j] - mx) / s - select(0.0, 1.0, j == label));
  }`;
    case 'correct': // a = logits, b = labels
      return `var best = 0u;
  var mx = ${a}[base];
  for (var j = 1u; j < C; j = j + 1u) { if (${a}[base + j] > mx) { mx = ${a}[base + j]; best = j; } }
  ${o}[r] = select(0.0, 1.0, best == u32(${b}[r]));`;
    case 'correct_onehot': // a = logits, b = target rows
      return `var best = 0u;
  var mx = ${a}[base];
  var want = 0u;
  var tmx = ${b}[base];
  for (var j = 1u; j < C; j = j + 1u) {
    if (${a}[base + j] > mx) { mx = ${a}[base + j]; best = j; }
    if (${b}[base + j] > tmx) { tmx = ${b}[base + j]; want = j; }
  }
  ${o}[r] = select(0.0, 1.0, best == want);`;
    case 'masked_softmax': { // a = scores, b = the keys' token ids [samples, C] if any
      const m = t.mask!;
      const conds = [...(m.causal ? ['j <= t'] : []), ...(m.ids ? [`${b}[ib + j] != 0i`] : [])];
      const keep = conds.length ? conds.join(' && ') : 'true';
      return `let t = r % ${u32Lit(m.T)};
  let ib = (r / ${u32Lit(m.perSample)}) * C;
  var mx = -3.402823e38;
  var kept = false;
  for (var j = 0u; j < C; j = j + 1u) { if (${keep}) { mx = max(mx, ${a}[base + j]); kept = true; } }
  var s = 0.0;
  for (var j = 0u; j < C; j = j + 1u) { if (${keep}) { s = s + exp(${a}[base + j] - mx); } }
  // A row with every key masked is 0 (its division by s = 0 is discarded by the select).
  for (var j = 0u; j < C; j = j + 1u) { ${o}[base + j] = select(0.0, exp(${a}[base + j] - mx) / s, kept && ${keep}); }`;
    }
    case 'class_weight': // a = labels; a class outside the list weighs 1 (Keras' dict.get(c, 1.0))
    case 'class_weight_target': { // a = target rows: the argmax of C > 1 values, or the one value rounded half to even
      const w = t.weights ?? [];
      const N = u32Lit(w.length);
      const table = `var w = array<f32, ${w.length}>(${w.map(f32Lit).join(', ')});`;
      if (kind === 'class_weight') return `${table}
  let k = ${a}[r];
  ${o}[r] = select(1.0, w[min(u32(max(k, 0i)), ${N} - 1u)], k >= 0i && u32(k) < ${N});`;
      if (t.C > 1) return `${table}
  var best = 0u;
  var mx = ${a}[base];
  for (var j = 1u; j < C; j = j + 1u) { if (${a}[base + j] > mx) { mx = ${a}[base + j]; best = j; } }
  ${o}[r] = w[min(best, ${N} - 1u)];`;
      return `${table}
  let k = round(${a}[r]);
  ${o}[r] = select(1.0, w[u32(clamp(k, 0.0, ${f32Lit(w.length - 1)}))], k >= 0.0 && k <= ${f32Lit(w.length - 1)});`;
    }
  }
}

export function rowsBody(t: RowsTemplate, cx: TemplateContext): string {
  return `const C = ${u32Lit(t.C)};
@compute @workgroup_size(${t.wg})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let r = ${flatIndex(cx.workgroups, t.wg)};
  if (r >= ${batchCount(t.rows, cx)}) { return; }
  let base = r * C;
  ${rowBody(t.row, t)}
}`;
}
