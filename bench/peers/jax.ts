// jax-js 0.1.25 on its WebGPU backend (Dawn, npm `webgpu`) or its WebAssembly (CPU) backend.
//
// jax-js's webgpu backend calls `navigator.gpu.requestAdapter({ powerPreference })` once, in
// `init('webgpu')`, then requests a device with the adapter's own limits; dawn.ts supplies a
// navigator.gpu (with `featureLevel: 'compatibility'` for the OpenGL ES adapter) plus the
// `navigator.userAgent` that jax-js's kernel tuner reads. jax-js keeps one webgpu backend per
// process and has no way to drop it, so the first adapter chosen stays for the process.
//
// Training: valueAndGrad of the loss and a hand-written Adam update (TF.js's formula, eps 1e-7)
// inside one jit-compiled step; jax-js's optimizers live in @jax-js/optax, which is not on this
// registry. Max pooling is lax.reduceWindow(x, np.max, [2, 2], [2, 2]), as in jax-js's MNIST demo.
//
// The wasm backend runs a pool of navigator.hardwareConcurrency worker threads, as in a
// cross-origin-isolated browser, through worker-shim.ts (Node has no Web Worker global, without
// which jax-js runs one thread). JAX_WASM_THREADS=0 in the environment keeps it to one thread.
import { MATMUL_WARMUP, type CnnWorkload, type LstmWorkload, type MlpWorkload, type Peer, type TrainSchedule, type TrainTimes } from './types.ts';
import { timeSchedule } from './schedule.ts';
import { describe, gatherBatch, pointNavigatorGpu, type AdapterKind } from './dawn.ts';
import { installWorkerShim } from './worker-shim.ts';

type Jax = typeof import('@jax-js/jax');
type JArray = import('@jax-js/jax').Array;
type Params = Record<string, JArray>;

let loaded: Promise<Jax> | undefined;
let webgpuAdapter: AdapterKind | undefined;
/** Whether a Worker global existed when jax-js was imported (then its wasm backend has a pool). */
let wasmPool = false;

