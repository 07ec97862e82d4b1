// Image augmentation ops over NCHW batches (training only): random flips, translations and cutout.
// Each sample's random choice is drawn from the dropout stream (random.ts) at (seed, step, salt,
// sample), so the GPU and the float64 reference draw the same numbers and a resumed run repeats them.
import { bitsAt, uniformAt } from '../random.ts';
import { grid, type AugmentBase, type AugmentTemplate, type KernelBody, type KernelIO } from '../kernel-spec.ts';
import { shapeStr, tensor, type Tensor } from '../tensor.ts';
import type { Attrs } from '../types.ts';
import { ShapeError, type KernelRow, type StepContext, type TensorType } from './def.ts';

/** Invocations per workgroup: one per output element. */
export const WG = 64;

/** The stream indices of sample n's draws: flips draw one (n); translation and cutout two (2n, 2n + 1). */
export const drawIndex = (n: number, k: number): number => 2 * n + k;

export function nchw(op: string, x: TensorType): [number, number, number, number] {
  if (x.shape.length !== 4) throw new ShapeError(`${op} needs an input in NCHW layout [N, C, H, W], got ${shapeStr(x.shape)}`);
  return x.shape as [number, number, number, number];
}

export function saltOf(op: string, a: Attrs): number {
  const s = a.salt;
  if (typeof s !== 'number' || !Number.isInteger(s) || s < 0 || s > 0xffffffff) throw new ShapeError(`${op} needs 'salt' as a u32, got ${JSON.stringify(s)}`);
  return s;
}

/** A [lo, hi] factor pair with −1 ≤ lo ≤ hi ≤ 1 (Keras RandomTranslation's range). */
export function range(op: string, a: Attrs, name: string): [number, number] {
  const v = a[name];
  if (!Array.isArray(v) || v.length !== 2 || !(v[0]! >= -1 && v[0]! <= v[1]! && v[1]! <= 1)) throw new ShapeError(`${op} needs '${name}' as [lo, hi] within [-1, 1], got ${JSON.stringify(v)}`);
  return [v[0]!, v[1]!];
}

/** Whether sample n is flipped: Keras RandomFlip's `uniform() <= 0.5`, one draw for both axes. */
export const flipped = (ctx: StepContext, salt: number, n: number): boolean => uniformAt(ctx.seed, ctx.step, salt, n) <= 0.5;

/**
 * Sample n's shift along one axis of `size` pixels as Keras draws it, (lo + (hi − lo)·u)·size, split
 * into the whole part k = ⌊−shift⌋ and the fraction f = −shift − k: output row y reads rows y + k
 * and y + k + 1 with weights 1 − f and f (bilinear, as TF's ImageProjectiveTransform reads y − shift).
 */
export function shiftTaps(ctx: StepContext, salt: number, n: number, axis: 0 | 1, [lo, hi]: [number, number], size: number): { k: number; f: number } {
  const t = -((lo + (hi - lo) * uniformAt(ctx.seed, ctx.step, salt, drawIndex(n, axis))) * size);
  const k = Math.floor(t);
  return { k, f: t - k };
}

/** Sample n's cutout box: its first row and column (centre − ⌊size/2⌋), the centre drawn as bits mod the side. */
export function cutoutCorner(ctx: StepContext, salt: number, n: number, [sh, sw]: [number, number], H: number, W: number): [number, number] {
  const cy = bitsAt(ctx.seed, ctx.step, salt, drawIndex(n, 0)) % H;
  const cx = bitsAt(ctx.seed, ctx.step, salt, drawIndex(n, 1)) % W;
  return [cy - Math.floor(sh / 2), cx - Math.floor(sw / 2)];
}

/** Runs `f(n, y, x, o)` over every element o of an [N, C, H, W] tensor (sample n, row y, column x). */
export function eachPixel([N, C, H, W]: number[], f: (n: number, y: number, x: number, o: number) => void): void {
  let o = 0;
  for (let n = 0; n < N!; n++) for (let c = 0; c < C!; c++) for (let y = 0; y < H!; y++) for (let x = 0; x < W!; x++) f(n, y, x, o++);
}

function flipRef(x: Tensor, a: Attrs, ctx: StepContext): Tensor {
  const [, , H, W] = x.shape as [number, number, number, number];
  const salt = saltOf('random_flip', a);
  const y = tensor(x.shape);
  eachPixel(x.shape, (n, r, c, o) => {
    const flip = flipped(ctx, salt, n);
    const sr = flip && a.vertical === true ? H - 1 - r : r;
    const sc = flip && a.horizontal === true ? W - 1 - c : c;
    y.data[o] = x.data[o - r * W - c + sr * W + sc]!;
  });
  return y;
}

/**
 * Whether a sampling point with whole part s and fraction f lies within [0, n − 1] (TF's
 * ImageProjectiveTransform fills a pixel whose point lies outside, in constant mode): s ≥ 0, and
 * s + 1 ≤ n − 1 unless f = 0. Decided on integers, so the GPU and the reference agree.
 */
export const covered = (s: number, f: number, n: number): boolean => s >= 0 && s + (f > 0 ? 1 : 0) <= n - 1;

/**
 * Bilinear translation (constant fill) or, with `adjoint`, the transpose of its linear part: output
 * row y reads rows y + k + a (a = 0, 1) forward and y − k − a in the adjoint, with the same weights;
 * a pixel whose sampling point lies outside the image is the fill (forward) and passes nothing back.
 */
