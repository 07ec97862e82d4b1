// Random rotation and zoom kernels: one invocation per element of [N, C, H, W]. Each invocation
// redraws its sample's map from (seed, step, salt, 2n + k) as the reference does (ir/ops/augment-affine.ts);
// the forward pass samples bilinearly at the map's point, the transpose gathers from the outputs in a
// window around the inverse image of its pixel, recomputing each output's point with the same function.
import type { AffineTemplate } from '../../ir/kernel-spec.ts';
import { f32Lit, flatIndex, HASH_WGSL, u32Lit } from './common.ts';
import type { TemplateContext } from './template.ts';

/**
 * (cos t, sin t) to about 1e-7 for |t| ≤ 2π: WGSL lets the built-in cos and sin err by 2^-11, which
 * would move a rotated point by a hundredth of a pixel; a quarter-turn reduction (π/2 in two parts)
 * and Taylor polynomials to degree 10/11 on [−π/4, π/4] make every adapter agree with the reference.
 */
const SINCOS_WGSL = `fn dlc_sincos(t: f32) -> vec2f {
  let q = round(t * ${f32Lit(2 / Math.PI)});
  let a = (t - q * ${f32Lit(Math.fround(Math.PI / 2))}) - q * ${f32Lit(Math.PI / 2 - Math.fround(Math.PI / 2))};
  let a2 = a * a;
  let s = a * (1.0 + a2 * (${f32Lit(-1 / 6)} + a2 * (${f32Lit(1 / 120)} + a2 * (${f32Lit(-1 / 5040)} + a2 * ${f32Lit(1 / 362880)}))));
  let c = 1.0 + a2 * (-0.5 + a2 * (${f32Lit(1 / 24)} + a2 * (${f32Lit(-1 / 720)} + a2 * (${f32Lit(1 / 40320)} + a2 * ${f32Lit(-1 / 3628800)}))));
  switch (i32(q) & 3) {
    case 0: { return vec2f(c, s); }
    case 1: { return vec2f(-s, c); }
    case 2: { return vec2f(-c, -s); }
    default: { return vec2f(s, -c); }
  }
}`;

/** Lines defining `m` (the sample's map, vec4f(m00, m01, m10, m11)) and `inv` (its inverse). */
function mapLines(t: AffineTemplate, draw: (k: number) => string): string[] {
  const lerp = ([lo, hi]: [number, number], k: number): string => `(${f32Lit(lo)} + ${f32Lit(hi - lo)} * ${draw(k)})`;
  if (t.kind === 'random_rotation') {
    return [
      `let cs = dlc_sincos(${f32Lit(2 * Math.PI)} * ${lerp(t.factor, 0)});`,
      'let m = vec4f(cs.x, -cs.y, cs.y, cs.x);',
      'let inv = vec4f(cs.x, cs.y, -cs.y, cs.x);',
    ];
  }
  return [
    `let zy = 1.0 + ${lerp(t.height, 0)};`,
    `let zx = ${t.width ? `1.0 + ${lerp(t.width, 1)}` : 'zy'};`,
    'let m = vec4f(zx, 0.0, 0.0, zy);',
    'let inv = vec4f(1.0 / zx, 0.0, 0.0, 1.0 / zy);',
  ];
}

/** The forward warp: the fill outside [0, H − 1] × [0, W − 1], else the four neighbours' weighted sum. */
function forwardLines(t: AffineTemplate): string[] {
  const fill = f32Lit(t.fill);
  return [
    'let p = dlc_point(m, i32(r), i32(c));',
    `var value = ${fill};`,
    'if (dlc_inside(p)) {',
    '  let y0 = floor(p.x);',
    '  let x0 = floor(p.y);',
    '  let fy = p.x - y0;',
    '  let fx = p.y - x0;',
    '  value = 0.0;',
    '  for (var a = 0; a < 2; a++) {',
    '    for (var b = 0; b < 2; b++) {',
    '      let w = select(fy, 1.0 - fy, a == 0) * select(fx, 1.0 - fx, b == 0);',
    '      let sr = i32(y0) + a;',
    '      let sc = i32(x0) + b;',
    `      if (sr < ${t.H}i && sc < ${t.W}i) {`,
    `        value += w * ${t.x}[plane + u32(sr) * ${u32Lit(t.W)} + u32(sc)];`,
    '      } else {',
    `        value += w * ${fill};`,
    '      }',
    '    }',
    '  }',
    '}',
  ];
}