async function loadJax(): Promise<Jax> {
  // navigator (userAgent, hardwareConcurrency) must exist before the wasm/webgpu modules read it.
  if (!(globalThis as { navigator?: unknown }).navigator) pointNavigatorGpu('gles');
  // jax-js decides at import whether its wasm backend gets a thread pool (see worker-shim.ts).
  if (!loaded) {
    if (process.env.JAX_WASM_THREADS !== '0') installWorkerShim();
    wasmPool = typeof Worker !== 'undefined' && typeof SharedArrayBuffer !== 'undefined';
    loaded = import('@jax-js/jax');
  }
  return loaded;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
/** Adam's ε unless the workload sets one. */
const EPS = 1e-7;

export async function jaxPeer(backend: 'webgpu' | 'wasm', adapter: 'gles' | 'vulkan' = 'gles'): Promise<Peer> {
  let deviceText: string;
  if (backend === 'webgpu') {
    if (webgpuAdapter && webgpuAdapter !== adapter) {
      throw new Error(`jax-js already runs its webgpu backend on the ${webgpuAdapter} adapter; it keeps one per process`);
    }
    pointNavigatorGpu(adapter);
  }
  const jax = await loadJax();
  const { numpy: np, nn, lax, tree, jit, valueAndGrad } = jax;
  if (backend === 'webgpu') {
    const ready = await jax.init('webgpu');
    if (!ready.includes('webgpu')) throw new Error(`jax-js could not initialise its webgpu backend on the ${adapter} adapter`);
    webgpuAdapter = adapter;
    deviceText = `${adapter}: ${describe(jax.getWebGPUDevice().adapterInfo)}`;
  } else {
    await jax.init('wasm');
    const threads = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 4;
    deviceText = wasmPool ? `WebAssembly, ${threads} worker threads` : 'WebAssembly, one thread';
  }
  const device = backend;

  const put = (data: Float32Array | Int32Array, shape: number[]): JArray =>
    np.array(data, { shape, dtype: data instanceof Int32Array ? np.int32 : np.float32, device });

  /** Mean softmax cross-entropy of `logits` [B,10] against class indices `y` [B]. */
  function meanCE(logits: JArray, y: JArray): JArray {
    const batch = y.shape[0]!;
    return nn.logSoftmax(logits).mul(nn.oneHot(y, 10)).sum().mul(-1 / batch);
  }

  /**
   * One jit-compiled train step: loss and gradients, then Adam with bias corrections bc1 =
   * 1-β1^t, bc2 = 1-β2^t passed in as scalars (so every step reuses the same compiled program).
   */
  function makeStep(loss: (p: Params, x: JArray, y: JArray) => JArray, lr: number, eps: number) {
    return jit((p: Params, m: Params, v: Params, x: JArray, y: JArray, bc1: JArray, bc2: JArray) => {
      const [value, g] = valueAndGrad(loss)(tree.ref(p), x, y);
      const p2: Params = {};
      const m2: Params = {};
      const v2: Params = {};
      for (const key of Object.keys(p)) {
        const gk = (g as Params)[key]!;
        const mk = m[key]!.mul(BETA1).add(gk.ref.mul(1 - BETA1));
        const vk = v[key]!.mul(BETA2).add(gk.ref.mul(gk).mul(1 - BETA2));
        const update = mk.ref.div(bc1.ref).div(np.sqrt(vk.ref.div(bc2.ref)).add(eps)).mul(lr);
        p2[key] = p[key]!.sub(update);
        m2[key] = mk;
        v2[key] = vk;
      }
      bc1.dispose();
      bc2.dispose();
      return [value, p2, m2, v2] as [JArray, Params, Params, Params];
    });
  }

  /**
   * Trains on the workload's schedule. A synchronised step reads its loss and blocks until the new
   * parameters are ready; the others drop the loss unread and block on nothing, as a jax-js loop
   * that calls blockUntilReady only every N steps runs them.
   */
  async function train(
    init: Record<string, [Float32Array, number[]]>,
    loss: (p: Params, x: JArray, y: JArray) => JArray,
    w: TrainSchedule & { images: Float32Array; labels: Int32Array; count: number; batch: number; lr: number },
    xShape: number[],
    eps = EPS,
  ): Promise<TrainTimes> {
    const { images, labels, count, batch } = w;
    // Constants that jit captures go to the default device: make it this peer's.
    jax.defaultDevice(device);
    let params: Params = {};
    let m: Params = {};
    let v: Params = {};
    for (const [key, [data, shape]] of Object.entries(init)) {
      params[key] = put(data, shape);
      m[key] = np.zeros(shape, { device });
      v[key] = np.zeros(shape, { device });
    }
    const step = makeStep(loss, w.lr, eps);
    const rowSize = images.length / count;
    try {
      return await timeSchedule(w, async (k, sync) => {
        const t = k + 1;
        // Fresh host arrays each step: jax-js may upload lazily, after this loop has moved on.
        const x = put(gatherBatch(images, rowSize, count, batch, k, new Float32Array(batch * rowSize)), [batch, ...xShape]);
        const y = put(gatherBatch(labels, 1, count, batch, k, new Int32Array(batch)), [batch]);
        const bc1 = np.array(1 - BETA1 ** t, { device });
        const bc2 = np.array(1 - BETA2 ** t, { device });
        let value: JArray;
        [value, params, m, v] = step(params, m, v, x, y, bc1, bc2);
        if (!sync) {
          value.dispose();
          return undefined;
        }
        const lossValue = (await value.data())[0]!; // data() consumes `value`
        await jax.blockUntilReady(params); // the parameter updates too, not only the loss
        return lossValue;
      });
    } finally {
      tree.dispose([params, m, v]);
      step.dispose();
    }
  }

  const peer: Peer = {
    name: `jax-${backend}`,
    device: deviceText,

    async matmul(n, reps) {
      jax.defaultDevice(device);
      const a = put(Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5), [n, n]);
      const b = put(Float32Array.from({ length: n * n }, (_, i) => ((i * 104729) % 1000) / 1000 - 0.5), [n, n]);
      const out: number[] = [];
      try {
        for (let r = 0; r < MATMUL_WARMUP + reps; r++) {
          const t0 = performance.now();
          const c = np.matmul(a.ref, b.ref);
          await c.data(); // the whole product read back (and `c` freed), as the TF.js peer does
          const t1 = performance.now();
          if (r >= MATMUL_WARMUP) out.push((t1 - t0) / 1000);
        }
      } finally {
        a.dispose();
        b.dispose();
      }
      return out;
    },

    async mlp(w: MlpWorkload) {
      const loss = (p: Params, x: JArray, y: JArray): JArray => {
        const h = nn.relu(np.dot(x, p.w1!).add(p.b1!));
        const logits = np.dot(h, p.w2!).add(p.b2!);
        return meanCE(logits, y);
      };
      const init: Record<string, [Float32Array, number[]]> = {
        w1: [w.w1, [784, 128]],
        b1: [w.b1, [128]],
        w2: [w.w2, [128, 10]],
        b2: [w.b2, [10]],
      };
      return train(init, loss, w, [784]);
    },

    async cnn(w: CnnWorkload) {
      const maxPool2 = (x: JArray): JArray => lax.reduceWindow(x, np.max, [2, 2], [2, 2]);
      const loss = (p: Params, x: JArray, y: JArray): JArray => {
        // NCHW throughout, as the workload gives it: no transposes needed.
        let h = lax.convGeneralDilated(x, p.k1!, [1, 1], 'VALID').add(p.c1!.reshape([32, 1, 1]));
        h = maxPool2(nn.relu(h)); // [B, 32, 13, 13]
        h = lax.convGeneralDilated(h, p.k2!, [1, 1], 'VALID').add(p.c2!.reshape([64, 1, 1]));
        h = maxPool2(nn.relu(h)); // [B, 64, 5, 5]
        const d = nn.relu(np.dot(h.reshape([-1, 1600]), p.d1!).add(p.e1!));
        const logits = np.dot(d, p.d2!).add(p.e2!);
        return meanCE(logits, y);
      };
      const W = w.weights;
      const init: Record<string, [Float32Array, number[]]> = {
        k1: [W['conv1.kernel']!, [32, 1, 3, 3]],
        c1: [W['conv1.bias']!, [32]],
        k2: [W['conv2.kernel']!, [64, 32, 3, 3]],
        c2: [W['conv2.bias']!, [64]],
        d1: [W['dense1.kernel']!, [1600, 128]],
        e1: [W['dense1.bias']!, [128]],
        d2: [W['dense2.kernel']!, [128, 10]],
        e2: [W['dense2.bias']!, [10]],
      };
      return train(init, loss, w, [1, 28, 28]);
    },

    async lstm(w: LstmWorkload) {
      const U = w.units;
      // jax-js has no scan: the 28 steps are a JS loop, which jit traces into one unrolled program.
      // Every op consumes its operands; `.ref` keeps one for a later use.
      const loss = (p: Params, x: JArray, y: JArray): JArray => {
        const B = x.shape[0]!;
        // x·kernel + bias for all steps in one product, [B, 28, 4U].
        const xw = np.dot(x.reshape([B * 28, 28]), p.kernel!).add(p.bias!).reshape([B, 28, 4 * U]);
        const recurrent = p.recurrent!;
        let h: JArray | undefined;
        let c: JArray | undefined;
        for (let t = 0; t < 28; t++) {
          const xt = xw.ref.slice([], t, []);
          const z = h ? xt.add(np.dot(h, recurrent.ref)) : xt;
          const gate = (k: number): JArray => z.ref.slice([], [k * U, (k + 1) * U]);
          const i = nn.sigmoid(gate(0));
          const g = np.tanh(gate(2));
          const o = nn.sigmoid(gate(3));
          c = c ? nn.sigmoid(gate(1)).mul(c).add(i.mul(g)) : i.mul(g);
          z.dispose();
          h = o.mul(np.tanh(c.ref));
        }
        xw.dispose();
        recurrent.dispose();
        c!.dispose();
        const logits = np.dot(h!, p.dense!).add(p.denseBias!);
        return meanCE(logits, y);
      };
      const W = w.weights;
      const init: Record<string, [Float32Array, number[]]> = {
        kernel: [W['lstm.kernel']!, [28, 4 * U]],
        recurrent: [W['lstm.recurrent_kernel']!, [U, 4 * U]],
        bias: [W['lstm.bias']!, [4 * U]],
        dense: [W['dense.kernel']!, [U, 10]],
        denseBias: [W['dense.bias']!, [10]],
      };
      return train(init, loss, w, [28, 28], w.eps);
    },

    async dispose() {
      // jax-js owns its GPUDevice and offers no way to release the backend; the arrays each
      // method made are freed there. The device lives until the process ends.
    },
  };
  return peer;
}
