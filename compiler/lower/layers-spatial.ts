// Convolutional and normalisation layers (NCHW): conv2d, pooling, batch/layer/group norm, spatial dropout, concat, upsample.
import type { Initializer } from '../artifact.ts';
import { numel, shapeStr } from '../ir/tensor.ts';
import type { ValueId } from '../ir/types.ts';
import { activate, ACTIVATIONS, biasInit, featureAxis, heOrGlorot, INITS, LayerError, ownRegularizer, WEIGHT_ARGS, type LayerContext, type LayerDef } from './layers.ts';
import type { Hyper } from './values.ts';

export const pair = (h: Hyper): [number, number] => (Array.isArray(h) ? [h[0]!, h[1]!] : [h as number, h as number]);

/** Explicit [top, left, bottom, right] padding; 'same' pads like TensorFlow (extra on bottom/right). */
export function resolvePadding(p: Hyper, inHW: [number, number], k: [number, number], stride: [number, number], dil: [number, number]): [number, number, number, number] {
  if (p === 'valid') return [0, 0, 0, 0];
  if (p === 'same') {
    const pads = [0, 1].map((i) => {
      const out = Math.ceil(inHW[i]! / stride[i]!);
      const total = Math.max((out - 1) * stride[i]! + (k[i]! - 1) * dil[i]! + 1 - inHW[i]!, 0);
      return [Math.floor(total / 2), total - Math.floor(total / 2)] as const;
    });
    return [pads[0]![0], pads[1]![0], pads[0]![1], pads[1]![1]];
  }
  if (typeof p === 'number') return [p, p, p, p];
  const l = p as number[];
  return l.length === 2 ? [l[0]!, l[1]!, l[0]!, l[1]!] : [l[0]!, l[1]!, l[2]!, l[3]!];
}

/** The input as [N, C, H, W], or a message saying what a 2-D layer expected. */
export function image(cx: LayerContext, x: ValueId, layer: string): number[] {
  const s = cx.shape(x);
  if (s.length !== 4) {
    throw new LayerError(`${layer} needs an input of shape [batch, channels, height, width], got ${userShape(s)}; declare the input as e.g. f32[1, 28, 28] or reshape it`);
  }
  return s;
}

export const userShape = (s: number[]): string => shapeStr(['batch' as unknown as number, ...s.slice(1)]);

const POOL_HYPER = [
  { name: 'pool', type: 'pair' as const, default: 2 },
  { name: 'stride', type: 'pair' as const, default: 0 },
  { name: 'padding', type: 'padding' as const, default: 'valid' },
];

function pool(op: 'maxpool2d' | 'avgpool2d'): LayerDef {
  return {
    doc: `${op === 'maxpool2d' ? 'maximum' : 'average'} over pool×pool windows (stride defaults to the pool size)`,
    inputs: 1,
    hyper: POOL_HYPER,
    lower(cx, [x], h) {
      const s = image(cx, x!, op === 'maxpool2d' ? 'maxpool' : 'avgpool');
      const k = pair(h.pool!);
      const st = pair(h.stride!)[0] === 0 ? k : pair(h.stride!);
      const padding = resolvePadding(h.padding!, [s[2]!, s[3]!], k, st, [1, 1]);
      return cx.op(op, [x!], { kernel: k, stride: st, padding });
    },
  };
}

/** Keras UpSampling2D: nearest (each value repeated) or bilinear (tf.image.resize's half-pixel centres). */
function upsample(name: string): LayerDef {
  return {
    doc: 'upsampling by an integer factor, nearest or bilinear (Keras UpSampling2D)',
    inputs: 1,
    hyper: [{ name: 'factor', type: 'pair', default: 2 }, { name: 'interpolation', type: 'word', default: 'nearest', oneOf: ['nearest', 'bilinear'] }],
    lower: (cx, [x], h) => {
      image(cx, x!, name);
      return cx.op(h.interpolation === 'bilinear' ? 'upsample_bilinear' : 'upsample', [x!], { factor: pair(h.factor!) });
    },
  };
}

/** Shape [1, C] or [1, C, 1, 1] (axis 1): one value per entry of `axis`, broadcast over the rest. */
function perChannel(shape: number[], axis = 1): number[] {
  return shape.map((d, i) => (i === axis ? d : 1));
}


