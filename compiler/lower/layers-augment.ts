// Augmentation layers (random_flip, random_translation, random_rotation, random_zoom, random_crop, cutout, gaussian_noise):
// random while training, drawn per step from the layer's stream (the train seed, the step, the layer's
// salt), so runs repeat bit for bit and a resumed run draws what an uninterrupted one would; identity
// in eval, predict and every exported model, except random_crop, which changes the size and so
// resizes there as Keras does.
import { smartResizeBox } from '../ir/ops/crop.ts';
import { image } from './layers-spatial.ts';
import type { ValueId } from '../ir/types.ts';
import type { ArgSpec } from './bind-args.ts';
import { LayerError, type LayerContext, type LayerDef } from './layers.ts';
import type { Hyper } from './values.ts';

/** Keras RandomFlip's modes; one draw per sample flips every axis the mode names. */
const FLIP_MODES = ['horizontal', 'vertical', 'horizontal_and_vertical'] as const;

/** Keras' fill modes; dlc fills with a constant (Keras' default is reflect). */
const FILL_MODES = ['constant', 'reflect', 'wrap', 'nearest'] as const;

/** Augmentations Keras users may look for under another name, or that dlc does not offer yet. */
export const AUGMENT_HINTS: Readonly<Record<string, string>> = {
  random_shift: "dlc names it random_translation (Keras RandomTranslation), e.g. random_translation(0.1, 0.1)",
};

/** The fill and interpolation arguments of the warping layers, as Keras names them; dlc offers constant fill and bilinear only. */
const WARP_OPTIONS: ArgSpec[] = [
  { name: 'fill_mode', type: 'word', default: 'constant', oneOf: FILL_MODES },
  { name: 'fill_value', type: 'float', default: 0 },
  { name: 'interpolation', type: 'word', default: 'bilinear', oneOf: ['bilinear', 'nearest'] },
];

/**
 * Keras' smart_resize of x [N, C, H, W] to `size`: the largest centred window of the target's aspect
 * ratio (slices where it is smaller than the image), resized bilinearly where it is not the target.
 */
function smartResize(cx: LayerContext, x: ValueId, [H, W]: [number, number], size: [number, number]): ValueId {
  const [top, left, ch, cw] = smartResizeBox([H, W], size);
  let y = x;
  if (ch !== H) y = cx.op('slice', [y], { axis: 2, start: top, size: ch });
  if (cw !== W) y = cx.op('slice', [y], { axis: 3, start: left, size: cw });
  return ch === size[0] && cw === size[1] ? y : cx.op('resize_bilinear', [y], { size });
}

function warpOptions(cx: LayerContext, x: ValueId, layer: string, h: Record<string, Hyper>): void {
  image(cx, x, layer);
  if (h.fill_mode !== 'constant') {
    throw new LayerError(`fill_mode '${h.fill_mode}' is not offered yet: ${layer} fills with the constant fill_value (0 unless given); write fill_mode: constant (Keras' default is reflect)`);
  }
  if (h.interpolation !== 'bilinear') throw new LayerError(`${layer} interpolates bilinearly only; interpolation '${h.interpolation}' is not offered yet`);
}

