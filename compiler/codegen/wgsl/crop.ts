// Keras RandomCrop's kernels (ir/ops/crop.ts): the training window, one invocation per element of
// the crop (its transpose: per element of the image), the corner redrawn in every invocation from
// the step's draws 0 and 1; and the bilinear resize of smart_resize with its gradient, a gather over
// the outputs whose taps can reach the pixel.
import type { CropTemplate, ResizeTemplate } from '../../ir/kernel-spec.ts';
import { BITS_WGSL } from './augment.ts';
import { batchCount, f32Lit, flatIndex, HASH_WGSL, u32Lit } from './common.ts';
import type { TemplateContext } from './template.ts';

/** ⌊u·m⌋ for the 24-bit uniform u of `bits`, on integers: 24 bits × m ≤ 2²⁰ in two 12-bit halves (crop.ts scaledDraw). */
const SCALED_WGSL = `fn dlc_scaled(bits: u32, m: u32) -> u32 {
  let b = bits >> 8u;
  return ((b >> 12u) * m + (((b & 4095u) * m) >> 12u)) >> 12u;
}`;

function perElement(t: { total: number; wg: number }, cx: TemplateContext, prelude: string, body: string[]): string {
  return `${prelude}
@compute @workgroup_size(${t.wg})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${flatIndex(cx.workgroups, t.wg)};
  if (i >= ${batchCount(t.total, cx)}) { return; }
${body.map((l) => `  ${l}`).join('\n')}
}`;
}

export function cropBody(t: CropTemplate, cx: TemplateContext): string {
  const step = cx.step;
  if (!step) throw new Error('internal error: random_crop without the step uniform block');
  const [[IH, IW], [h, w]] = [t.image, t.size];
  const draw = (k: number, choices: number): string => `dlc_scaled(dlc_bits(${step}.seed, ${step}.step, ${u32Lit(t.salt)}, ${u32Lit(k)}), ${u32Lit(choices)})`;
  const corner = [`let top = ${draw(0, IH - h + 1)};`, `let left = ${draw(1, IW - w + 1)};`];
  const body = t.adjoint
    ? [
      `let c = i % ${u32Lit(IW)};`,
      `let r = (i / ${u32Lit(IW)}) % ${u32Lit(IH)};`,
      `let plane = i / ${u32Lit(IH * IW)};`,
      ...corner,
      // An image pixel outside the window got no gradient.
      `var value = 0.0;`,
      `if (r >= top && r < top + ${u32Lit(h)} && c >= left && c < left + ${u32Lit(w)}) {`,
      `  value = ${t.x}[(plane * ${u32Lit(h)} + r - top) * ${u32Lit(w)} + c - left];`,
      '}',
      `${t.out}[i] = value;`,
    ]
    : [
      `let c = i % ${u32Lit(w)};`,
      `let r = (i / ${u32Lit(w)}) % ${u32Lit(h)};`,
      `let plane = i / ${u32Lit(h * w)};`,
      ...corner,
      `${t.out}[i] = ${t.x}[(plane * ${u32Lit(IH)} + top + r) * ${u32Lit(IW)} + left + c];`,
    ];
  return perElement(t, cx, `${HASH_WGSL}\n${BITS_WGSL}\n${SCALED_WGSL}`, body);
}

/**
 * tf.image.resize's bilinear taps: output o along an axis of n inputs reads src = (o + 0.5)·scale − 0.5
 * (scale = n / outputs, in f32 as TensorFlow computes it) at rows ⌊src⌋ and ⌈src⌉ clamped to [0, n − 1].
 */
const TAP_WGSL = `fn tap(o: u32, scale: f32, n: i32) -> vec3f {
  let src = (f32(o) + 0.5) * scale - 0.5;
  let lo = floor(src);
  return vec3f(f32(clamp(i32(lo), 0, n - 1)), f32(clamp(i32(ceil(src)), 0, n - 1)), src - lo);
}
fn weight(i: u32, o: u32, scale: f32, n: i32) -> f32 {
  let t = tap(o, scale, n);
  return select(0.0, 1.0 - t.z, u32(t.x) == i) + select(0.0, t.z, u32(t.y) == i);
}`;

export function resizeBody(t: ResizeTemplate, cx: TemplateContext): string {
  const { H, W, Ho, Wo, x, out } = t;
  const [sh, sw] = [f32Lit(H / Ho), f32Lit(W / Wo)];
  if (t.kind === 'resize_bilinear') {
    return perElement(t, cx, TAP_WGSL, [
      `let ow = i % ${u32Lit(Wo)};`,
      `let oh = (i / ${u32Lit(Wo)}) % ${u32Lit(Ho)};`,
      `let base = (i / ${u32Lit(Ho * Wo)}) * ${u32Lit(H * W)};`,
      `let th = tap(oh, ${sh}, ${H}i);`,
      `let tw = tap(ow, ${sw}, ${W}i);`,
      `let r0 = base + u32(th.x) * ${u32Lit(W)};`,
      `let r1 = base + u32(th.y) * ${u32Lit(W)};`,
      `let top = ${x}[r0 + u32(tw.x)] * (1.0 - tw.z) + ${x}[r0 + u32(tw.y)] * tw.z;`,
      `let bottom = ${x}[r1 + u32(tw.x)] * (1.0 - tw.z) + ${x}[r1 + u32(tw.y)] * tw.z;`,
      `${out}[i] = top * (1.0 - th.z) + bottom * th.z;`,
    ]);
  }
  // Input row h is tapped only by outputs whose src lies in (h − 1, h + 1): o within
  // ((h − 0.5)/scale − 0.5, (h + 1.5)/scale − 0.5), widened by one each side; weight() decides exactly.
  const span = (v: string, scale: string, m: number): string[] => [
    `let ${v}0 = u32(max(i32(floor((f32(${v}) - 0.5) / ${scale} - 0.5)) - 1i, 0i));`,
    `let ${v}1 = u32(min(i32(ceil((f32(${v}) + 1.5) / ${scale} - 0.5)) + 1i, ${m}i));`,
  ];
  return perElement(t, cx, TAP_WGSL, [
    `let w = i % ${u32Lit(W)};`,
    `let h = (i / ${u32Lit(W)}) % ${u32Lit(H)};`,
    `let base = (i / ${u32Lit(H * W)}) * ${u32Lit(Ho * Wo)};`,
    ...span('h', sh, Ho),
    ...span('w', sw, Wo),
    'var s = 0.0;',
    'for (var oh = h0; oh < h1; oh = oh + 1u) {',
    `  let a = weight(h, oh, ${sh}, ${H}i);`,
    '  if (a == 0.0) { continue; }',
    '  var row = 0.0;',
    `  for (var ow = w0; ow < w1; ow = ow + 1u) { row = row + weight(w, ow, ${sw}, ${W}i) * ${x}[base + oh * ${u32Lit(Wo)} + ow]; }`,
    '  s = s + a * row;',
    '}',
    `${out}[i] = s;`,
  ]);
}
