// Test cases for every op of OP_TABLE (typed exhaustively: a new op without cases does not compile).
import type { OpKind } from '../../compiler/ir/ops/index.ts';
import { tensor } from '../../compiler/ir/tensor.ts';
import { evalOp } from '../../compiler/reference/interp.ts';
import type { Attrs, DType } from '../../compiler/ir/types.ts';
import { Rng } from '../../runtime/random.ts';

/** How to draw an input: normal values, positive values, values away from 0, small values, uniform in [−10, 10), zeros, class labels, or fixed integer ids (repeated in turn). */
export type Draw = 'normal' | 'positive' | 'away0' | 'unit' | 'small' | 'wide' | 'zero' | { labels: number } | { ids: number[] } | { bucketsOf: number };

export interface OpCase {
  shapes: number[][];
  attrs?: Attrs;
  draws?: Draw[];
}

const lab = (n: number): Draw => ({ labels: n });
/** 130 ids over rows 0 to 130 in three blocks of 64, some repeated (129 and 130 in the last block). */
const SPREAD_IDS = Array.from({ length: 130 }, (_, i) => (i * 37) % 131);
/** An id_buckets input: computed from the case's input 1 (the ids) by drawInput. */
const BUCKETS_OF: Draw = { bucketsOf: 1 };
/** 15 token ids of a 7-word vocabulary: 0 (padding) three times, 3 and 6 repeated, rows 2 and 5 unused. */
const EMBED_IDS: Draw = { ids: [0, 3, 3, 6, 1, 0, 1, 3, 4, 4, 6, 0, 6, 6, 1] };
// Shapes deliberately off the tile sizes: 1, primes, one past a power of two.
// Element counts that are multiples of 4 run the vec4 form (4 × 4 elements per invocation); 4124
// leaves a partial workgroup and a partial last pass.
const UNARY: OpCase[] = [{ shapes: [[1]] }, { shapes: [[7, 13]] }, { shapes: [[3, 5, 67]] }, { shapes: [[129, 65]] }, { shapes: [[4, 1031]] }];
const BINARY: OpCase[] = [
  { shapes: [[1], [1]] },
  { shapes: [[7, 13], [7, 13]] },
  { shapes: [[5, 33], [33]] },
  { shapes: [[3, 1, 7], [1, 5, 1]] },
  { shapes: [[2, 65], []] },
  { shapes: [[12, 37], [12, 37]] },
  { shapes: [[8, 33], [33]] },
  { shapes: [[4, 65], []] },
];
const GRAD2 = (draw: Draw = 'away0'): OpCase[] => [
  { shapes: [[1], [1]], draws: [draw, 'normal'] },
  { shapes: [[7, 13], [7, 13]], draws: [draw, 'normal'] },
  { shapes: [[3, 67], [3, 67]], draws: [draw, 'normal'] },
  { shapes: [[4, 257], [4, 257]], draws: [draw, 'normal'] },
];
const ROWS: OpCase[] = [{ shapes: [[1, 2]] }, { shapes: [[5, 10]] }, { shapes: [[67, 3]] }, { shapes: [[2, 3, 7]] }];
const ROWS2: OpCase[] = [{ shapes: [[1, 2], [1, 2]], draws: ['unit', 'normal'] }, { shapes: [[5, 10], [5, 10]], draws: ['unit', 'normal'] }, { shapes: [[67, 3], [67, 3]], draws: ['unit', 'normal'] }];
const LABELLED = (extra: number[][] = []): OpCase[] => [
  { shapes: [[1, 2], [1], ...extra.map(() => [1])], draws: ['normal', lab(2), 'normal'] },
  { shapes: [[5, 10], [5], ...extra.map(() => [5])], draws: ['normal', lab(10), 'normal'] },
  { shapes: [[130, 3], [130], ...extra.map(() => [130])], draws: ['normal', lab(3), 'normal'] },
];
const UPDATE = (states: number, attrs: Attrs): OpCase[] => [1, 67, 1000, 4100].map((n) => ({
  shapes: Array.from({ length: 2 + states }, () => [n]),
  attrs,
  draws: ['normal', 'normal', ...Array.from({ length: states }, (_, k) => (k === states - 1 ? 'positive' : 'normal') as Draw)],
}));
/** An optimizer update whose states are drawn as given (p and g normal). */
const UPDATE_DRAWN = (states: Draw[], attrs: Attrs): OpCase[] => [1, 67, 1000, 4100].map((n) => ({
  shapes: Array.from({ length: 2 + states.length }, () => [n]), attrs, draws: ['normal', 'normal', ...states],
}));

// NCHW pooling geometries: odd sizes, batch 1, kernel 3 stride 2, kernel ≠ stride, non-square,
// asymmetric TF 'same' padding, half-padding edge windows, an MNIST-sized pool.
const POOLS: { x: number[]; attrs: Attrs }[] = [
  { x: [1, 1, 7, 5], attrs: { kernel: [3, 3], stride: [2, 2], padding: [0, 0, 0, 0] } },
  { x: [2, 3, 8, 6], attrs: { kernel: [3, 3], stride: [2, 2], padding: [0, 0, 1, 1] } },
  { x: [1, 2, 9, 7], attrs: { kernel: [3, 2], stride: [1, 2], padding: [1, 0, 1, 1] } },
  { x: [3, 2, 5, 7], attrs: { kernel: [3, 3], stride: [1, 1], padding: [1, 1, 1, 1] } },
  { x: [1, 3, 6, 6], attrs: { kernel: [2, 2], stride: [2, 2], padding: [1, 1, 1, 1] } },
  { x: [2, 3, 7, 9], attrs: { kernel: [2, 3], stride: [3, 2], padding: [0, 1, 0, 0] } },
  { x: [2, 32, 26, 26], attrs: { kernel: [2, 2], stride: [2, 2], padding: [0, 0, 0, 0] } },
  // Tiling windows (stride = kernel, no padding) with rows and columns no window covers.
  { x: [2, 3, 11, 7], attrs: { kernel: [2, 2], stride: [2, 2], padding: [0, 0, 0, 0] } },
  { x: [1, 2, 9, 10], attrs: { kernel: [3, 3], stride: [3, 3], padding: [0, 0, 0, 0] } },
];
const pooled = ({ x, attrs }: { x: number[]; attrs: Attrs }): number[] => {
  const [k, s, p] = [attrs.kernel, attrs.stride, attrs.padding] as number[][];
  return [x[0]!, x[1]!, Math.floor((x[2]! + p![0]! + p![2]! - k![0]!) / s![0]!) + 1, Math.floor((x[3]! + p![1]! + p![3]! - k![1]!) / s![1]!) + 1];
};
const UPSAMPLES: { x: number[]; factor: number[] }[] = [
  { x: [1, 1, 1, 1], factor: [2, 3] }, { x: [2, 3, 7, 5], factor: [2, 2] }, { x: [1, 4, 13, 13], factor: [2, 2] }, { x: [1, 2, 3, 4], factor: [1, 3] },
];
/** Bilinear's odd factor (some outputs sit on input centres) on a batch of 3. */
const ODD_FACTORS = { x: [3, 2, 5, 7], factor: [3, 4] };

