// TensorFlow.js 4.22 with its WebGPU backend, on Dawn (npm `webgpu`) in Node.
//
// TF.js's webgpu backend registers itself at import time only when `navigator.gpu` exists, and
// its factory calls `navigator.gpu.requestAdapter({ powerPreference })`; dawn.ts supplies a
// navigator.gpu that adds `featureLevel: 'compatibility'` for the OpenGL ES adapter. Switching
// adapter re-registers the same factory (tf.removeBackend then tf.registerBackend).
import { MATMUL_WARMUP, TRAIN_WARMUP, type CnnWorkload, type LstmWorkload, type MlpWorkload, type Peer, type TrainSchedule, type TrainTimes } from './types.ts';
import { timeSchedule } from './schedule.ts';
import { chwRowsToHwc, describe, gatherBatch, oihwToHwio, pointNavigatorGpu, type AdapterKind } from './dawn.ts';

type Tf = typeof import('@tensorflow/tfjs');
type Tensor<R extends Rank = Rank> = import('@tensorflow/tfjs').Tensor<R>;
type Tensor4D = import('@tensorflow/tfjs').Tensor4D;
type Variable<R extends Rank = Rank> = import('@tensorflow/tfjs').Variable<R>;
type Rank = import('@tensorflow/tfjs').Rank;
type Scalar = import('@tensorflow/tfjs').Scalar;
type WebGPUBackend = import('@tensorflow/tfjs-backend-webgpu').WebGPUBackend;

let loaded: Promise<{ tf: Tf; factory: () => unknown }> | undefined;

async function loadTf(): Promise<{ tf: Tf; factory: () => unknown }> {
  loaded ??= (async () => {
    // The umbrella package, not tfjs-core alone: only its bundle registers the gradient
    // functions (tfjs-core's register_all_gradients ships as extensionless ESM that Node cannot
    // load), and without them minimize() fails with "gradient function not found for RealDiv".
    const tf = await import('@tensorflow/tfjs');
    await import('@tensorflow/tfjs-backend-webgpu');
    // The factory the backend registered for itself; kept to re-register on adapter switches.
    const factory = tf.findBackendFactory('webgpu');
    if (!factory) throw new Error('TF.js did not register its webgpu backend: navigator.gpu was missing at import');
    return { tf, factory };
  })();
  return loaded;
}

