// The bench's training workloads: the same MNIST batches and seeded initial weights for every library.
import { loadMnist } from '../runtime/data/mnist.ts';
import { Rng } from '../runtime/random.ts';
import type { CnnWorkload, LstmWorkload, MlpWorkload, TrainSchedule } from './peers/types.ts';

/** Glorot-uniform weights from one seeded stream, the same for every library. */
function glorot(rng: Rng, fanIn: number, fanOut: number, n: number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * limit);
}

/** One LSTM(128) over the 28 rows of each digit (the size; samples/mnist_lstm.dl uses 64). */
const LSTM_UNITS = 128;

export interface Workloads {
  mlp: MlpWorkload;
  cnn: CnnWorkload;
  lstm: LstmWorkload;
}

/** The three training workloads on their schedules; the weights are drawn in one fixed order. */
export function makeWorkloads(schedules: { mlp: TrainSchedule; cnn: TrainSchedule; lstm: TrainSchedule }): Workloads {
  const { train } = loadMnist();
  const rng = new Rng(2024);
  const data = { images: train.images, labels: train.labels, count: train.count };
  const mlp: MlpWorkload = {
    ...data, batch: 128, ...schedules.mlp, lr: 1e-3,
    w1: glorot(rng, 784, 128, 784 * 128), b1: new Float32Array(128), w2: glorot(rng, 128, 10, 1280), b2: new Float32Array(10),
  };
  const cnn: CnnWorkload = {
    ...data, batch: 64, ...schedules.cnn, lr: 1e-3,
    weights: {
      'conv1.kernel': glorot(rng, 9, 32 * 9, 32 * 9), 'conv1.bias': new Float32Array(32),
      'conv2.kernel': glorot(rng, 32 * 9, 64 * 9, 64 * 32 * 9), 'conv2.bias': new Float32Array(64),
      'dense1.kernel': glorot(rng, 1600, 128, 1600 * 128), 'dense1.bias': new Float32Array(128),
      'dense2.kernel': glorot(rng, 128, 10, 1280), 'dense2.bias': new Float32Array(10),
    },
  };
  // Both LSTM kernels glorot-uniform (the recurrent one is orthogonal in Keras: the bench needs the
  // same weights everywhere, not Keras's), Keras's unit forget bias (ones in the f block).
  const lstm: LstmWorkload = {
    ...data, batch: 64, ...schedules.lstm, lr: 1e-3, eps: 1e-11, units: LSTM_UNITS,
    weights: {
      'lstm.kernel': glorot(rng, 28, 4 * LSTM_UNITS, 28 * 4 * LSTM_UNITS),
      'lstm.recurrent_kernel': glorot(rng, LSTM_UNITS, 4 * LSTM_UNITS, LSTM_UNITS * 4 * LSTM_UNITS),
      'lstm.bias': Float32Array.from({ length: 4 * LSTM_UNITS }, (_, i) => (i >= LSTM_UNITS && i < 2 * LSTM_UNITS ? 1 : 0)),
      'dense.kernel': glorot(rng, LSTM_UNITS, 10, LSTM_UNITS * 10), 'dense.bias': new Float32Array(10),
    },
  };
  return { mlp, cnn, lstm };
}
