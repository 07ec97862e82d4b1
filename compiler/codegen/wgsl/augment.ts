// Augmentation kernels (random flip, bilinear translation and its transpose, cutout): one invocation
// per element of [N, C, H, W]; each sample's draw is the same hash of (seed, step, salt, index) as
// the reference's (ir/ops/augment.ts), computed in every invocation of the sample.
import type { AffineTemplate, AugmentTemplate } from '../../ir/kernel-spec.ts';

/** Flips, translations and cutout (rotations and zooms: augment-affine.ts). */
type ShiftTemplate = Exclude<AugmentTemplate, AffineTemplate>;
import { f32Lit, flatIndex, HASH_WGSL, u32Lit } from './common.ts';
import type { TemplateContext } from './template.ts';

/** The 32 bits behind `dlc_uniform` (ir/random.ts bitsAt). */
export const BITS_WGSL = `fn dlc_bits(seed: u32, step: u32, salt: u32, i: u32) -> u32 {
  return dlc_hash(i ^ dlc_hash(salt ^ dlc_hash(seed ^ dlc_hash(step))));
}`;

/** The lines computing `value` for element i at (n, r, c) of the sample's plane starting at `plane`. */
function valueLines(t: ShiftTemplate, draw: (fn: string, k: number) => string): string[] {
  const [H, W] = [u32Lit(t.H), u32Lit(t.W)];
  switch (t.kind) {
    case 'random_flip': {
      // One draw flips both axes the mode names (Keras RandomFlip).
      const flip = `${draw('dlc_uniform', -1)} <= 0.5`;
      return [
        `let flip = ${flip};`,
        `let sr = ${t.vertical ? `select(r, ${H} - 1u - r, flip)` : 'r'};`,
        `let sc = ${t.horizontal ? `select(c, ${W} - 1u - c, flip)` : 'c'};`,
        `let value = ${t.x}[plane + sr * ${W} + sc];`,
      ];
    }
    case 'random_translation': {
      // Shift (lo + (hi − lo)·u)·size; output row r reads rows r + k + a (the transpose: r − k − a), a = 0, 1.
      const shift = (axis: 0 | 1, [lo, hi]: [number, number], size: number): string =>
        `-((${f32Lit(lo)} + ${f32Lit(hi - lo)} * ${draw('dlc_uniform', axis)}) * ${f32Lit(size)})`;
      const sign = t.adjoint ? '-' : '+';
      return [
        `let ty = ${shift(0, t.height, t.H)};`,
        `let tx = ${shift(1, t.width, t.W)};`,
        'let ky = floor(ty);',
        'let kx = floor(tx);',
        'let fy = ty - ky;',
        'let fx = tx - kx;',
        // A sampling point outside the image gives the fill (TF's constant mode); decided on integers (augment.ts covered).
        `let ey = select(0i, 1i, fy > 0.0);`,
        `let ex = select(0i, 1i, fx > 0.0);`,
        ...(t.adjoint ? [] : [
          `let inside = i32(r) + i32(ky) >= 0 && i32(r) + i32(ky) + ey <= ${t.H - 1}i && i32(c) + i32(kx) >= 0 && i32(c) + i32(kx) + ex <= ${t.W - 1}i;`,
        ]),
        `var value = ${t.adjoint ? '0.0' : f32Lit(t.fill)};`,
        `if (${t.adjoint ? 'true' : 'inside'}) {`,
        '  value = 0.0;',
        '  for (var a = 0; a < 2; a++) {',
        '    for (var b = 0; b < 2; b++) {',
        '      let w = select(fy, 1.0 - fy, a == 0) * select(fx, 1.0 - fx, b == 0);',
        `      let sr = i32(r) ${sign} (i32(ky) + a);`,
        `      let sc = i32(c) ${sign} (i32(kx) + b);`,
        // The transpose reads output (sr, sc) only where that output sampled the image (its point's whole part is r − a).
        `      let reads = sr >= 0 && sr < ${t.H}i && sc >= 0 && sc < ${t.W}i${t.adjoint ? ` && i32(r) - a >= 0 && i32(r) - a + ey <= ${t.H - 1}i && i32(c) - b >= 0 && i32(c) - b + ex <= ${t.W - 1}i` : ''};`,
        '      if (reads) {',
        `        value += w * ${t.x}[plane + u32(sr) * ${W} + u32(sc)];`,
        '      } else {',
        `        value += w * ${f32Lit(t.fill)};`,
        '      }',
        '    }',
        '  }',
        '}',
      ];
    }
    case 'cutout': {
      const [sh, sw] = t.size;
      // The box's first row/column may lie above or left of the image: compare as i32.
      return [
        `let r0 = i32(${draw('dlc_bits', 0)} % ${H}) - ${Math.floor(sh / 2)}i;`,
        `let c0 = i32(${draw('dlc_bits', 1)} % ${W}) - ${Math.floor(sw / 2)}i;`,
        `let inside = i32(r) >= r0 && i32(r) < r0 + ${sh}i && i32(c) >= c0 && i32(c) < c0 + ${sw}i;`,
        `let value = select(${t.x}[i], 0.0, inside);`,
      ];
    }
  }
}

export function augmentBody(t: ShiftTemplate, cx: TemplateContext): string {
  const step = cx.step;
  if (!step) throw new Error(`internal error: ${t.kind} without the step uniform block`);
  // Flips draw at the sample's index n; translation and cutout at 2n and 2n + 1 (augment.ts drawIndex).
  const draw = (fn: string, k: number): string => `${fn}(${step}.seed, ${step}.step, ${u32Lit(t.salt)}, ${k < 0 ? 'n' : `2u * n + ${k}u`})`;
  const plane = u32Lit(t.H * t.W);
  const lines = valueLines(t, draw);
  return `${HASH_WGSL}
${t.kind === 'cutout' ? `${BITS_WGSL}\n` : ''}@compute @workgroup_size(${t.wg})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${flatIndex(cx.workgroups, t.wg)};
  if (i >= ${u32Lit(t.total)}) { return; }
  let c = i % ${u32Lit(t.W)};
  let r = (i / ${u32Lit(t.W)}) % ${u32Lit(t.H)};
  let n = i / ${u32Lit(t.C * t.H * t.W)};
  let plane = i - i % ${plane};
${lines.map((l) => `  ${l}`).join('\n')}
  ${t.out}[i] = value;
}`;
}
