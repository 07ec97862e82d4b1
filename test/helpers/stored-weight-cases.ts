// The small programs whose dense, conv and LSTM kernels the inference artifact stores in a narrower
// type (int8 by dlc quantize, f16 by dlc export --precision f16), at awkward shapes: odd widths (the
// per-element path), a width of 8 (whole words), a strided padded convolution with 5 output
// channels, a grouped convolution, an LSTM's kernels, a batch of 3 and a count above the maximum batch.
import { Rng } from '../../runtime/random.ts';

export interface StoredWeightCase {
  name: string;
  text: string;
  maxBatch: number;
  counts: number[];
  /** The weights stored in the narrower type. */
  weights: string[];
}

const train = (model: string): string => `train ${model} {
  loss = cross_entropy(logits, y)
  batch = 4
}`;

export const STORED_WEIGHT_CASES: StoredWeightCase[] = [
  {
    name: 'dense 13 → 8 (relu) → 7 → 5',
    text: `model mlp {
  input x: f32[13]
  input y: class[5]
  logits = x -> dense(8, activation: relu) -> dense(7, activation: tanh) -> dense(5)
  output logits
}
${train('mlp')}`,
    maxBatch: 4,
    counts: [7, 3],
    weights: ['dense_1.kernel', 'dense_2.kernel', 'dense_3.kernel'],
  },
  {
    name: 'conv 3×9×7 → 5 channels (stride 2, same padding), grouped conv, dense',
    text: `model cnn {
  input image: f32[3, 9, 7]
  input y: class[6]
  logits = image -> conv2d(5, kernel: 3, stride: 2, padding: same, activation: relu)
    -> conv2d(10, kernel: 2, groups: 5) -> flatten -> dense(6)
  output logits
}
${train('cnn')}`,
    maxBatch: 4,
    counts: [5, 3],
    weights: ['conv2d_1.kernel', 'conv2d_2.kernel', 'dense_1.kernel'],
  },
  {
    // Recurrent kernels reach the GPU as matmuls too: one scale per gate unit (column).
    name: 'lstm over 5 steps of 3 → 6 units, dense',
    text: `model rnn {
  input x: f32[5, 3]
  input y: class[4]
  logits = x -> lstm(6) -> dense(4)
  output logits
}
${train('rnn')}`,
    maxBatch: 4,
    counts: [3],
    weights: ['dense_1.kernel', 'lstm_1.kernel', 'lstm_1.recurrent_kernel'],
  },
];

/** Seeded inputs in [-1, 1) for `count` samples of each input. */
export function samples(inputs: { name: string; shape: number[] }[], count: number): Record<string, Float32Array> {
  const rng = new Rng(5);
  return Object.fromEntries(inputs.map((i) => [i.name, Float32Array.from({ length: count * i.shape.reduce((a, b) => a * b, 1) }, () => rng.next() * 2 - 1)]));
}