/** Convolution problems (x, w, attrs) off every tile size: odd images, strides, padding, dilation, groups. */
const CONV: { x: number[]; w: number[]; a: Attrs }[] = [
  { x: [1, 3, 7, 5], w: [5, 3, 3, 3], a: { stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1], groups: 1 } }, // batch 1, 'same'
  { x: [2, 3, 8, 6], w: [6, 3, 3, 3], a: { stride: [2, 2], padding: [0, 0, 1, 1], dilation: [1, 1], groups: 1 } }, // stride 2, asymmetric 'same'
  { x: [2, 2, 7, 5], w: [3, 2, 4, 2], a: { stride: [1, 1], padding: [1, 0, 2, 1], dilation: [1, 1], groups: 1 } }, // even kernel, asymmetric 'same'
  { x: [2, 3, 9, 7], w: [4, 3, 3, 3], a: { stride: [1, 2], padding: [2, 1, 2, 0], dilation: [2, 1], groups: 1 } }, // dilation 2
  { x: [2, 4, 6, 5], w: [6, 2, 3, 3], a: { stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1], groups: 2 } }, // groups 2
  { x: [1, 6, 5, 5], w: [10, 3, 3, 3], a: { stride: [1, 1], padding: [0, 1, 2, 1], dilation: [2, 2], groups: 2 } }, // groups 2, dilated
  { x: [2, 5, 7, 5], w: [5, 1, 3, 3], a: { stride: [2, 1], padding: [1, 1, 1, 1], dilation: [1, 1], groups: 5 } }, // depthwise
  { x: [3, 6, 5, 7], w: [9, 6, 1, 1], a: { stride: [1, 1], padding: [0, 0, 0, 0], dilation: [1, 1], groups: 1 } }, // 1×1
  { x: [2, 3, 4, 4], w: [5, 3, 5, 5], a: { stride: [1, 1], padding: [1, 0, 0, 1], dilation: [1, 1], groups: 1 } }, // kernel = padded input: 1×1 output
  { x: [2, 3, 6, 6], w: [17, 3, 2, 2], a: { stride: [2, 1], padding: [0, 0, 1, 0], dilation: [1, 1], groups: 1 } }, // 17 output channels: partial blocks
  { x: [1, 17, 5, 5], w: [4, 17, 3, 3], a: { stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1], groups: 1 } }, // 17 input channels: partial blocks
  { x: [3, 32, 13, 13], w: [64, 32, 3, 3], a: { stride: [1, 1], padding: [0, 0, 0, 0], dilation: [1, 1], groups: 1 } }, // MNIST-sized
];
/** NCHW batches for the augmentation ops: one pixel, batch 3 at odd sizes, 67 samples (both outcomes of each draw), MNIST's size. */
const AUGMENT_IMAGES: number[][] = [[1, 1, 1, 1], [3, 2, 7, 5], [67, 1, 5, 3], [2, 3, 28, 28]];
/** Random crops (image, window): a pixel of a pixel, odd windows of an odd batch of 3, a full axis, MNIST's 28 to 24, one offset of 1,001. */
const CROPS: { x: number[]; size: [number, number] }[] = [
  { x: [1, 1, 1, 1], size: [1, 1] }, { x: [3, 3, 7, 5], size: [4, 3] }, { x: [3, 3, 9, 5], size: [2, 5] }, { x: [2, 3, 28, 28], size: [24, 24] }, { x: [1, 1, 3, 1003], size: [1, 3] },
];
/** Bilinear resizes (image, size): down, up, one axis kept, from and to one pixel, MNIST's 28 to 24. */
const RESIZES: { x: number[]; size: [number, number] }[] = [
  { x: [3, 3, 7, 5], size: [4, 3] }, { x: [3, 2, 5, 4], size: [9, 7] }, { x: [3, 2, 6, 9], size: [6, 4] }, { x: [1, 1, 1, 1], size: [2, 3] },
  { x: [2, 1, 5, 3], size: [1, 1] }, { x: [2, 3, 28, 28], size: [24, 24] },
];
/** A fused chain as the fusion pass writes it: steps over sources (0…) then earlier steps. */
const chain = (...steps: [string, number[], Attrs?][]): string => JSON.stringify(steps.map(([op, args, attrs]) => ({ op, args, attrs: attrs ?? {} })));
// Chains the fusion pass makes: bias + relu, relu gradient masks, Adam-free arithmetic with a
// broadcast scalar, dropout (reads the step uniform), a value used twice.
const BIAS_RELU = chain(['add', [0, 1]], ['relu', [2]]);
const FUSED_CASES: OpCase[] = [
  { shapes: [[1], [1]], attrs: { shape: [1], chain: BIAS_RELU } },
  { shapes: [[7, 13], [13]], attrs: { shape: [7, 13], chain: BIAS_RELU } },
  { shapes: [[65, 3], [65, 3], [1]], attrs: { shape: [65, 3], chain: chain(['relu_bwd', [0, 1]], ['mul', [3, 2]], ['tanh', [4]], ['square', [5]]) } },
  { shapes: [[3, 5, 67], [5, 1]], attrs: { shape: [3, 5, 67], chain: chain(['sub', [0, 1]], ['dropout', [2], { rate: 0.3, salt: 4 }], ['mul', [3, 3]]) } },
  // vec4 forms: a broadcast bias read per element beside vec4 loads; dropout's per-element index.
  { shapes: [[12, 65], [65]], attrs: { shape: [12, 65], chain: BIAS_RELU } },
  { shapes: [[4, 5, 67], [5, 1]], attrs: { shape: [4, 5, 67], chain: chain(['sub', [0, 1]], ['dropout', [2], { rate: 0.3, salt: 4 }], ['mul', [3, 3]]) } },
  // Gaussian noise inside a chain (its two draws per element), scalar and vec4 forms.
  { shapes: [[3, 5, 67], [5, 1]], attrs: { shape: [3, 5, 67], chain: chain(['sub', [0, 1]], ['gaussian_noise', [2], { stddev: 0.5, salt: 6 }], ['relu', [3]]) } },
  { shapes: [[4, 5, 68], [5, 1]], attrs: { shape: [4, 5, 68], chain: chain(['add', [0, 1]], ['gaussian_noise', [2], { stddev: 2, salt: 7 }], ['tanh', [3]]) } },
];
const MATMUL_CHAIN_CASES: OpCase[] = [
  { shapes: [[1, 1], [1, 1], [1]], attrs: { chain: BIAS_RELU } },
  { shapes: [[7, 13], [13, 5], [5]], attrs: { chain: BIAS_RELU } },
  { shapes: [[33, 70], [65, 70], [33, 65]], attrs: { transB: true, chain: chain(['relu_bwd', [1, 0]]) }, draws: ['normal', 'normal', 'away0'] },
  { shapes: [[13, 37], [13, 9], [9]], attrs: { transA: true, chain: chain(['add', [0, 1]], ['dropout', [2], { rate: 0.5, salt: 9 }], ['gelu', [3]]) } },
  { shapes: [[130, 17], [17, 3]], attrs: { chain: chain(['sigmoid', [0]]) } },
  { shapes: [[257, 33], [33, 263], [263]], attrs: { chain: BIAS_RELU } },
  // A batch of products: the epilogue's flat index runs over the whole batch (a per-product bias, a scale).
  { shapes: [[3, 7, 13], [3, 13, 5], [3, 1, 5]], attrs: { chain: chain(['add', [0, 1]], ['scale', [2], { factor: 0.25 }]) } },
  { shapes: [[2, 67, 17], [2, 67, 17]], attrs: { transB: true, chain: chain(['scale', [0], { factor: 0.25 }]) } },
];