/**
 * The transpose: the outputs whose point lies within a pixel of (r, c) sit within `reach` of the
 * inverse image of (r, c) (√2 for a rotation, 1 / zoom for a zoom); each adds its gradient with the
 * weight its forward pass gave (r, c).
 */
function adjointLines(t: AffineTemplate): string[] {
  const reach = t.kind === 'random_rotation' ? Math.SQRT2 : 1 / t.smallest;
  const R = Math.floor(reach + 0.5) + 1;
  return [
    'let o = dlc_point(inv, i32(r), i32(c));',
    'let oy0 = i32(round(o.x));',
    'let ox0 = i32(round(o.y));',
    'var value = 0.0;',
    `for (var dy = -${R}i; dy <= ${R}i; dy++) {`,
    `  for (var dx = -${R}i; dx <= ${R}i; dx++) {`,
    '    let oy = oy0 + dy;',
    '    let ox = ox0 + dx;',
    `    if (oy < 0i || oy >= ${t.H}i || ox < 0i || ox >= ${t.W}i) { continue; }`,
    '    let p = dlc_point(m, oy, ox);',
    '    if (!dlc_inside(p)) { continue; }',
    '    let y0 = floor(p.x);',
    '    let x0 = floor(p.y);',
    '    let a = i32(r) - i32(y0);',
    '    let b = i32(c) - i32(x0);',
    '    if (a < 0i || a > 1i || b < 0i || b > 1i) { continue; }',
    '    let fy = p.x - y0;',
    '    let fx = p.y - x0;',
    '    let w = select(fy, 1.0 - fy, a == 0i) * select(fx, 1.0 - fx, b == 0i);',
    `    value += w * ${t.x}[plane + u32(oy) * ${u32Lit(t.W)} + u32(ox)];`,
    '  }',
    '}',
  ];
}

export function affineBody(t: AffineTemplate, cx: TemplateContext): string {
  const step = cx.step;
  if (!step) throw new Error(`internal error: ${t.kind} without the step uniform block`);
  // Draws at 2n and 2n + 1, as augment.ts drawIndex.
  const draw = (k: number): string => `dlc_uniform(${step}.seed, ${step}.step, ${u32Lit(t.salt)}, 2u * n + ${k}u)`;
  const [cy, cxl] = [f32Lit((t.H - 1) / 2), f32Lit((t.W - 1) / 2)];
  const lines = [...mapLines(t, draw), ...(t.adjoint ? adjointLines(t) : forwardLines(t))];
  return `${HASH_WGSL}
${t.kind === 'random_rotation' ? `${SINCOS_WGSL}\n` : ''}/** The point (row, column) output (r, c) samples under the centred map m. */
fn dlc_point(m: vec4f, r: i32, c: i32) -> vec2f {
  let dx = f32(c) - ${cxl};
  let dy = f32(r) - ${cy};
  return vec2f(${cy} + m.z * dx + m.w * dy, ${cxl} + m.x * dx + m.y * dy);
}
fn dlc_inside(p: vec2f) -> bool {
  return p.x >= 0.0 && p.x <= ${f32Lit(t.H - 1)} && p.y >= 0.0 && p.y <= ${f32Lit(t.W - 1)};
}
@compute @workgroup_size(${t.wg})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${flatIndex(cx.workgroups, t.wg)};
  if (i >= ${u32Lit(t.total)}) { return; }
  let c = i % ${u32Lit(t.W)};
  let r = (i / ${u32Lit(t.W)}) % ${u32Lit(t.H)};
  let n = i / ${u32Lit(t.C * t.H * t.W)};
  let plane = i - i % ${u32Lit(t.H * t.W)};
${lines.map((l) => `  ${l}`).join('\n')}
  ${t.out}[i] = value;
}`;
}
