// The contract between the benchmark driver and each peer library (TF.js, jax-js).

/**
 * How a training workload is timed (schedule.ts timeSchedule): after the warm-up, `steps` steps
 * each synchronised by reading its loss, then `windows` windows of `syncEvery` steps synchronised
 * only at the window's end. Either count may be 0.
 */
export interface TrainSchedule {
  steps: number;
  windows: number;
  syncEvery: number;
}

/**
 * Seconds per step and losses: `seconds`/`losses` one per synchronised step, `windowSeconds`
 * (a window's time divided by its steps) and `windowLosses` (its last step's) one per window.
 */
export interface TrainTimes {
  /** performance.now() when the first (warm-up) step's loss reached the host (cold.ts). */
  firstStepEnd: number;
  seconds: number[];
  losses: number[];
  windowSeconds: number[];
  windowLosses: number[];
}

/**
 * 784-128-10 MLP: h = relu(x·w1 + b1) [w1 is 784×128 row-major, b1 128], logits = h·w2 + b2
 * [w2 128×10], mean softmax cross-entropy over the batch, Adam(lr, beta1 0.9, beta2 0.999,
 * eps 1e-7), batches taken in order (sample k*batch ...) wrapping around count.
 *
 * Step k (0-based, the warm-up steps included) trains on samples (k*batch + i) mod count,
 * i = 0 .. batch-1. `images` is count×784 row-major, `labels` holds class indices 0..9.
 */
export interface MlpWorkload extends TrainSchedule {
  images: Float32Array;
  labels: Int32Array;
  count: number;
  batch: number;
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
  lr: number;
}

/**
 * Keras MNIST CNN in NCHW with batch 64: conv 32 3×3 valid + bias + relu → maxpool 2 → conv 64
 * 3×3 valid + bias + relu → maxpool 2 → flatten (C,H,W order, 64*5*5=1600) → dense 128 + relu →
 * dense 10, mean softmax CE, Adam. weights: 'conv1.kernel' [32,1,3,3], 'conv1.bias' [32],
 * 'conv2.kernel' [64,32,3,3], 'conv2.bias' [64], 'dense1.kernel' [1600,128], 'dense1.bias' [128],
 * 'dense2.kernel' [128,10], 'dense2.bias' [10]. No dropout (for identical work). A peer may use
 * NHWC internally (transpose the given weights/images once, outside the timed region).
 *
 * `images` is count×1×28×28 (NCHW); batches are taken as in MlpWorkload.
 */
export interface CnnWorkload extends TrainSchedule {
  images: Float32Array;
  labels: Int32Array;
  count: number;
  batch: number;
  weights: Record<string, Float32Array>;
  lr: number;
}

/**
 * Sequential MNIST: each digit as 28 time steps (its rows) of 28 pixels, one Keras LSTM(units)
 * from a zero state (gates i, f, c, o: z = x_t·kernel + h·recurrent_kernel + bias, i = σ(z_i),
 * f = σ(z_f), c = f·c + i·tanh(z_c), o = σ(z_o), h = o·tanh(c)), its last h into dense 10, mean
 * softmax CE, Adam with ε = `eps`. weights: 'lstm.kernel' [28, 4·units], 'lstm.recurrent_kernel' [units, 4·units],
 * 'lstm.bias' [4·units], 'dense.kernel' [units, 10], 'dense.bias' [10], row-major, gate blocks of
 * `units` columns in the order i, f, c, o.
 *
 * `images` is count×784, which is count×28×28 (time, features) as it stands; batches as in MlpWorkload.
 */
export interface LstmWorkload extends TrainSchedule {
  images: Float32Array;
  labels: Int32Array;
  count: number;
  batch: number;
  units: number;
  weights: Record<string, Float32Array>;
  lr: number;
  /**
   * Adam's ε. Keras 3 (dlc) adds it to √v, TF.js (and the jax-js peer) to √v̂ = √(v/(1−β₂ᵗ)): the
   * same update only as ε → 0. The LSTM's many tiny recurrent gradients make the two differ
   * visibly at 1e-7 (by 2e-4 to 4e-4 in the loss after 3 to 5 updates), so this workload uses a tiny ε.
   */
  eps: number;
}

export interface Peer {
  /** e.g. 'tfjs-webgpu', 'jax-webgpu', 'jax-wasm' */
  name: string;
  /** The adapter or device the peer runs on, in words (for the report). */
  device?: string;
  /**
   * Seconds per n×n×n f32 matmul, one sample per rep, after 2 warm-up reps, including reading the
   * whole n×n product back to the host (every peer does, so none is timed on unfinished work).
   */
  matmul?(n: number, reps: number): Promise<number[]>;
  /**
   * Seconds per train step in both synchronisation modes, after TRAIN_WARMUP warm-up steps
   * (TrainSchedule, timed by schedule.ts timeSchedule); losses of the synchronised steps.
   */
  mlp?(w: MlpWorkload): Promise<TrainTimes>;
  cnn?(w: CnnWorkload): Promise<TrainTimes>;
  lstm?(w: LstmWorkload): Promise<TrainTimes>;
  dispose(): Promise<void>;
}

/** Warm-up counts every peer uses, so that all of them do the same untimed work. */
export const MATMUL_WARMUP = 2;
export const TRAIN_WARMUP = 3;