function translateRef(x: Tensor, a: Attrs, ctx: StepContext): Tensor {
  const [, , H, W] = x.shape as [number, number, number, number];
  const salt = saltOf('random_translation', a);
  const [hr, wr] = [range('random_translation', a, 'height'), range('random_translation', a, 'width')];
  const adjoint = a.adjoint === true;
  const fill = adjoint ? 0 : (a.fill as number);
  const y = tensor(x.shape);
  eachPixel(x.shape, (n, r, c, o) => {
    const ty = shiftTaps(ctx, salt, n, 0, hr, H);
    const tx = shiftTaps(ctx, salt, n, 1, wr, W);
    const plane = o - r * W - c;
    if (!adjoint && !(covered(r + ty.k, ty.f, H) && covered(c + tx.k, tx.f, W))) {
      y.data[o] = fill;
      return;
    }
    let acc = 0;
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        const w = (i === 0 ? 1 - ty.f : ty.f) * (j === 0 ? 1 - tx.f : tx.f);
        const sr = adjoint ? r - ty.k - i : r + ty.k + i;
        const sc = adjoint ? c - tx.k - j : c + tx.k + j;
        // The adjoint reads output (sr, sc) only where that output sampled the image: its point's whole part is r − i.
        const reads = sr >= 0 && sr < H && sc >= 0 && sc < W && (!adjoint || (covered(r - i, ty.f, H) && covered(c - j, tx.f, W)));
        acc += reads ? w * x.data[plane + sr * W + sc]! : w * fill;
      }
    }
    y.data[o] = acc;
  });
  return y;
}

function cutoutRef(x: Tensor, a: Attrs, ctx: StepContext): Tensor {
  const [, , H, W] = x.shape as [number, number, number, number];
  const salt = saltOf('cutout', a);
  const size = a.size as [number, number];
  const y = tensor(x.shape);
  eachPixel(x.shape, (n, r, c, o) => {
    const [r0, c0] = cutoutCorner(ctx, salt, n, size, H, W);
    const inside = r >= r0 && r < r0 + size[0] && c >= c0 && c < c0 + size[1];
    y.data[o] = inside ? 0 : x.data[o]!;
  });
  return y;
}

export function augmentKernel(io: KernelIO): AugmentBase {
  const [N, C, H, W] = io.inputs[0]!.shape as [number, number, number, number];
  return { x: io.inputs[0]!.name, out: io.output!.name, N, C, H, W, salt: io.attrs.salt as number, total: N * C * H * W, wg: WG };
}
export const body = (template: AugmentTemplate): KernelBody => ({ template, workgroups: grid(Math.ceil(template.total / WG)) });

export const AUGMENT_OPS = {
  random_flip: {
    kind: 'kernel', doc: 'flips each NCHW sample left-right (horizontal) and/or top-bottom (vertical) where u(seed, step, salt, n) ≤ 0.5 (Keras RandomFlip)', arity: 1, usesStep: true,
    shape: ([x], a) => {
      nchw('random_flip', x!);
      saltOf('random_flip', a);
      if (a.horizontal !== true && a.vertical !== true) throw new ShapeError('random_flip needs horizontal, vertical or both');
      return { shape: [...x!.shape], dtype: 'f32' };
    },
    reference: ([x], a, _out, ctx) => flipRef(x!, a, ctx),
    kernel: (io) => body({ kind: 'random_flip', ...augmentKernel(io), horizontal: io.attrs.horizontal === true, vertical: io.attrs.vertical === true }),
  },
  random_translation: {
    kind: 'kernel', doc: 'shifts each NCHW sample by (height, width) factors of its size drawn from [lo, hi], bilinear, constant fill as TF (Keras RandomTranslation); adjoint: its transpose', arity: 1, usesStep: true,
    shape: ([x], a) => {
      nchw('random_translation', x!);
      saltOf('random_translation', a);
      range('random_translation', a, 'height');
      range('random_translation', a, 'width');
      if (a.adjoint !== true && typeof a.fill !== 'number') throw new ShapeError(`random_translation needs 'fill' as a number, got ${JSON.stringify(a.fill)}`);
      return { shape: [...x!.shape], dtype: 'f32' };
    },
    reference: ([x], a, _out, ctx) => translateRef(x!, a, ctx),
    kernel: (io) => body({
      kind: 'random_translation', ...augmentKernel(io), height: io.attrs.height as [number, number], width: io.attrs.width as [number, number],
      fill: io.attrs.adjoint === true ? 0 : (io.attrs.fill as number), adjoint: io.attrs.adjoint === true,
    }),
  },
  cutout: {
    kind: 'kernel', doc: 'zeroes one size[0]×size[1] box per NCHW sample, all channels, centred on a random pixel and clipped at the edges (DeVries & Taylor 2017)', arity: 1, usesStep: true,
    shape: ([x], a) => {
      const [, , H, W] = nchw('cutout', x!);
      saltOf('cutout', a);
      const s = a.size;
      if (!Array.isArray(s) || s.length !== 2 || !s.every((d) => Number.isInteger(d) && d >= 1)) throw new ShapeError(`cutout needs 'size' as two integers ≥ 1, got ${JSON.stringify(s)}`);
      if (s[0]! > H || s[1]! > W) throw new ShapeError(`cutout size ${s[0]}×${s[1]} is larger than the ${H}×${W} image`);
      return { shape: [...x!.shape], dtype: 'f32' };
    },
    reference: ([x], a, _out, ctx) => cutoutRef(x!, a, ctx),
    kernel: (io) => body({ kind: 'cutout', ...augmentKernel(io), size: io.attrs.size as [number, number] }),
  },
} satisfies Record<string, KernelRow>;

