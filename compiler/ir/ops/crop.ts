// Keras RandomCrop's two paths over NCHW batches. Training, the image at least the target size: one
// window per batch (Keras draws one offset for the whole batch), its corner ⌊u·(H − h + 1)⌋,
// ⌊u′·(W − w + 1)⌋ from the layer's stream at draws 0 and 1; `adjoint` scatters a gradient back
// into the image. Otherwise (inference, or an image smaller than the target): Keras' smart_resize,
// the largest centred window of the target's aspect ratio (`smartResizeBox`, sliced by lowering)
// resized bilinearly to the target, as tf.image.resize does it (half-pixel centres, no antialias).
import { bitsAt } from '../random.ts';
import { grid, type CropTemplate, type ResizeTemplate } from '../kernel-spec.ts';
import { numel, shapeStr, tensor } from '../tensor.ts';
import type { Attrs } from '../types.ts';
import { nchw, saltOf } from './augment.ts';
import { eachResizeTap } from './resize-taps.ts';
import { ShapeError, type KernelRow, type StepContext, type TensorType } from './def.ts';

/** Invocations per workgroup: one per output element. */
const WG = 64;

/** An attribute of two integers ≥ 1 (a height and a width). */
function hw(op: string, a: Attrs, name: string): [number, number] {
  const v = a[name];
  if (!Array.isArray(v) || v.length !== 2 || !v.every((d) => Number.isInteger(d) && d >= 1)) throw new ShapeError(`${op} needs '${name}' as two integers ≥ 1, got ${JSON.stringify(v)}`);
  return [v[0]!, v[1]!];
}

/**
 * ⌊u·m⌋ for the layer's 24-bit uniform u = ⌊bits / 2⁸⌋ / 2²⁴ (ir/random.ts): exact here (24 bits
 * × m ≤ 2²⁰ fits a double); the WGSL twin (dlc_scaled) gets the same integer from two 12-bit halves.
 */
export function scaledDraw(bits: number, m: number): number {
  return Math.floor(((bits >>> 8) * m) / 16777216);
}

/** The batch's crop corner: Keras' ⌊uniform(0, H − h + 1)⌋ and ⌊uniform(0, W − w + 1)⌋, from draws 0 and 1. */
export function cropCorner(ctx: StepContext, salt: number, [H, W]: [number, number], [h, w]: [number, number]): [number, number] {
  return [scaledDraw(bitsAt(ctx.seed, ctx.step, salt, 0), H - h + 1), scaledDraw(bitsAt(ctx.seed, ctx.step, salt, 1), W - w + 1)];
}

/** The most offsets a crop may draw from along an axis: dlc_scaled's 12-bit split holds for m ≤ 2²⁰. */
export const MAX_CROP_CHOICES = 1 << 20;

/**
 * Keras' smart_resize window of an H × W image for an h × w target: the largest centred box of the
 * target's aspect ratio, ch = min(H, ⌊W·h/w⌋), cw = min(W, ⌊H·w/h⌋) (at least 1), starting at
 * ⌊(H − ch)/2⌋, ⌊(W − cw)/2⌋. Returns [top, left, ch, cw].
 */
export function smartResizeBox([H, W]: [number, number], [h, w]: [number, number]): [number, number, number, number] {
  const ch = Math.max(Math.min(H, Math.floor((W * h) / w)), 1);
  const cw = Math.max(Math.min(W, Math.floor((H * w) / h)), 1);
  return [Math.floor((H - ch) / 2), Math.floor((W - cw) / 2), ch, cw];
}

function cropShape(x: TensorType, a: Attrs): TensorType {
  const [N, C, H, W] = nchw('random_crop', x);
  saltOf('random_crop', a);
  const [h, w] = hw('random_crop', a, 'size');
  const [IH, IW] = hw('random_crop', a, 'image');
  if (a.adjoint === true) {
    if (H !== h || W !== w) throw new ShapeError(`random_crop's transpose needs a gradient of the ${h}×${w} crop, got ${shapeStr(x.shape)}`);
    return { shape: [N, C, IH, IW], dtype: 'f32' };
  }
  if (H !== IH || W !== IW) throw new ShapeError(`random_crop was built for a ${IH}×${IW} image, got ${shapeStr(x.shape)}`);
  if (h > H || w > W) throw new ShapeError(`random_crop window ${h}×${w} is larger than the ${H}×${W} image`);
  if ((H - h + 1) > MAX_CROP_CHOICES || (W - w + 1) > MAX_CROP_CHOICES) throw new ShapeError(`random_crop draws from at most ${MAX_CROP_CHOICES} offsets per axis`);
  return { shape: [N, C, h, w], dtype: 'f32' };
}

