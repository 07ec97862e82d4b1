// In-place update kernels: an optimizer's rule per element (vec4s when the count allows), batch
// norm's moving average, and the accumulators of per-epoch sums.
import type { AccumulateTemplate, EmaTemplate, UpdateTemplate } from '../../ir/kernel-spec.ts';
import { f32Lit, flatIndex, u32Lit } from './common.ts';
import { helpersFor, printStatements } from './expr.ts';
import type { TemplateContext } from './template.ts';
import { vec4Main } from './vec4-grid.ts';

/**
 * The optimizer kernel: loads p, the (clipped) gradient g and the states s0…, runs the rule, stores
 * p and the states. The rules are arithmetic, sqrt, abs and max only, so the same text runs on vec4s.
 */
export function updateBody(t: UpdateTemplate, cx: TemplateContext): string {
  const step = cx.step!;
  const vec = t.vec4 !== null;
  const WG = t.wg;
  const limit = (x: number): string => (vec ? `vec4f(${f32Lit(x)})` : f32Lit(x));
  const norm = t.clipNorm
    ? `  let sumsq = ${t.clipNorm.sumsq}[0];\n  let clip_scale = select(1.0, min(1.0, ${f32Lit(t.clipNorm.limit)} / sqrt(sumsq)), sumsq > 0.0);\n`
    : '';
  const grad = (i: string): string => {
    let g = `${t.grad}[${i}]`;
    if (norm) g = `(${g} * clip_scale)`;
    return t.clipValue > 0 ? `clamp(${g}, ${limit(-t.clipValue)}, ${limit(t.clipValue)})` : g;
  };
  // Pruning: where the mask is 0 the parameter and its states are stored as exactly 0 (select, not a
  // product, so a negative weight does not become -0).
  const zero = vec ? 'vec4f(0.0)' : '0.0';
  const keep = (i: string): string => (t.mask === undefined ? '' : `  let keep = ${t.mask}[${i}] != ${zero};
  p = select(${zero}, p, keep);
${t.states.map((_, k) => `  s${k} = select(${zero}, s${k}, keep);\n`).join('')}`);
  const stepValues = `  let lr = ${step}.lr;\n  let t = f32(${step}.step);\n`;
  // Values of the step alone go before the element loop; without them lr and t stay per element.
  const hoisted = t.perStep.length ? `${stepValues}${printStatements(t.perStep).map((l) => `  ${l}\n`).join('')}` : '';
  const update = (i: string): string => `${hoisted ? '' : stepValues}  var p = ${t.param}[${i}];
  let g = ${grad(i)};
${t.states.map((s, k) => `  var s${k} = ${s}[${i}];`).join('\n')}
  ${printStatements(t.rule).join('\n  ')}
${keep(i)}  ${t.param}[${i}] = p;
${t.states.map((s, k) => `  ${s}[${i}] = s${k};`).join('\n')}`;
  const helpers = helpersFor([...t.perStep, ...t.rule].map((s) => s.value));
  if (!t.vec4) {
    return `${helpers}@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${flatIndex(cx.workgroups, WG)};
  if (i >= ${u32Lit(t.n)}) { return; }
${norm}${hoisted}${update('i')}
}`;
  }
  return helpers + vec4Main({ workgroups: cx.workgroups, wg: WG, vecs: t.vec4.vecs, anyArray: t.param }, `${norm}${hoisted}`, `    if (q >= ${u32Lit(t.n / 4)}) { return; }
  ${update('q').replaceAll('\n', '\n  ')}`);
}

/** r = momentum·r + (1 − momentum)·x, per element. */
export function emaBody(t: EmaTemplate, cx: TemplateContext): string {
  return `@compute @workgroup_size(${t.wg})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${flatIndex(cx.workgroups, t.wg)};
  if (i >= ${u32Lit(t.n)}) { return; }
  ${t.r}[i] = ${f32Lit(t.momentum)} * ${t.r}[i] + ${f32Lit(1 - t.momentum)} * ${t.x}[i];
}`;
}

/** acc[0] += Σ x, in one invocation (the sums are of a batch's rows: small). */
export function accumulateBody(t: AccumulateTemplate): string {
  return `@compute @workgroup_size(1)
fn main() {
  var s = 0.0;
  for (var i = 0u; i < ${u32Lit(t.n)}; i = i + 1u) { s = s + ${t.x}[i]; }
  ${t.acc}[0] = ${t.acc}[0] + s;
}`;
}
