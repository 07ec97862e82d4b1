// The other convolutions, each lowered onto conv2d's kernels: conv1d (height 1), conv2d_transpose
// (conv2d's input gradient as its forward), depthwise_conv2d and separable_conv2d (groups = channels).
import type { Initializer } from '../artifact.ts';
import type { ValueId } from '../ir/types.ts';
import { activate, ACTIVATIONS, heOrGlorot, INITS, LayerError, type LayerContext, type LayerDef } from './layers.ts';
import { image, pair, resolvePadding, userShape } from './layers-spatial.ts';
import type { Hyper } from './values.ts';

/**
 * The depthwise convolution of depthwise_conv2d and separable_conv2d: conv2d with one group per
 * channel, output channel c·multiplier + m from input channel c (TensorFlow's order). Keras's
 * kernel [kh, kw, C, multiplier] gives fans kh·kw·C in and kh·kw·multiplier out.
 */
function depthwise(cx: LayerContext, x: ValueId, h: Record<string, Hyper>, act: string): ValueId {
  const [, C, H, W] = cx.shape(x) as [number, number, number, number];
  const M = h.depth_multiplier as number;
  const k = pair(h.kernel!);
  const stride = pair(h.stride!);
  const dil = pair(h.dilation!);
  const padding = resolvePadding(h.padding!, [H, W], k, stride, dil);
  const span = [(k[0] - 1) * dil[0] + 1, (k[1] - 1) * dil[1] + 1];
  if (span[0]! > H + padding[0] + padding[2] || span[1]! > W + padding[1] + padding[3]) {
    throw new LayerError(`the ${k[0]}×${k[1]} kernel${dil[0] > 1 || dil[1] > 1 ? ` (dilated to ${span[0]}×${span[1]})` : ''} is larger than the padded input ${H + padding[0] + padding[2]}×${W + padding[1] + padding[3]}`);
  }
  const rf = k[0] * k[1];
  const w = cx.param('depthwise_kernel', [C * M, 1, k[0], k[1]], heOrGlorot(h.init as string, act, cx.nextActivation, rf * C, rf * M), true);
  return cx.op('conv2d', [x, w], { stride, padding, dilation: dil, groups: C });
}