function resizeShape(op: string, x: TensorType, a: Attrs, sizeAttr: string): TensorType {
  const [N, C] = nchw(op, x);
  const [h, w] = hw(op, a, sizeAttr);
  return { shape: [N, C, h, w], dtype: 'f32' };
}

export const CROP_OPS = {
  random_crop: {
    kind: 'kernel', doc: 'the size[0]×size[1] window of each NCHW image of the batch at one corner drawn per step (Keras RandomCrop in training); adjoint: the gradient placed back in zeros of the image', arity: 1, usesStep: true,
    shape: ([x], a) => cropShape(x!, a),
    reference: ([x], a, out, ctx) => {
      const [[IH, IW], [h, w]] = [a.image as [number, number], a.size as [number, number]];
      const [top, left] = cropCorner(ctx, a.salt as number, [IH, IW], [h, w]);
      const y = tensor(out.shape);
      // Walk the crop [N, C, h, w]: the forward reads the image there, the transpose writes it there.
      const planes = out.shape[0]! * out.shape[1]!;
      for (let p = 0, o = 0; p < planes; p++) {
        for (let r = 0; r < h; r++) {
          for (let c = 0; c < w; c++, o++) {
            const at = (p * IH + top + r) * IW + left + c;
            if (a.adjoint === true) y.data[at] = x!.data[o]!;
            else y.data[o] = x!.data[at]!;
          }
        }
      }
      return y;
    },
    kernel: (io) => {
      const template: CropTemplate = {
        kind: 'random_crop', x: io.inputs[0]!.name, out: io.output!.name, image: io.attrs.image as [number, number], size: io.attrs.size as [number, number],
        salt: io.attrs.salt as number, adjoint: io.attrs.adjoint === true, total: numel(io.output!.shape), wg: WG,
      };
      return { template, workgroups: grid(Math.ceil(template.total / WG)) };
    },
  },
  resize_bilinear: {
    kind: 'kernel', doc: 'each NCHW plane resized to size [h, w], bilinear with half-pixel centres and clamped edges, no antialias (tf.image.resize; Keras smart_resize after its crop)', arity: 1,
    shape: ([x], a) => resizeShape('resize_bilinear', x!, a, 'size'),
    reference: ([x], a, out) => {
      const [N, C, H, W] = x!.shape as [number, number, number, number];
      const y = tensor(out.shape);
      eachResizeTap(N * C, [H, W], a.size as [number, number], (o, i, w) => { y.data[o] += w * x!.data[i]!; });
      return y;
    },
    kernel: (io) => resizeKernel('resize_bilinear', io.inputs[0]!.shape, io.output!.shape, io.inputs[0]!.name, io.output!.name),
  },
  resize_bilinear_bwd: {
    kind: 'kernel', doc: 'dx of resize_bilinear given g (x\'s planes `image` [H, W]): each output\'s g back to its four taps', arity: 1,
    shape: ([g], a) => resizeShape('resize_bilinear_bwd', g!, a, 'image'),
    reference: ([g], a, out) => {
      const [N, C, Ho, Wo] = g!.shape as [number, number, number, number];
      const dx = tensor(out.shape);
      eachResizeTap(N * C, a.image as [number, number], [Ho, Wo], (o, i, w) => { dx.data[i] += w * g!.data[o]!; });
      return dx;
    },
    kernel: (io) => resizeKernel('resize_bilinear_bwd', io.output!.shape, io.inputs[0]!.shape, io.inputs[0]!.name, io.output!.name),
  },
} satisfies Record<string, KernelRow>;

/** A resize kernel between the image `from` [N, C, H, W] and the resized `to` [N, C, Ho, Wo]; one invocation per element it writes (the gradient writes `from`). */
function resizeKernel(kind: ResizeTemplate['kind'], from: number[], to: number[], x: string, out: string) {
  const [, , H, W] = from as [number, number, number, number];
  const [, , Ho, Wo] = to as [number, number, number, number];
  const total = numel(kind === 'resize_bilinear' ? to : from);
  const template: ResizeTemplate = { kind, x, out, H, W, Ho, Wo, total, wg: WG };
  return { template, workgroups: grid(Math.ceil(total / WG)) };
}