/** conv2d output shape [N, CO, OH, OW]. */
const convOut = ({ x, w, a }: (typeof CONV)[number]): number[] => {
  const [s, p, d] = [a.stride as number[], a.padding as number[], a.dilation as number[]];
  return [x[0]!, w[0]!, Math.floor((x[2]! + p[0]! + p[2]! - d[0]! * (w[2]! - 1) - 1) / s[0]!) + 1, Math.floor((x[3]! + p[1]! + p[3]! - d[1]! * (w[3]! - 1) - 1) / s[1]!) + 1];
};

export const OP_CASES: { [K in OpKind]: OpCase[] } = {
  add: BINARY, sub: BINARY, mul: BINARY,
  div: BINARY.map((c) => ({ ...c, draws: ['normal', 'away0'] })),
  // Ties (equal draws) are unlikely; broadcasting sends each input's gradient back through sum_to.
  maximum: BINARY,
  neg: UNARY, exp: UNARY,
  shift: UNARY.map((c) => ({ ...c, attrs: { offset: 0.001 } })),
  scale: UNARY.map((c) => ({ ...c, attrs: { factor: -0.37 } })),
  rdiv: UNARY.map((c) => ({ ...c, attrs: { numerator: 1.5 }, draws: ['away0'] as Draw[] })),
  log: UNARY.map((c) => ({ ...c, draws: ['positive'] })),
  sqrt: UNARY.map((c) => ({ ...c, draws: ['positive'] })),
  rsqrt: UNARY.map((c) => ({ ...c, draws: ['positive'] })),
  square: UNARY, abs: UNARY.map((c) => ({ ...c, draws: ['away0'] })), sign: UNARY, ones_like: UNARY,
  relu: UNARY.map((c) => ({ ...c, draws: ['away0'] })),
  leaky_relu: UNARY.map((c) => ({ ...c, attrs: { alpha: 0.3 }, draws: ['away0'] })),
  sigmoid: UNARY, tanh: UNARY, silu: UNARY,
  // selu's gradient jumps at 0, relu6's at 0 and 6: inputs away from 0, or spread over [−10, 10)
  // (both kinks and softplus' tails) where a probe landing on a kink is unlikely.
  selu: [...UNARY.map((c) => ({ ...c, draws: ['away0'] as Draw[] })), { shapes: [[7, 13]], draws: ['wide'] }],
  softplus: [...UNARY, { shapes: [[7, 13]], draws: ['wide'] }, { shapes: [[4, 1031]], draws: ['wide'] }],
  // Huber's curvature jumps at |x| = delta (its gradient is continuous): deltas inside the draws' range.
  huber: [...UNARY.map((c) => ({ ...c, attrs: { delta: 1 } })), ...UNARY.slice(1, 3).map((c) => ({ ...c, attrs: { delta: 0.3 }, draws: ['wide'] as Draw[] }))],
  relu6: [...UNARY.slice(0, 2).map((c) => ({ ...c, draws: ['away0'] as Draw[] })), ...UNARY.slice(1).map((c) => ({ ...c, draws: ['wide'] as Draw[] }))],
  gelu: [...UNARY, ...UNARY.slice(1, 4).map((c) => ({ ...c, attrs: { approximate: true } }))],
  // ELU's gradient jumps at 0 when alpha ≠ 1: inputs stay away from it.
  elu: [...UNARY.map((c) => ({ ...c, attrs: { alpha: 1 }, draws: ['away0'] as Draw[] })), ...UNARY.slice(1, 4).map((c) => ({ ...c, attrs: { alpha: 0.5 }, draws: ['away0'] as Draw[] }))],
  relu_bwd: GRAD2(), leaky_relu_bwd: GRAD2().map((c) => ({ ...c, attrs: { alpha: 0.2 } })),
  sigmoid_bwd: GRAD2('unit'), tanh_bwd: GRAD2('unit'), gelu_bwd: GRAD2('normal'),
  // Gradients derived from an op's tree: unary, with the op's attrs, and each input of a broadcast binary op.
  elementwise_bwd: [
    // gelu: exact (erfc; no attrs is the default) and the tanh form.
    ...GRAD2('normal').map((c) => ({ ...c, attrs: { of: 'gelu', wrt: 0 } })),
    ...GRAD2('normal').slice(1, 3).map((c) => ({ ...c, attrs: { of: 'gelu', wrt: 0, approximate: true } })),
    ...GRAD2('away0').slice(1, 3).map((c) => ({ ...c, attrs: { of: 'leaky_relu', wrt: 0, alpha: 0.2 } })),
    // silu and elu state only their trees: these are their gradients.
    ...GRAD2('normal').map((c) => ({ ...c, attrs: { of: 'silu', wrt: 0 } })),
    ...GRAD2('away0').map((c) => ({ ...c, attrs: { of: 'elu', wrt: 0, alpha: 0.5 } })),
    ...GRAD2('away0').slice(1, 3).flatMap((c) => ['selu', 'softplus', 'relu6'].map((of) => ({ ...c, attrs: { of, wrt: 0 } }))),
    ...GRAD2('normal').slice(1, 3).map((c) => ({ ...c, attrs: { of: 'huber', wrt: 0, delta: 0.7 } })),
    { shapes: [[5, 33], [33], [5, 33]], attrs: { of: 'div', wrt: 0 }, draws: ['normal', 'away0', 'normal'] },
    ...GRAD2('away0').slice(1, 3).map((c) => ({ ...c, attrs: { of: 'rdiv', wrt: 0, numerator: -2 } })),
    { shapes: [[8, 33], [33], [8, 33]], attrs: { of: 'div', wrt: 1 }, draws: ['normal', 'away0', 'normal'] },
    { shapes: [[5, 33], [33], [5, 33]], attrs: { of: 'maximum', wrt: 0 } },
    { shapes: [[7, 13], [7, 13], [], [7, 13]], attrs: { of: 'hinge', wrt: 0 }, draws: ['normal', 'normal', 'zero', 'normal'] },
    { shapes: [[7, 13], [7, 13], [], [7, 13]], attrs: { of: 'hinge', wrt: 0 }, draws: ['normal', 'normal', 'positive', 'normal'] },
    { shapes: [[3, 67], [3, 67], [3, 67]], attrs: { of: 'kl_divergence', wrt: 0 }, draws: ['normal', 'unit', 'normal'] },
    { shapes: [[3, 1, 7], [1, 5, 1], [3, 5, 7]], attrs: { of: 'maximum', wrt: 1 } },
  ],
  // Hinge: prediction, target, and the batch's count of non-binary targets (0: targets become 2t − 1).
  hinge: [
    { shapes: [[1], [1], []], draws: ['normal', 'normal', 'zero'] },
    { shapes: [[7, 13], [7, 13], []], draws: ['normal', 'normal', 'positive'] },
    { shapes: [[3, 67], [3, 67], []], draws: ['normal', 'unit', 'zero'] },
    { shapes: [[4, 257], [4, 257], [1]], draws: ['normal', 'normal', 'positive'] },
  ],
  // KL: probabilities inside the clip, and normal draws that the clip bounds on both sides.
  kl_divergence: [
    { shapes: [[1], [1]], draws: ['unit', 'unit'] },
    { shapes: [[7, 13], [7, 13]], draws: ['unit', 'unit'] },
    { shapes: [[3, 67], [3, 67]], draws: ['normal', 'unit'] },
    { shapes: [[4, 257], [4, 257]], draws: ['unit', 'normal'] },
  ],
  bce_logits: [{ shapes: [[1], [1]], draws: ['normal', 'unit'] }, { shapes: [[7, 13], [7, 13]], draws: ['normal', 'unit'] }, { shapes: [[65, 3], [65, 3]], draws: ['normal', 'unit'] }],
  bce_logits_bwd: [{ shapes: [[1], [1], [1]], draws: ['normal', 'unit', 'normal'] }, { shapes: [[7, 13], [7, 13], [7, 13]], draws: ['normal', 'unit', 'normal'] }, { shapes: [[65, 3], [65, 3], [65, 3]], draws: ['normal', 'unit', 'normal'] }],
  dropout: [{ shapes: [[1]], attrs: { rate: 0.5, salt: 1 } }, { shapes: [[7, 13]], attrs: { rate: 0.25, salt: 2 } }, { shapes: [[129, 65]], attrs: { rate: 0.6, salt: 3 } }],
  // Noise on the scalar and vec4 forms (4 × 4 elements per invocation), stddev small and large.
  gaussian_noise: [{ shapes: [[1]], attrs: { stddev: 0.5, salt: 1 } }, { shapes: [[7, 13]], attrs: { stddev: 1, salt: 2 } },
    { shapes: [[3, 5, 67]], attrs: { stddev: 0.1, salt: 5 } }, { shapes: [[129, 65]], attrs: { stddev: 2, salt: 3 } }, { shapes: [[4, 1031]], attrs: { stddev: 0.3, salt: 7 } }],
  broadcast_to: [{ shapes: [[]], attrs: { shape: [7] } }, { shapes: [[13]], attrs: { shape: [7, 13] } }, { shapes: [[3, 1]], attrs: { shape: [2, 3, 65] } }],
  matmul: [
    { shapes: [[1, 1], [1, 1]] },
    { shapes: [[7, 13], [13, 5]] },
    { shapes: [[33, 70], [70, 65]] },
    { shapes: [[13, 7], [13, 5]], attrs: { transA: true } },
    { shapes: [[7, 13], [5, 13]], attrs: { transB: true } },
    { shapes: [[13, 37], [9, 13]], attrs: { transA: true, transB: true } },
    { shapes: [[130, 17], [17, 3]] },
    // 8×8 tiles per invocation (large outputs), partial tiles on both edges, each transpose.
    { shapes: [[257, 130], [130, 263]] },
    { shapes: [[130, 257], [130, 263]], attrs: { transA: true } },
    { shapes: [[257, 130], [263, 130]], attrs: { transB: true } },
    { shapes: [[130, 257], [263, 130]], attrs: { transA: true, transB: true } },
    // Batches of products (attention's Q·Kᵀ and P·V over batch × heads): 1, 3 and 6 products, each transpose, both tiles.
    { shapes: [[1, 1, 1], [1, 1, 1]] },
    { shapes: [[3, 7, 13], [3, 13, 5]] },
    { shapes: [[6, 11, 9], [6, 11, 9]], attrs: { transB: true } },
    { shapes: [[3, 13, 7], [3, 13, 5]], attrs: { transA: true } },
    { shapes: [[3, 9, 13], [3, 5, 9]], attrs: { transA: true, transB: true } },
    { shapes: [[3, 67, 17], [3, 67, 17]], attrs: { transB: true } },
    { shapes: [[2, 130, 33], [2, 33, 70]] },
  ],
  sum_to: [
    { shapes: [[7, 13]], attrs: { shape: [13] } },
    { shapes: [[7, 13]], attrs: { shape: [7, 1] } },
    { shapes: [[3, 5, 7]], attrs: { shape: [] } },
    { shapes: [[130]], attrs: { shape: [] } },
    { shapes: [[4, 3, 65]], attrs: { shape: [3, 1] } },
  ],
  reshape: [{ shapes: [[6]], attrs: { shape: [2, 3] } }, { shapes: [[7, 13]], attrs: { shape: [91] } }, { shapes: [[2, 3, 5]], attrs: { shape: [6, 5] } }],
  softmax: ROWS, log_softmax: ROWS, softmax_bwd: ROWS2,
  // Attention scores [samples, heads, T, S] with the keys' ids: padding (0) inside and at the end, a
  // sample of padding only (rows of zeros); causal alone, with ids, and with T ≠ S; a partial workgroup.
  masked_softmax: [
    { shapes: [[3, 2, 5, 5], [3, 5]], draws: ['normal', { ids: [4, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 3, 5, 2, 6] }] },
    { shapes: [[2, 3, 7, 7]], attrs: { causal: true } },
    { shapes: [[3, 1, 5, 5], [3, 5]], attrs: { causal: true }, draws: ['normal', { ids: [0, 2, 2, 0, 0, 3, 1, 4, 0, 2, 0, 0, 0, 0, 0] }] },
    { shapes: [[2, 5, 3]], attrs: { causal: true } },
    { shapes: [[2, 3, 13, 13], [2, 13]], draws: ['wide', { ids: [5, 1, 7, 3, 2, 9, 4, 0, 0, 0, 0, 0, 0, 8, 8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 0] }] },
    { shapes: [[1, 1, 1, 1], [1, 1]], draws: ['normal', { ids: [3] }] },
  ],
  log_softmax_bwd: ROWS2.map((c) => ({ ...c, draws: ['normal', 'normal'] })),
  softmax_ce: LABELLED(), softmax_ce_bwd: LABELLED([[0]]), correct: LABELLED(),
  // Labels (lab(n) draws stay in range: a list shorter than the classes leaves some at weight 1), the
  // argmax of target rows, and one value per row rounded, most of 'wide' outside the list.
  class_weight: [
    { shapes: [[1]], attrs: { weights: [0.5, 2] }, draws: [lab(2)] },
    { shapes: [[67]], attrs: { weights: [1, 5, 0.25] }, draws: [lab(3)] },
    { shapes: [[130]], attrs: { weights: [3, 0.5, 7] }, draws: [lab(5)] },
  ],
  class_weight_target: [
    { shapes: [[5, 3]], attrs: { weights: [1, 5, 0.25] } },
    { shapes: [[67, 7]], attrs: { weights: [1, 2, 3, 4, 5, 6, 0.5] }, draws: ['unit'] },
    { shapes: [[130, 1]], attrs: { weights: [0.5, 2, 3, 4, 5, 6] }, draws: ['wide'] },
    { shapes: [[3, 1]], attrs: { weights: [0.5, 2] }, draws: ['unit'] },
  ],
  correct_onehot: [{ shapes: [[1, 2], [1, 2]] }, { shapes: [[5, 10], [5, 10]] }, { shapes: [[130, 3], [130, 3]] }, { shapes: [[67, 7], [67, 7]], draws: ['normal', 'unit'] }],
  maxpool2d: POOLS.map((p) => ({ shapes: [p.x], attrs: p.attrs })),
  maxpool2d_bwd: POOLS.map((p) => ({ shapes: [p.x, pooled(p)], attrs: p.attrs })),
  avgpool2d: POOLS.map((p) => ({ shapes: [p.x], attrs: p.attrs })),
  avgpool2d_bwd: POOLS.map((p) => ({ shapes: [pooled(p)], attrs: { ...p.attrs, inputShape: p.x } })),
  upsample: UPSAMPLES.map((u) => ({ shapes: [u.x], attrs: { factor: u.factor } })),
  upsample_bilinear: [...UPSAMPLES, ODD_FACTORS].map((u) => ({ shapes: [u.x], attrs: { factor: u.factor } })),
  upsample_bilinear_bwd: [...UPSAMPLES, ODD_FACTORS].map((u) => ({ shapes: [[u.x[0]!, u.x[1]!, u.x[2]! * u.factor[0]!, u.x[3]! * u.factor[1]!]], attrs: { factor: u.factor } })),
  upsample_bwd: UPSAMPLES.map((u) => ({ shapes: [[u.x[0]!, u.x[1]!, u.x[2]! * u.factor[0]!, u.x[3]! * u.factor[1]!]], attrs: { factor: u.factor } })),
  concat: [
    { shapes: [[1, 3, 4], [2, 3, 4]], attrs: { axis: 0 } },
    { shapes: [[2, 3, 5, 5], [2, 7, 5, 5]], attrs: { axis: 1 } },
    { shapes: [[2, 3, 4, 5], [2, 3, 1, 5]], attrs: { axis: 2 } },
    { shapes: [[7, 5], [7, 13]], attrs: { axis: 1 } },
    { shapes: [[1], [67]], attrs: { axis: 0 } },
  ],
  // NHWC → NCHW (channels_last inputs) at odd sizes and batch 3, its inverse, a 3-axis cycle, a swap.
  transpose: [
    { shapes: [[3, 5, 7, 3]], attrs: { perm: [0, 3, 1, 2] } },
    { shapes: [[1, 28, 28, 1]], attrs: { perm: [0, 3, 1, 2] } },
    { shapes: [[2, 3, 5, 7]], attrs: { perm: [0, 2, 3, 1] } },
    { shapes: [[3, 13, 67]], attrs: { perm: [2, 0, 1] } },
    { shapes: [[7, 13]], attrs: { perm: [1, 0] } },
  ],
  slice: [
    { shapes: [[7, 13]], attrs: { axis: 1, start: 3, size: 5 } },
    { shapes: [[2, 5, 4, 3]], attrs: { axis: 0, start: 1, size: 1 } },
    { shapes: [[2, 5, 4, 3]], attrs: { axis: 3, start: 0, size: 3 } },
    { shapes: [[65]], attrs: { axis: 0, start: 64, size: 1 } },
    { shapes: [[2, 64, 13, 13]], attrs: { axis: 1, start: 32, size: 32 } },
  ],
  slice_bwd: [
    { shapes: [[7, 5]], attrs: { axis: 1, start: 3, shape: [7, 13] } },
    { shapes: [[1, 5, 4, 3]], attrs: { axis: 0, start: 1, shape: [2, 5, 4, 3] } },
    { shapes: [[1]], attrs: { axis: 0, start: 64, shape: [65] } },
    // Output above 65,535 × 64 elements: the grid spills into y.
    { shapes: [[2, 1050, 1001]], attrs: { axis: 1, start: 1050, shape: [2, 2100, 1001] } },
  ],
  sgd: [...UPDATE(0, {}), ...UPDATE(0, { weight_decay: 0.1 }).slice(1, 3),
    // Clipping by global norm: the squared norm is one more input, drawn positive (0.1 to 2.1), so a
    // limit of 0.3 always clips (scale below 1), in the scalar and vec4 forms; a limit of 3 never does.
    { shapes: [[67], [67], [1]], attrs: { clip_norm: 0.3 }, draws: ['normal', 'normal', 'positive'] },
    { shapes: [[1000], [1000], [1]], attrs: { clip_norm: 0.3 }, draws: ['normal', 'normal', 'positive'] },
    { shapes: [[1000], [1000], [1]], attrs: { clip_norm: 3 }, draws: ['normal', 'normal', 'positive'] }],
  momentum: [...UPDATE(1, { momentum: 0.9, nesterov: false, weight_decay: 0 }), ...UPDATE(1, { momentum: 0.8, nesterov: true, weight_decay: 0 }),
    ...UPDATE(1, { momentum: 0.9, nesterov: true, weight_decay: 0.1 }).slice(1, 3)],
  adagrad: [...UPDATE(1, { eps: 1e-7, weight_decay: 0 }), ...UPDATE(1, { eps: 1e-7, weight_decay: 0.05 }).slice(1, 3)],
  // Momentum and centered each keep one more state; the mean square stays above the squared average.
  rmsprop: [...UPDATE(1, { rho: 0.9, eps: 1e-7, momentum: 0, centered: false, weight_decay: 0 }),
    ...UPDATE_DRAWN(['positive', 'normal'], { rho: 0.9, eps: 1e-7, momentum: 0.9, centered: false, weight_decay: 0 }).slice(1, 3),
    ...UPDATE_DRAWN(['positive', 'small'], { rho: 0.9, eps: 1e-7, momentum: 0, centered: true, weight_decay: 0.01 }).slice(1, 3),
    ...UPDATE_DRAWN(['positive', 'normal', 'small'], { rho: 0.8, eps: 1e-7, momentum: 0.5, centered: true, weight_decay: 0 })],
  adam: [...UPDATE(2, { beta1: 0.9, beta2: 0.999, eps: 1e-7, weight_decay: 0, amsgrad: false }),
    ...UPDATE(2, { beta1: 0.8, beta2: 0.99, eps: 1e-7, weight_decay: 0.01, amsgrad: false }),
    ...UPDATE_DRAWN(['normal', 'positive', 'positive'], { beta1: 0.9, beta2: 0.999, eps: 1e-7, weight_decay: 0, amsgrad: true }),
    // Clipping by value inside the update (scalar and vec4 forms), and both clips at once.
    ...UPDATE(2, { beta1: 0.9, beta2: 0.999, eps: 1e-7, weight_decay: 0, amsgrad: false, clip_value: 0.3 }).slice(1, 3),
    { shapes: [[1000], [1000], [1000], [1000], [1]], attrs: { beta1: 0.9, beta2: 0.999, eps: 1e-7, weight_decay: 0, amsgrad: false, clip_value: 0.3, clip_norm: 0.3 }, draws: ['normal', 'normal', 'normal', 'positive', 'positive'] }],
  adamw: [...UPDATE(2, { beta1: 0.9, beta2: 0.999, eps: 1e-7, weight_decay: 0.004, amsgrad: false }),
    ...UPDATE_DRAWN(['normal', 'positive', 'positive'], { beta1: 0.9, beta2: 0.999, eps: 1e-7, weight_decay: 0.004, amsgrad: true }).slice(1, 3)],
  nadam: [...UPDATE(2, { beta1: 0.9, beta2: 0.999, eps: 1e-7, weight_decay: 0 }), ...UPDATE(2, { beta1: 0.8, beta2: 0.99, eps: 1e-7, weight_decay: 0.01, clip_value: 0.3 }).slice(1, 3)],
  adamax: [...UPDATE(2, { beta1: 0.9, beta2: 0.999, eps: 1e-7, weight_decay: 0 }), ...UPDATE(2, { beta1: 0.8, beta2: 0.99, eps: 1e-7, weight_decay: 0.01 }).slice(1, 3)],
  adadelta: [...UPDATE_DRAWN(['positive', 'positive'], { rho: 0.95, eps: 1e-7, weight_decay: 0 }),
    ...UPDATE_DRAWN(['positive', 'positive'], { rho: 0.9, eps: 1e-6, weight_decay: 0.01 }).slice(1, 3)],
  random_flip: AUGMENT_IMAGES.flatMap((x, k): OpCase[] => [
    { shapes: [x], attrs: { salt: k + 1, horizontal: true, vertical: false } },
    { shapes: [x], attrs: { salt: k + 2, horizontal: false, vertical: true } },
    { shapes: [x], attrs: { salt: k + 3, horizontal: true, vertical: true } },
  ]),
  // Shifts within ±30 % and ±100 % of the size, one-sided, none; a constant fill of 0 and of 0.5; the transposes.
  random_translation: AUGMENT_IMAGES.flatMap((x, k): OpCase[] => [
    { shapes: [x], attrs: { salt: k + 1, height: [-0.3, 0.3], width: [-0.2, 0.2], fill: 0 } },
    { shapes: [x], attrs: { salt: k + 2, height: [-1, 1], width: [0.1, 0.6], fill: 0.5 } },
    { shapes: [x], attrs: { salt: k + 3, height: [0, 0], width: [-0.45, -0.05], fill: 0 } },
    { shapes: [x], attrs: { salt: k + 4, height: [-0.3, 0.3], width: [-0.7, 0.2], fill: 0, adjoint: true } },
  ]),
  // Turns within ±1/10 and ±1/2 of a full turn (past ±π: every quadrant of the sine), one-sided, none; fill 0 and 0.5; the transpose.
  random_rotation: AUGMENT_IMAGES.flatMap((x, k): OpCase[] => [
    { shapes: [x], attrs: { salt: k + 1, factor: [-0.1, 0.1], fill: 0 } },
    { shapes: [x], attrs: { salt: k + 2, factor: [-0.5, 0.5], fill: 0.5 } },
    { shapes: [x], attrs: { salt: k + 3, factor: [0, 0], fill: 0 } },
    { shapes: [x], attrs: { salt: k + 4, factor: [0.2, 0.3], fill: 0, adjoint: true } },
  ]),
  // One zoom for both axes (in and out), separate ranges, none; the transposes, one reaching 2.5 pixels (zoom 0.4).
  random_zoom: AUGMENT_IMAGES.flatMap((x, k): OpCase[] => [
    { shapes: [x], attrs: { salt: k + 1, height: [-0.3, 0.3], width: [], fill: 0 } },
    { shapes: [x], attrs: { salt: k + 2, height: [-0.5, 0.2], width: [0.1, 0.8], fill: 0.5 } },
    { shapes: [x], attrs: { salt: k + 3, height: [0, 0], width: [], fill: 0 } },
    { shapes: [x], attrs: { salt: k + 4, height: [-0.6, 0.4], width: [-0.3, 0.3], fill: 0, adjoint: true } },
    { shapes: [x], attrs: { salt: k + 5, height: [-0.2, 0.5], width: [], fill: 0, adjoint: true } },
  ]),
  // Boxes of one pixel, odd and even sides, and the whole image.
  cutout: AUGMENT_IMAGES.flatMap((x, k): OpCase[] => [
    { shapes: [x], attrs: { salt: k + 1, size: [1, 1] } },
    { shapes: [x], attrs: { salt: k + 2, size: [Math.min(3, x[2]!), Math.min(2, x[3]!)] } },
    { shapes: [x], attrs: { salt: k + 3, size: [x[2]!, x[3]!] } },
  ]),
  random_crop: CROPS.flatMap((c, k): OpCase[] => [
    { shapes: [c.x], attrs: { salt: k + 1, size: c.size, image: c.x.slice(2) } },
    { shapes: [[c.x[0]!, c.x[1]!, ...c.size]], attrs: { salt: k + 2, size: c.size, image: c.x.slice(2), adjoint: true } },
  ]),
  resize_bilinear: RESIZES.map((r) => ({ shapes: [r.x], attrs: { size: r.size } })),
  resize_bilinear_bwd: RESIZES.map((r) => ({ shapes: [[r.x[0]!, r.x[1]!, ...r.size]], attrs: { image: r.x.slice(2) } })),
  ema: [{ shapes: [[1], [1]], attrs: { momentum: 0.99 } }, { shapes: [[67], [67]], attrs: { momentum: 0.9 } }, { shapes: [[3, 5], [3, 5]], attrs: { momentum: 0.5 } }],
  accumulate: [{ shapes: [[1], [1]] }, { shapes: [[1], [130]] }, { shapes: [[1], [7]] }],
  conv2d: CONV.map((c) => ({ shapes: [c.x, c.w], attrs: c.a })),
  conv2d_bwd_input: CONV.map((c) => ({ shapes: [convOut(c), c.w], attrs: { ...c.a, inputShape: c.x } })),
  conv2d_bwd_filter: CONV.map((c) => ({ shapes: [c.x, convOut(c)], attrs: { ...c.a, filterShape: c.w } })),
  fused: FUSED_CASES,
  fill: [{ shapes: [], attrs: { shape: [1], value: 0.25 } }, { shapes: [], attrs: { shape: [7, 13], value: -3.5 } }, { shapes: [], attrs: { shape: [130], value: 1 / 128 } }],
  // logits, labels, loss, loss sum, correct sum, penalty: batch 1, a partial workgroup, several rows per thread.
  softmax_ce_head: [
    { shapes: [[1, 2], [1], [1], [1]], attrs: { lossScale: 1, gradScale: 1, correct: false, extra: false }, draws: ['normal', lab(2), 'normal', 'normal'] },
    { shapes: [[5, 10], [5], [1], [1], [1]], attrs: { lossScale: 0.2, gradScale: 0.2, correct: true, extra: false }, draws: ['normal', lab(10), 'normal', 'normal', 'positive'] },
    { shapes: [[600, 3], [600], [1], [1], [1], [1]], attrs: { lossScale: 1 / 600, gradScale: 0.5, correct: true, extra: true }, draws: ['normal', lab(3), 'normal', 'normal', 'positive', 'positive'] },
    // Weighted rows (sample or class weights), with and without the penalty.
    { shapes: [[7, 5], [7], [1], [1], [1], [7]], attrs: { lossScale: 1 / 7, gradScale: 1 / 7, correct: true, extra: false, weighted: true }, draws: ['normal', lab(5), 'normal', 'normal', 'positive', 'positive'] },
    { shapes: [[300, 3], [300], [1], [1], [1], [300]], attrs: { lossScale: 1 / 300, gradScale: 1 / 300, correct: false, extra: true, weighted: true }, draws: ['normal', lab(3), 'normal', 'normal', 'positive', 'positive'] },
  ],
  matmul_chain: MATMUL_CHAIN_CASES,
  // Convolutions with bias + relu, or an activation gradient, in the store epilogue (padding, stride,
  // groups, the MNIST size); max-pool gradients (tiling and overlapping windows) into relu_bwd.
  // bias + relu (what the fusion pass makes) on 'same' padding, groups 2, 17 output channels (partial
  // blocks) and the MNIST size; an activation gradient on stride 2 and the MNIST size.
  conv2d_chain: ([[0, 'bias'], [4, 'bias'], [9, 'bias'], [11, 'bias'], [1, 'grad'], [11, 'grad']] as const).map(([k, kind]) => {
    const c = CONV[k]!;
    return kind === 'bias'
      ? { shapes: [c.x, c.w, [c.w[0]!, 1, 1]], attrs: { ...c.a, chain: BIAS_RELU } }
      : { shapes: [c.x, c.w, convOut(c)], attrs: { ...c.a, chain: chain(['relu_bwd', [1, 0]]) }, draws: ['normal', 'normal', 'away0'] as Draw[] };
  }),
  // Embedding lookups: a 7-row table of width 9 at batch 3 × 5 steps with id 0 (padding), repeated ids
  // and rows 2 and 5 named by none; ids outside the table (−1, 7: zeros, no gradient); random ids.
  gather: [
    { shapes: [[7, 9], [3, 5]], draws: ['normal', EMBED_IDS] },
    { shapes: [[7, 9], [2, 3]], draws: ['normal', { ids: [3, -1, 7, 0, 6, 3] }] },
    { shapes: [[1, 1], [1]], draws: ['normal', lab(1)] },
    { shapes: [[40, 67], [130]], draws: ['normal', lab(40)] },
  ],
  // The buckets input is drawn by drawInput as id_buckets of the ids (see BUCKETS_OF).
  scatter_add: [
    { shapes: [[3, 5, 9], [3, 5], [1, 16]], attrs: { rows: 7 }, draws: ['normal', EMBED_IDS, BUCKETS_OF] },
    { shapes: [[2, 3, 9], [2, 3], [1, 7]], attrs: { rows: 7 }, draws: ['normal', { ids: [3, -1, 7, 0, 6, 3] }, BUCKETS_OF] },
    { shapes: [[1, 1], [1], [1, 2]], attrs: { rows: 1 }, draws: ['normal', lab(1), BUCKETS_OF] },
    { shapes: [[130, 67], [130], [3, 131]], attrs: { rows: 131 }, draws: ['normal', { ids: SPREAD_IDS }, BUCKETS_OF] },
  ],
  // Rows in 3 blocks of 64 with ids in each, outside the table, a block with none; 1 row; a grid of 2 workgroups.
  id_buckets: [
    { shapes: [[3, 5]], attrs: { rows: 7 }, draws: [EMBED_IDS] },
    { shapes: [[130]], attrs: { rows: 131 }, draws: [{ ids: SPREAD_IDS }] },
    { shapes: [[6]], attrs: { rows: 200 }, draws: [{ ids: [199, -1, 200, 0, 64, 199] }] },
    { shapes: [[1]], attrs: { rows: 1 }, draws: [lab(1)] },
    { shapes: [[40, 9]], attrs: { rows: 5000 }, draws: [{ ids: [4999, 17, 64, 4990, 128, 64, 3000, 1] }] },
  ],
  maxpool2d_bwd_chain: [0, 6, 7, 8].map((k) => {
    const p = POOLS[k]!;
    return { shapes: [p.x, pooled(p), p.x], attrs: { ...p.attrs, chain: chain(['relu_bwd', [1, 0]]) }, draws: ['normal', 'normal', 'away0'] };
  }),
};