export const CONV_LAYERS: Record<string, LayerDef> = {
  conv1d: {
    doc: '1-D convolution over [batch, channels, length] (Keras Conv1D; the conv2d kernels with height 1)',
    inputs: 1,
    hyper: [
      { name: 'filters', type: 'posint' },
      { name: 'kernel', type: 'posint', default: 3 },
      { name: 'stride', type: 'posint', default: 1 },
      { name: 'padding', type: 'pad1d', default: 'valid' },
      { name: 'dilation', type: 'posint', default: 1 },
      { name: 'groups', type: 'posint', default: 1 },
      { name: 'activation', type: 'word', default: 'linear', oneOf: ACTIVATIONS },
      { name: 'use_bias', type: 'bool', default: true },
      { name: 'init', type: 'word', default: 'auto', oneOf: INITS },
    ],
    lower(cx, [x], h) {
      const s = cx.shape(x!);
      if (s.length !== 3) {
        throw new LayerError(`conv1d needs an input of shape [batch, channels, length], got ${userShape(s)}; declare the input as e.g. f32[1, 100] or reshape it`);
      }
      const [N, C, L] = [s[0]!, s[1]!, s[2]!];
      const CO = h.filters as number;
      const g = h.groups as number;
      const [k, stride, dil] = [h.kernel as number, h.stride as number, h.dilation as number];
      if (C % g !== 0 || CO % g !== 0) throw new LayerError(`groups ${g} must divide the input channels (${C}) and the filters (${CO})`);
      const span = (k - 1) * dil + 1;
      // [left, right]: 'same' as TensorFlow (the extra one on the right), 'causal' all on the left (Keras).
      const p = h.padding!;
      const [left, right] = p === 'causal' ? [span - 1, 0]
        : p === 'same' || p === 'valid' ? (([, l, , r]) => [l!, r!])(resolvePadding(p, [1, L], [1, k], [1, stride], [1, dil]))
          : typeof p === 'number' ? [p, p] : (p as number[]);
      if (span > L + left! + right!) {
        throw new LayerError(`the kernel of ${k}${dil > 1 ? ` (dilated to ${span})` : ''} is longer than the padded input (${L + left! + right!})`);
      }
      // Keras's fans (compute_fans on its kernel [k, C/g, filters]): k·C/g in, k·filters out.
      const act = h.activation as string;
      const init: Initializer = heOrGlorot(h.init as string, act, cx.nextActivation, (C / g) * k, CO * k);
      const w = cx.param('kernel', [CO, C / g, k], init, true);
      // A row of height 1: conv2d's kernels and gradients as they are.
      const x4 = cx.op('reshape', [x!], { shape: [N, C, 1, L] });
      const w4 = cx.op('reshape', [w], { shape: [CO, C / g, 1, k] });
      let y = cx.op('conv2d', [x4, w4], { stride: [1, stride], padding: [0, left!, 0, right!], dilation: [1, dil], groups: g });
      y = cx.op('reshape', [y], { shape: [N, CO, cx.shape(y)[3]!] });
      if (h.use_bias) y = cx.op('add', [y, cx.op('reshape', [cx.param('bias', [CO], { kind: 'zeros' }, false)], { shape: [CO, 1] })]);
      return activate(cx, y, act, h);
    },
  },
  depthwise_conv2d: {
    doc: 'one k×k filter per input channel (depth_multiplier of them), no mixing across channels (Keras DepthwiseConv2D)',
    inputs: 1,
    hyper: [
      { name: 'kernel', type: 'pair', default: 3 },
      { name: 'stride', type: 'pair', default: 1 },
      { name: 'padding', type: 'padding', default: 'valid' },
      { name: 'dilation', type: 'pair', default: 1 },
      { name: 'depth_multiplier', type: 'posint', default: 1 },
      { name: 'activation', type: 'word', default: 'linear', oneOf: ACTIVATIONS },
      { name: 'use_bias', type: 'bool', default: true },
      { name: 'init', type: 'word', default: 'auto', oneOf: INITS },
    ],
    lower(cx, [x], h) {
      const C = image(cx, x!, 'depthwise_conv2d')[1]!;
      const act = h.activation as string;
      let y = depthwise(cx, x!, h, act);
      const CO = C * (h.depth_multiplier as number);
      if (h.use_bias) y = cx.op('add', [y, cx.op('reshape', [cx.param('bias', [CO], { kind: 'zeros' }, false)], { shape: [CO, 1, 1] })]);
      return activate(cx, y, act, h);
    },
  },
  separable_conv2d: {
    doc: 'a depthwise convolution, then a 1×1 convolution to `filters` channels (Keras SeparableConv2D)',
    inputs: 1,
    hyper: [
      { name: 'filters', type: 'posint' },
      { name: 'kernel', type: 'pair', default: 3 },
      { name: 'stride', type: 'pair', default: 1 },
      { name: 'padding', type: 'padding', default: 'valid' },
      { name: 'dilation', type: 'pair', default: 1 },
      { name: 'depth_multiplier', type: 'posint', default: 1 },
      { name: 'activation', type: 'word', default: 'linear', oneOf: ACTIVATIONS },
      { name: 'use_bias', type: 'bool', default: true },
      { name: 'init', type: 'word', default: 'auto', oneOf: INITS },
    ],
    lower(cx, [x], h) {
      const C = image(cx, x!, 'separable_conv2d')[1]!;
      const act = h.activation as string;
      const d = depthwise(cx, x!, h, act);
      // Keras's pointwise kernel [1, 1, C·multiplier, filters]: fans C·multiplier in, filters out.
      const CM = C * (h.depth_multiplier as number);
      const F = h.filters as number;
      const pw = cx.param('pointwise_kernel', [F, CM, 1, 1], heOrGlorot(h.init as string, act, cx.nextActivation, CM, F), true);
      let y = cx.op('conv2d', [d, pw], { stride: [1, 1], padding: [0, 0, 0, 0], dilation: [1, 1], groups: 1 });
      if (h.use_bias) y = cx.op('add', [y, cx.op('reshape', [cx.param('bias', [F], { kind: 'zeros' }, false)], { shape: [F, 1, 1] })]);
      return activate(cx, y, act, h);
    },
  },
  conv2d_transpose: {
    doc: 'transposed 2-D convolution (Keras Conv2DTranspose): the input gradient of a conv2d, [batch, C, H, W] → [batch, filters, H·s (+ k − s), …]',
    inputs: 1,
    hyper: [
      { name: 'filters', type: 'posint' },
      { name: 'kernel', type: 'pair', default: 3 },
      { name: 'stride', type: 'pair', default: 1 },
      { name: 'padding', type: 'word', default: 'valid', oneOf: ['valid', 'same'] },
      { name: 'dilation', type: 'pair', default: 1 },
      { name: 'activation', type: 'word', default: 'linear', oneOf: ACTIVATIONS },
      { name: 'use_bias', type: 'bool', default: true },
      { name: 'init', type: 'word', default: 'auto', oneOf: INITS },
    ],
    lower(cx, [x], h) {
      const s = image(cx, x!, 'conv2d_transpose');
      const [N, C, H, W] = [s[0]!, s[1]!, s[2]!, s[3]!];
      const F = h.filters as number;
      const k = pair(h.kernel!);
      const stride = pair(h.stride!);
      const dil = pair(h.dilation!);
      // Keras's output size (compute_conv_transpose_output_shape, no output_padding): same H·s,
      // valid H·s + max(span − s, 0); the convolution of that size with this padding gives back H.
      const span = [0, 1].map((i) => (k[i]! - 1) * dil[i]! + 1);
      const out = [H, W].map((d, i) => d * stride[i]! + (h.padding === 'valid' ? Math.max(span[i]! - stride[i]!, 0) : 0)) as [number, number];
      const padding = resolvePadding(h.padding!, out, k, stride, dil);
      // Keras's kernel is [kh, kw, filters, C]: fans kh·kw·filters in and kh·kw·C out.
      const act = h.activation as string;
      const init: Initializer = heOrGlorot(h.init as string, act, cx.nextActivation, F * k[0] * k[1], C * k[0] * k[1]);
      const w = cx.param('kernel', [C, F, k[0], k[1]], init, true);
      let y = cx.op('conv2d_bwd_input', [x!, w], { stride, padding, dilation: dil, groups: 1, inputShape: [N, F, ...out] });
      if (h.use_bias) y = cx.op('add', [y, cx.op('reshape', [cx.param('bias', [F], { kind: 'zeros' }, false)], { shape: [F, 1, 1] })]);
      return activate(cx, y, act, h);
    },
  },
};