export const SPATIAL_LAYERS: Record<string, LayerDef> = {
  conv2d: {
    doc: '2-D convolution over [batch, channels, height, width]',
    inputs: 1,
    hyper: [
      { name: 'filters', type: 'posint' },
      { name: 'kernel', type: 'pair', default: 3 },
      { name: 'stride', type: 'pair', default: 1 },
      { name: 'padding', type: 'padding', default: 'valid' },
      { name: 'dilation', type: 'pair', default: 1 },
      { name: 'groups', type: 'posint', default: 1 },
      { name: 'activation', type: 'word', default: 'linear', oneOf: ACTIVATIONS },
      { name: 'use_bias', type: 'bool', default: true },
      { name: 'init', type: 'word', default: 'auto', oneOf: INITS },
      ...WEIGHT_ARGS,
    ],
    lower(cx, [x], h) {
      const s = image(cx, x!, 'conv2d');
      const [C, H, W] = [s[1]!, s[2]!, s[3]!];
      const CO = h.filters as number;
      const g = h.groups as number;
      const k = pair(h.kernel!);
      const stride = pair(h.stride!);
      const dil = pair(h.dilation!);
      if (C % g !== 0 || CO % g !== 0) throw new LayerError(`groups ${g} must divide the input channels (${C}) and the filters (${CO})`);
      const padding = resolvePadding(h.padding!, [H, W], k, stride, dil);
      const span = [(k[0] - 1) * dil[0] + 1, (k[1] - 1) * dil[1] + 1];
      if (span[0]! > H + padding[0] + padding[2] || span[1]! > W + padding[1] + padding[3]) {
        throw new LayerError(`the ${k[0]}×${k[1]} kernel${dil[0] > 1 || dil[1] > 1 ? ` (dilated to ${span[0]}×${span[1]})` : ''} is larger than the padded input ${H + padding[0] + padding[2]}×${W + padding[1] + padding[3]}`);
      }
      // Keras's fans (compute_fans on its kernel [kh, kw, C/g, filters]): the receptive field times
      // the input channels of a group in, times all the filters out, grouped or not.
      const act = h.activation as string;
      const init: Initializer = heOrGlorot(h.init as string, act, cx.nextActivation, (C / g) * k[0] * k[1], CO * k[0] * k[1]);
      const w = cx.param('kernel', [CO, C / g, k[0], k[1]], init, true, ownRegularizer(h, 'kernel_regularizer'));
      let y = cx.op('conv2d', [x!, w], { stride, padding, dilation: dil, groups: g });
      if (h.use_bias) y = cx.op('add', [y, cx.op('reshape', [cx.param('bias', [CO], biasInit(h, CO), false, ownRegularizer(h, 'bias_regularizer'))], { shape: [CO, 1, 1] })]);
      return activate(cx, y, act, h);
    },
  },
  maxpool: pool('maxpool2d'),
  maxpool2d: pool('maxpool2d'),
  avgpool: pool('avgpool2d'),
  avgpool2d: pool('avgpool2d'),
  global_avgpool: {
    doc: 'mean over height and width: [batch, C, H, W] → [batch, C]',
    inputs: 1,
    hyper: [],
    lower(cx, [x]) {
      const s = image(cx, x!, 'global_avgpool');
      const summed = cx.op('sum_to', [x!], { shape: [s[0]!, s[1]!, 1, 1] });
      return cx.op('scale', [cx.op('reshape', [summed], { shape: [s[0]!, s[1]!] })], { factor: 1 / (s[2]! * s[3]!) });
    },
  },
  global_maxpool: {
    doc: 'maximum over height and width: [batch, C, H, W] → [batch, C] (Keras GlobalMaxPooling2D)',
    inputs: 1,
    hyper: [],
    lower(cx, [x]) {
      const s = image(cx, x!, 'global_maxpool');
      // One window over the whole plane: the max-pool kernels (first maximum on ties) and its gradient.
      const hw = [s[2]!, s[3]!];
      const pooled = cx.op('maxpool2d', [x!], { kernel: hw, stride: hw, padding: [0, 0, 0, 0] });
      return cx.op('reshape', [pooled], { shape: [s[0]!, s[1]!] });
    },
  },
  zero_padding2d: {
    doc: 'zeros around the height and width (Keras ZeroPadding2D): padding n, [h, w] or [[top, bottom], [left, right]]',
    inputs: 1,
    hyper: [{ name: 'padding', type: 'pad2d', default: 1 }],
    lower(cx, [x], h) {
      let s = image(cx, x!, 'zero_padding2d');
      const [top, bottom, left, right] = typeof h.padding === 'number' ? [h.padding, h.padding, h.padding, h.padding] : (h.padding as number[]);
      let y = x!;
      // Each axis is one copy into zeros (slice's gradient kernel, whose own gradient is the slice back).
      const pad = (axis: 2 | 3, before: number, after: number): void => {
        if (before + after === 0) return;
        const shape = s.map((d, i) => (i === axis ? d + before + after : d));
        y = cx.op('slice_bwd', [y], { axis, start: before, shape });
        s = shape;
      };
      pad(2, top!, bottom!);
      pad(3, left!, right!);
      return y;
    },
  },
  upsample: upsample('upsample'),
  upsampling2d: upsample('upsampling2d'),
  concat: {
    doc: 'joins two or more tensors along an axis (0 is the batch axis; default 1, the channels)',
    inputs: 2,
    variadic: true,
    hyper: [{ name: 'axis', type: 'int', default: 1 }],
    lower(cx, xs, h) {
      const shapes = xs.map((x) => cx.shape(x));
      const rank = shapes[0]!.length;
      let axis = h.axis as number;
      if (axis < 0) axis += rank;
      if (axis < 1 || axis >= rank) throw new LayerError(`axis ${h.axis} is out of range for rank-${rank} tensors (1 to ${rank - 1}, or negative from the end; the batch axis 0 cannot be joined)`);
      const first = shapes[0]!;
      if (shapes.some((s) => s.length !== rank || s.some((d, i) => i !== axis && d !== first[i]))) {
        throw new LayerError(`concat along axis ${axis} needs equal other dimensions, got ${shapes.map(userShape).join(' and ')}`);
      }
      // Joined pairwise, left to right: each join is one copy kernel, and its gradient two slices.
      return xs.slice(1).reduce((acc, x) => cx.op('concat', [acc, x], { axis }), xs[0]!);
    },
  },
  batchnorm: {
    doc: 'batch normalisation over every axis but `axis` (default 1, the channels); running statistics in eval',
    inputs: 1,
    hyper: [{ name: 'momentum', type: 'rate', default: 0.99 }, { name: 'epsilon', type: 'posfloat', default: 1e-3 }, { name: 'axis', type: 'int', default: 1 }],
    lower(cx, [x], h) {
      const s = cx.shape(x!);
      if (s.length < 2) throw new LayerError(`batchnorm needs an input with channels, got ${userShape(s)}`);
      const axis = featureAxis(s, h.axis as number, 'batchnorm');
      const C = s[axis]!;
      const red = perChannel(s, axis);
      const asChannels = (v: ValueId): ValueId => cx.op('reshape', [v], { shape: red.slice(1) });
      const gamma = asChannels(cx.param('gamma', [C], { kind: 'ones' }, false));
      const beta = asChannels(cx.param('beta', [C], { kind: 'zeros' }, false));
      const runMean = cx.state('moving_mean', [C], { kind: 'zeros' });
      const runVar = cx.state('moving_variance', [C], { kind: 'ones' });
      const eps = h.epsilon as number;
      let xc: ValueId;
      let inv: ValueId;
      // Keras (TF 2.0 on): a frozen BatchNormalization runs in inference mode, even while training.
      if (cx.training && !cx.frozen) {
        const M = numel(s) / C;
        const mean = cx.op('scale', [cx.op('sum_to', [x!], { shape: red })], { factor: 1 / M });
        xc = cx.op('sub', [x!, mean]);
        const variance = cx.op('scale', [cx.op('sum_to', [cx.op('square', [xc])], { shape: red })], { factor: 1 / M });
        inv = cx.op('rsqrt', [cx.op('shift', [variance], { offset: eps })]);
        cx.op('ema', [runMean, cx.op('reshape', [mean], { shape: [C] })], { momentum: h.momentum as number });
        cx.op('ema', [runVar, cx.op('reshape', [variance], { shape: [C] })], { momentum: h.momentum as number });
      } else {
        xc = cx.op('sub', [x!, asChannels(runMean)]);
        inv = cx.op('rsqrt', [cx.op('shift', [asChannels(runVar)], { offset: eps })]);
      }
      return cx.op('add', [cx.op('mul', [cx.op('mul', [xc, inv]), gamma]), beta]);
    },
  },
  groupnorm: {
    doc: 'normalises each sample over groups of channels (and the plane), then scales and shifts per channel (Keras GroupNormalization)',
    inputs: 1,
    hyper: [{ name: 'groups', type: 'posint', default: 32 }, { name: 'epsilon', type: 'posfloat', default: 1e-3 }],
    lower(cx, [x], h) {
      const s = cx.shape(x!);
      if (s.length < 2) throw new LayerError(`groupnorm needs an input with channels, got ${userShape(s)}`);
      const [N, C] = [s[0]!, s[1]!];
      const G = h.groups as number;
      if (C % G !== 0) {
        throw new LayerError(`groupnorm's ${G} groups${G === 32 ? ' (the default, as Keras)' : ''} must divide the ${C} channels; pass groups: a divisor of ${C}`);
      }
      // [N, G, values of a group]: the group's channels and, for an image, their planes.
      const M = numel(s) / (N * G);
      const grouped = cx.op('reshape', [x!], { shape: [N, G, M] });
      const mean = cx.op('scale', [cx.op('sum_to', [grouped], { shape: [N, G, 1] })], { factor: 1 / M });
      const xc = cx.op('sub', [grouped, mean]);
      const variance = cx.op('scale', [cx.op('sum_to', [cx.op('square', [xc])], { shape: [N, G, 1] })], { factor: 1 / M });
      const inv = cx.op('rsqrt', [cx.op('shift', [variance], { offset: h.epsilon as number })]);
      const normed = cx.op('reshape', [cx.op('mul', [xc, inv])], { shape: s });
      const asChannels = (v: ValueId): ValueId => cx.op('reshape', [v], { shape: perChannel(s).slice(1) });
      const gamma = asChannels(cx.param('gamma', [C], { kind: 'ones' }, false));
      const beta = asChannels(cx.param('beta', [C], { kind: 'zeros' }, false));
      return cx.op('add', [cx.op('mul', [normed, gamma]), beta]);
    },
  },
  spatial_dropout2d: {
    doc: 'zeroes whole channels of [batch, C, H, W] with probability `rate` while training, scaling the rest by 1/(1 − rate); identity in eval (Keras SpatialDropout2D)',
    inputs: 1,
    hyper: [{ name: 'rate', type: 'rate' }],
    lower(cx, [x], h) {
      const s = image(cx, x!, 'spatial_dropout2d');
      if (!cx.training || (h.rate as number) === 0) return x!;
      // One inverted-dropout draw per (sample, channel), broadcast over the plane.
      const ones = cx.op('fill', [], { shape: [s[0]!, s[1]!, 1, 1], value: 1 });
      return cx.op('mul', [x!, cx.op('dropout', [ones], { rate: h.rate as number, salt: cx.salt })]);
    },
  },
  layernorm: {
    doc: 'normalises each sample over `axis` (default -1, the last), then scales and shifts',
    inputs: 1,
    hyper: [{ name: 'epsilon', type: 'posfloat', default: 1e-3 }, { name: 'axis', type: 'int', default: -1 }],
    lower(cx, [x], h) {
      const s = cx.shape(x!);
      if (s.length < 2) throw new LayerError(`layernorm needs an input with features, got ${userShape(s)}`);
      const axis = featureAxis(s, h.axis as number, 'layernorm');
      const F = s[axis]!;
      const red = s.map((d, i) => (i === axis ? 1 : d));
      // γ and β hold one value per entry of the axis, broadcast over the others.
      const alongAxis = (v: ValueId): ValueId => (axis === s.length - 1 ? v : cx.op('reshape', [v], { shape: perChannel(s, axis).slice(1) }));
      const mean = cx.op('scale', [cx.op('sum_to', [x!], { shape: red })], { factor: 1 / F });
      const xc = cx.op('sub', [x!, mean]);
      const variance = cx.op('scale', [cx.op('sum_to', [cx.op('square', [xc])], { shape: red })], { factor: 1 / F });
      const inv = cx.op('rsqrt', [cx.op('shift', [variance], { offset: h.epsilon as number })]);
      const gamma = alongAxis(cx.param('gamma', [F], { kind: 'ones' }, false));
      const beta = alongAxis(cx.param('beta', [F], { kind: 'zeros' }, false));
      return cx.op('add', [cx.op('mul', [cx.op('mul', [xc, inv]), gamma]), beta]);
    },
  },
};