export async function tfjsPeer(adapter: 'gles' | 'vulkan'): Promise<Peer> {
  pointNavigatorGpu(adapter as AdapterKind);
  const { tf, factory } = await loadTf();
  // A fresh backend on the chosen adapter (the registry may hold one on the other adapter).
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', factory as () => WebGPUBackend, 3);
  if (!(await tf.setBackend('webgpu'))) throw new Error(`TF.js could not initialise its webgpu backend on the ${adapter} adapter`);
  await tf.ready();
  const backend = tf.backend() as WebGPUBackend;
  const device = `${adapter}: ${describe(backend.device.adapterInfo)}`;

  /** A tf.variable holding `t`'s values; `t` itself is freed (tf.variable copies, then keeps both). */
  function variable<R extends Rank>(t: Tensor<R>): Variable<R> {
    const v = tf.variable(t);
    t.dispose();
    return v;
  }

  /**
   * Trains `params` (tf.variable) with `loss(xs, ys)` on the workload's schedule. A synchronised
   * step asks minimize for its cost and reads it (cost.data()); the others ask for no cost and
   * read nothing, as a TF.js loop that calls dataSync only every N steps runs them.
   */
  async function train(
    params: Variable[],
    w: TrainSchedule & { images: Float32Array; labels: Int32Array; count: number; batch: number; lr: number },
    xShape: number[],
    loss: (xs: Tensor, ys: Tensor) => Scalar,
    eps = 1e-7,
  ): Promise<TrainTimes> {
    const { images, labels, count, batch } = w;
    const rowSize = images.length / count;
    const xBuf = new Float32Array(batch * rowSize);
    const yBuf = new Int32Array(batch);
    const opt = tf.train.adam(w.lr, 0.9, 0.999, eps);
    let leakCheck = 0;
    const times = await timeSchedule(w, async (k, sync) => {
      if (k === TRAIN_WARMUP) leakCheck = tf.memory().numTensors; // what the warm-up left
      gatherBatch(images, rowSize, count, batch, k, xBuf);
      gatherBatch(labels, 1, count, batch, k, yBuf);
      const minimize = (): Scalar | null => {
        const xs = tf.tensor(xBuf, [batch, ...xShape]);
        const ys = tf.oneHot(tf.tensor1d(yBuf, 'int32'), 10);
        return opt.minimize(() => loss(xs, ys), sync, params);
      };
      if (!sync) {
        tf.tidy(() => { minimize(); });
        return undefined;
      }
      const cost = tf.tidy(() => minimize()!);
      const value = (await cost.data())[0]!;
      cost.dispose();
      return value;
    });
    const grew = tf.memory().numTensors - leakCheck;
    if (grew > 0) console.warn(`tfjs-webgpu: ${grew} tensors leaked after the warm-up`);
    opt.dispose();
    return times;
  }

  const peer: Peer = {
    name: 'tfjs-webgpu',
    device,

    async matmul(n, reps) {
      const a = tf.tensor2d(Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5), [n, n]);
      const b = tf.tensor2d(Float32Array.from({ length: n * n }, (_, i) => ((i * 104729) % 1000) / 1000 - 0.5), [n, n]);
      const out: number[] = [];
      for (let r = 0; r < MATMUL_WARMUP + reps; r++) {
        const t0 = performance.now();
        const c = tf.matMul(a, b);
        await c.data(); // the whole product read back: TF.js's own way to wait for a result
        const t1 = performance.now();
        c.dispose();
        if (r >= MATMUL_WARMUP) out.push((t1 - t0) / 1000);
      }
      a.dispose();
      b.dispose();
      return out;
    },

    async mlp(w: MlpWorkload) {
      const w1 = variable(tf.tensor2d(w.w1, [784, 128]));
      const b1 = variable(tf.tensor1d(w.b1));
      const w2 = variable(tf.tensor2d(w.w2, [128, 10]));
      const b2 = variable(tf.tensor1d(w.b2));
      try {
        return await train([w1, b1, w2, b2], w, [784], (xs, ys) => {
          const h = tf.relu(tf.add(tf.matMul(xs, w1), b1));
          const logits = tf.add(tf.matMul(h, w2), b2);
          return tf.losses.softmaxCrossEntropy(ys, logits) as Scalar;
        });
      } finally {
        for (const v of [w1, b1, w2, b2]) v.dispose();
      }
    },

    async cnn(w: CnnWorkload) {
      const W = w.weights;
      // NHWC inside TF.js: kernels OIHW → HWIO, dense1 rows from C,H,W to H,W,C flatten order.
      // The images are N×1×28×28, which for one channel is already N×28×28×1 in memory.
      const k1 = variable(tf.tensor4d(oihwToHwio(W['conv1.kernel']!, 32, 1, 3, 3), [3, 3, 1, 32]));
      const c1 = variable(tf.tensor1d(W['conv1.bias']!));
      const k2 = variable(tf.tensor4d(oihwToHwio(W['conv2.kernel']!, 64, 32, 3, 3), [3, 3, 32, 64]));
      const c2 = variable(tf.tensor1d(W['conv2.bias']!));
      const d1 = variable(tf.tensor2d(chwRowsToHwc(W['dense1.kernel']!, 64, 5, 5, 128), [1600, 128]));
      const e1 = variable(tf.tensor1d(W['dense1.bias']!));
      const d2 = variable(tf.tensor2d(W['dense2.kernel']!, [128, 10]));
      const e2 = variable(tf.tensor1d(W['dense2.bias']!));
      const vars = [k1, c1, k2, c2, d1, e1, d2, e2];
      try {
        return await train(vars, w, [28, 28, 1], (xs, ys) => {
          let x = tf.relu(tf.add(tf.conv2d(xs as Tensor4D, k1, 1, 'valid'), c1));
          x = tf.maxPool(x as Tensor4D, 2, 2, 'valid');
          x = tf.relu(tf.add(tf.conv2d(x as Tensor4D, k2, 1, 'valid'), c2));
          x = tf.maxPool(x as Tensor4D, 2, 2, 'valid');
          const h = tf.relu(tf.add(tf.matMul(tf.reshape(x, [-1, 1600]), d1), e1));
          const logits = tf.add(tf.matMul(h, d2), e2);
          return tf.losses.softmaxCrossEntropy(ys, logits) as Scalar;
        });
      } finally {
        for (const v of vars) v.dispose();
      }
    },

    async lstm(w: LstmWorkload) {
      const W = w.weights;
      const U = w.units;
      // Keras's LSTM layer as TF.js ships it, run eagerly inside the loss; recurrentActivation set
      // to sigmoid, as in Keras 3 (TF.js defaults to hardSigmoid, Keras 2's old default).
      // Zero initialisers: setWeights overwrites them (the default orthogonal one is slow at 128×512).
      const layer = tf.layers.lstm({ units: U, recurrentActivation: 'sigmoid', returnSequences: false, kernelInitializer: 'zeros', recurrentInitializer: 'zeros' });
      tf.tidy(() => { layer.apply(tf.zeros([1, 28, 28])); }); // builds it (RNN.build alone leaves it unbuilt for apply)
      const initial = [tf.tensor2d(W['lstm.kernel']!, [28, 4 * U]), tf.tensor2d(W['lstm.recurrent_kernel']!, [U, 4 * U]), tf.tensor1d(W['lstm.bias']!)];
      layer.setWeights(initial); // copies into the layer's variables
      tf.dispose(initial);
      const d = variable(tf.tensor2d(W['dense.kernel']!, [U, 10]));
      const e = variable(tf.tensor1d(W['dense.bias']!));
      // The layer's own tf.Variables (kernel, recurrent_kernel, bias), trained by the optimizer.
      const vars = [...layer.trainableWeights.map((v) => v.read() as Variable), d, e];
      try {
        return await train(vars, w, [28, 28], (xs, ys) => {
          const h = layer.apply(xs) as Tensor;
          const logits = tf.add(tf.matMul(h, d), e);
          return tf.losses.softmaxCrossEntropy(ys, logits) as Scalar;
        }, w.eps);
      } finally {
        for (const v of layer.weights) v.dispose(); // layer.dispose() wants a layer used in a graph model
        d.dispose();
        e.dispose();
      }
    },

    async dispose() {
      const gpuDevice = backend.device;
      tf.removeBackend('webgpu'); // disposes the backend's buffers
      await gpuDevice.queue.onSubmittedWorkDone();
      gpuDevice.destroy();
    },
  };
  return peer;
}
