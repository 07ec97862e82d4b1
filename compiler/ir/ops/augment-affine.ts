// Random rotations and zooms of NCHW batches (training only): each sample draws one affine map about
// the image centre from the layer's stream (seed, step, salt, 2n + k, as augment.ts), and output
// pixel (y, x) samples the input at that map's image of (y, x), bilinear, with a constant fill where
// the point lies outside, as TensorFlow's ImageProjectiveTransformV3 (Keras 3 RandomRotation and
// RandomZoom on the TensorFlow backend). `adjoint` gives the transpose of the map's linear part.
import { uniformAt } from '../random.ts';
import { tensor, type Tensor } from '../tensor.ts';
import type { Attrs } from '../types.ts';
import { augmentKernel, body, drawIndex, eachPixel, nchw, range, saltOf } from './augment.ts';
import { ShapeError, type KernelRow, type StepContext, type TensorType } from './def.ts';

/** Centred 2×2 map of one sample, [m00, m01, m10, m11]: column' = cx + m00·dx + m01·dy, row' = cy + m10·dx + m11·dy. */
export type Affine = [number, number, number, number];

const draw = (ctx: StepContext, salt: number, n: number, k: number, [lo, hi]: [number, number]): number => lo + (hi - lo) * uniformAt(ctx.seed, ctx.step, salt, drawIndex(n, k));

/** Keras RandomRotation: angle θ = 2π·(lo + (hi − lo)·u), column' = cx + cos θ·dx − sin θ·dy, row' = cy + sin θ·dx + cos θ·dy. */
export function rotationOf(ctx: StepContext, salt: number, n: number, factor: [number, number]): Affine {
  const theta = 2 * Math.PI * draw(ctx, salt, n, 0, factor);
  const [c, s] = [Math.cos(theta), Math.sin(theta)];
  return [c, -s, s, c];
}

/**
 * Keras RandomZoom: zy = 1 + lo + (hi − lo)·u at draw 0, zx likewise at draw 1 from the width range,
 * or zx = zy when no width range is given (Keras' width_factor=None keeps the aspect ratio).
 */
export function zoomOf(ctx: StepContext, salt: number, n: number, height: [number, number], width: [number, number] | null): Affine {
  const zy = 1 + draw(ctx, salt, n, 0, height);
  const zx = width ? 1 + draw(ctx, salt, n, 1, width) : zy;
  return [zx, 0, 0, zy];
}

function zoomWidth(a: Attrs): [number, number] | null {
  return Array.isArray(a.width) && a.width.length === 0 ? null : range('random_zoom', a, 'width');
}

/** The smallest zoom a zoom op can draw: 1 + the lowest factor; must stay above 0 so its transpose reads a bounded window. */
export function smallestZoom(a: Attrs): number {
  const w = zoomWidth(a);
  return 1 + Math.min(range('random_zoom', a, 'height')[0], w ? w[0] : 1);
}

/**
 * The warp of every sample (its map from `mapOf`) or, with `adjoint`, its transpose: the forward
 * pass fills where the point lies outside [0, H − 1] × [0, W − 1] and else weighs the four
 * neighbours (a neighbour past the last row or column has weight 0 and reads the fill); the
 * transpose scatters each covered output's gradient into the same neighbours with the same weights.
 */
function warpRef(x: Tensor, a: Attrs, mapOf: (n: number) => Affine): Tensor {
  const [N, , H, W] = x.shape as [number, number, number, number];
  const adjoint = a.adjoint === true;
  const fill = adjoint ? 0 : (a.fill as number);
  const maps = Array.from({ length: N }, (_, n) => mapOf(n));
  const [cy, cx] = [(H - 1) / 2, (W - 1) / 2];
  const y = tensor(x.shape);
  eachPixel(x.shape, (n, r, c, o) => {
    const [m00, m01, m10, m11] = maps[n]!;
    const [dx, dy] = [c - cx, r - cy];
    const px = cx + m00 * dx + m01 * dy;
    const py = cy + m10 * dx + m11 * dy;
    if (!(py >= 0 && py <= H - 1 && px >= 0 && px <= W - 1)) {
      if (!adjoint) y.data[o] = fill;
      return;
    }
    const plane = o - r * W - c;
    const [y0, x0] = [Math.floor(py), Math.floor(px)];
    const [fy, fx] = [py - y0, px - x0];
    let acc = 0;
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        const w = (i === 0 ? 1 - fy : fy) * (j === 0 ? 1 - fx : fx);
        const [sr, sc] = [y0 + i, x0 + j];
        const inside = sr < H && sc < W;
        if (adjoint) {
          if (inside) y.data[plane + sr * W + sc]! += w * x.data[o]!;
        } else acc += inside ? w * x.data[plane + sr * W + sc]! : w * fill;
      }
    }
    if (!adjoint) y.data[o] = acc;
  });
  return y;
}

function checkFill(op: string, x: TensorType, a: Attrs): void {
  nchw(op, x);
  saltOf(op, a);
  if (a.adjoint !== true && typeof a.fill !== 'number') throw new ShapeError(`${op} needs 'fill' as a number, got ${JSON.stringify(a.fill)}`);
}

const fillOf = (a: Attrs): number => (a.adjoint === true ? 0 : (a.fill as number));

export const AFFINE_OPS = {
  random_rotation: {
    kind: 'kernel', doc: 'rotates each NCHW sample about its centre by 2π·(lo + (hi − lo)·u), bilinear, constant fill as TF (Keras RandomRotation); adjoint: its transpose', arity: 1, usesStep: true,
    shape: ([x], a) => {
      checkFill('random_rotation', x!, a);
      range('random_rotation', a, 'factor');
      return { shape: [...x!.shape], dtype: 'f32' };
    },
    reference: ([x], a, _out, ctx) => warpRef(x!, a, (n) => rotationOf(ctx, a.salt as number, n, a.factor as [number, number])),
    kernel: (io) => body({ kind: 'random_rotation', ...augmentKernel(io), factor: io.attrs.factor as [number, number], fill: fillOf(io.attrs), adjoint: io.attrs.adjoint === true }),
  },
  random_zoom: {
    kind: 'kernel', doc: 'zooms each NCHW sample about its centre by 1 + (lo + (hi − lo)·u) per axis (> 1 zooms out), bilinear, constant fill as TF (Keras RandomZoom); adjoint: its transpose', arity: 1, usesStep: true,
    shape: ([x], a) => {
      checkFill('random_zoom', x!, a);
      range('random_zoom', a, 'height');
      zoomWidth(a);
      if (!(smallestZoom(a) > 0)) throw new ShapeError(`random_zoom needs every factor above -1 (a zoom of 0 maps the image to its centre), got ${JSON.stringify([a.height, a.width])}`);
      return { shape: [...x!.shape], dtype: 'f32' };
    },
    reference: ([x], a, _out, ctx) => warpRef(x!, a, (n) => zoomOf(ctx, a.salt as number, n, a.height as [number, number], zoomWidth(a))),
    kernel: (io) => body({
      kind: 'random_zoom', ...augmentKernel(io), height: io.attrs.height as [number, number], width: zoomWidth(io.attrs),
      fill: fillOf(io.attrs), adjoint: io.attrs.adjoint === true, smallest: smallestZoom(io.attrs),
    }),
  },
} satisfies Record<string, KernelRow>;