/** The dtype an op case's input k has. */
export function dtypeOf(c: OpCase, k: number): DType {
  const d = c.draws?.[k];
  return typeof d === 'object' ? 'i32' : 'f32';
}

/** Draws input k of a case; values are f32-representable so GPU and reference see the same numbers. */
export function drawInput(c: OpCase, k: number, rng: Rng): Float64Array {
  const n = c.shapes[k]!.reduce((a, b) => a * b, 1);
  const d = c.draws?.[k] ?? 'normal';
  if (typeof d === 'object' && 'bucketsOf' in d) {
    // The id_buckets of the ids input, which must be drawn without randomness (fixed ids, or labels < 1).
    const from = c.draws?.[d.bucketsOf];
    if (typeof from !== 'object' || !('ids' in from || ('labels' in from && from.labels === 1))) throw new Error('bucketsOf needs fixed ids');
    const ids = tensor(c.shapes[d.bucketsOf]!, drawInput(c, d.bucketsOf, rng));
    return evalOp('id_buckets', [ids], c.attrs ?? {}, c.shapes[k]!, { lr: 0, step: 0, seed: 0 })[0]!.data;
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let v: number;
    if (typeof d === 'object') v = 'ids' in d ? d.ids[i % d.ids.length]! : rng.int((d as { labels: number }).labels);
    else if (d === 'positive') v = 0.1 + rng.next() * 2;
    else if (d === 'unit') v = 0.05 + rng.next() * 0.9;
    else if (d === 'small') v = (rng.next() - 0.5) * 0.5;
    else if (d === 'wide') v = -10 + rng.next() * 20;
    else if (d === 'zero') v = 0;
    else if (d === 'away0') { const x = rng.normal(); v = Math.sign(x || 1) * (0.05 + Math.abs(x)); }
    else v = rng.normal();
    out[i] = Math.fround(v);
  }
  return out;
}

export function caseName(op: string, c: OpCase): string {
  const attrs = c.attrs ? ` ${JSON.stringify(c.attrs)}` : '';
  return `${op} ${c.shapes.map((s) => `[${s.join('x')}]`).join(' ')}${attrs}`;
}