export const AUGMENT_LAYERS: Record<string, LayerDef> = {
  random_flip: {
    doc: 'flips each image left-right (horizontal), top-bottom (vertical) or both at once with probability 1/2 while training; identity in eval (Keras RandomFlip)',
    inputs: 1,
    hyper: [{ name: 'mode', type: 'word', default: 'horizontal_and_vertical', oneOf: FLIP_MODES }],
    lower(cx, [x], h) {
      image(cx, x!, 'random_flip');
      if (!cx.training) return x!;
      const mode = h.mode as (typeof FLIP_MODES)[number];
      return cx.op('random_flip', [x!], { salt: cx.salt, horizontal: mode !== 'vertical', vertical: mode !== 'horizontal' });
    },
  },
  random_translation: {
    doc: 'shifts each image by a fraction of its height and width drawn from [−f, f] (or [lo, hi]) while training, bilinear, filling with fill_value; identity in eval (Keras RandomTranslation with fill_mode constant)',
    inputs: 1,
    hyper: [
      { name: 'height_factor', type: 'factor' },
      { name: 'width_factor', type: 'factor' },
      ...WARP_OPTIONS,
    ],
    lower(cx, [x], h) {
      warpOptions(cx, x!, 'random_translation', h);
      if (!cx.training) return x!;
      return cx.op('random_translation', [x!], { salt: cx.salt, height: h.height_factor as number[], width: h.width_factor as number[], fill: h.fill_value as number });
    },
  },
  random_rotation: {
    doc: 'rotates each image about its centre by 2π·f for f drawn from [−factor, factor] (or [lo, hi]) while training, bilinear, filling with fill_value; identity in eval (Keras RandomRotation with fill_mode constant)',
    inputs: 1,
    hyper: [{ name: 'factor', type: 'factor' }, ...WARP_OPTIONS],
    lower(cx, [x], h) {
      warpOptions(cx, x!, 'random_rotation', h);
      if (!cx.training) return x!;
      return cx.op('random_rotation', [x!], { salt: cx.salt, factor: h.factor as number[], fill: h.fill_value as number });
    },
  },
  random_zoom: {
    doc: 'zooms each image about its centre by 1 + f per axis, f drawn from [−factor, factor] (or [lo, hi]; positive zooms out), the width by the height\'s draw unless width_factor is given, while training, bilinear, filling with fill_value; identity in eval (Keras RandomZoom with fill_mode constant)',
    inputs: 1,
    hyper: [{ name: 'height_factor', type: 'factor' }, { name: 'width_factor', type: 'factor', default: [] }, ...WARP_OPTIONS],
    lower(cx, [x], h) {
      warpOptions(cx, x!, 'random_zoom', h);
      const [height, width] = [h.height_factor as number[], h.width_factor as number[]];
      if (Math.min(height[0]!, width[0] ?? 1) <= -1) throw new LayerError(`random_zoom factors must stay above -1 (a zoom of 1 + (-1) = 0 maps the whole image to its centre), got [${height}]${width.length ? ` and [${width}]` : ''}`);
      if (!cx.training) return x!;
      return cx.op('random_zoom', [x!], { salt: cx.salt, height, width, fill: h.fill_value as number });
    },
  },
  random_crop: {
    doc: 'crops the batch to height × width at one random corner per step while training (Keras RandomCrop); in eval, predict and exports, or for an image smaller than that, the largest centred window of that aspect ratio resized bilinearly to it (Keras smart_resize)',
    inputs: 1,
    hyper: [{ name: 'height', type: 'posint' }, { name: 'width', type: 'posint' }],
    lower(cx, [x], h) {
      const [, , H, W] = image(cx, x!, 'random_crop') as [number, number, number, number];
      const size: [number, number] = [h.height as number, h.width as number];
      // Keras 3 crops while training when the image is at least the target on both axes (a window the image's size is the image).
      if (cx.training && H >= size[0] && W >= size[1]) {
        return H === size[0] && W === size[1] ? x! : cx.op('random_crop', [x!], { salt: cx.salt, size, image: [H, W] });
      }
      return smartResize(cx, x!, [H, W], size);
    },
  },
  cutout: {
    doc: 'zeroes one size×size box (or [height, width]) of each image, all channels, centred on a random pixel and clipped at the edges, while training; identity in eval (DeVries & Taylor 2017)',
    inputs: 1,
    hyper: [{ name: 'size', type: 'pair' }],
    lower(cx, [x], h) {
      const s = image(cx, x!, 'cutout');
      const size = Array.isArray(h.size) ? h.size : [h.size as number, h.size as number];
      if (size[0]! > s[2]! || size[1]! > s[3]!) throw new LayerError(`cutout size ${size[0]}×${size[1]} is larger than the ${s[2]}×${s[3]} image`);
      if (!cx.training) return x!;
      return cx.op('cutout', [x!], { salt: cx.salt, size });
    },
  },
  gaussian_noise: {
    doc: 'adds normal noise of standard deviation `stddev` to every value while training; identity in eval (Keras GaussianNoise)',
    inputs: 1,
    hyper: [{ name: 'stddev', type: 'posfloat' }],
    lower: (cx, [x], h) => (cx.training ? cx.op('gaussian_noise', [x!], { stddev: h.stddev as number, salt: cx.salt }) : x!),
  },
};
