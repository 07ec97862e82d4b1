// dlc as a benchmark peer: the same workloads as TF.js and jax-js, compiled ahead of time, with
// fusion and memory planning switchable to show what each pass buys.
import { compileGraph } from '../compiler/pipeline.ts';
import { compile, type CompileOptions } from '../compiler/compile.ts';
import type { Artifact } from '../compiler/artifact.ts';
import { Graph } from '../compiler/ir/graph.ts';
import type { KernelTarget } from '../compiler/ir/kernel-spec.ts';
import { kernelTargetFor, openDevice, type NodeDeviceHandle } from '../runtime/device-node.ts';
import { Rng } from '../runtime/random.ts';
import { Session } from '../runtime/session.ts';
import { MATMUL_WARMUP, type CnnWorkload, type LstmWorkload, type MlpWorkload, type Peer, type TrainSchedule, type TrainTimes } from './peers/types.ts';
import { gatherBatch } from './peers/dawn.ts';
import { timeSchedule } from './peers/schedule.ts';

export interface DlcVariant {
  name: string;
  options: Pick<CompileOptions, 'fuse' | 'plan'>;
}

export const DLC_VARIANTS: DlcVariant[] = [
  { name: 'dlc', options: {} },
  { name: 'dlc (no fusion)', options: { fuse: false } },
  { name: 'dlc (no planning)', options: { plan: { arenas: false, reuse: false } } },
  { name: 'dlc (neither)', options: { fuse: false, plan: { arenas: false, reuse: false } } },
];

const mlpSource = (w: MlpWorkload): string => `
model mlp {
  input image: f32[784]
  input label: class[10]
  logits = image -> dense(128) -> relu -> dense(10)
  output logits
}
train mlp { loss = cross_entropy(logits, label); optimizer = adam(lr: ${w.lr}); batch = ${w.batch} }`;

// The Keras MNIST convnet without dropout (so every library does identical work).
const cnnSource = (w: CnnWorkload): string => `
model cnn {
  input image: f32[1, 28, 28]
  input label: class[10]
  logits = image -> conv2d(32, kernel: 3) -> relu -> maxpool(2) -> conv2d(64, kernel: 3) -> relu -> maxpool(2)
    -> flatten -> dense(128) -> relu -> dense(10)
  output logits
}
train cnn { loss = cross_entropy(logits, label); optimizer = adam(lr: ${w.lr}); batch = ${w.batch} }`;

// Sequential MNIST: a digit's 28 rows as 28 time steps of 28 pixels (the images as they are stored).
const lstmSource = (w: LstmWorkload): string => `
model lstm {
  input image: f32[28, 28]
  input label: class[10]
  logits = image -> lstm(${w.units}) -> dense(10)
  output logits
}
train lstm { loss = cross_entropy(logits, label); optimizer = adam(lr: ${w.lr}, eps: ${w.eps}); batch = ${w.batch} }`;

const CNN_NAMES: Record<string, string> = {
  'conv1.kernel': 'conv2d_1.kernel', 'conv1.bias': 'conv2d_1.bias', 'conv2.kernel': 'conv2d_2.kernel', 'conv2.bias': 'conv2d_2.bias',
  'dense1.kernel': 'dense_1.kernel', 'dense1.bias': 'dense_1.bias', 'dense2.kernel': 'dense_2.kernel', 'dense2.bias': 'dense_2.bias',
};

/**
 * Trains on the workload's schedule. A synchronised step reads its loss (trainStep with readLoss);
 * the others are trainStep without readLoss, as a dlc training loop that reports every N steps
 * runs them (dlc's run() still waits for the queue after each submit, but reads nothing back).
 */
function timeTraining(session: Session, w: TrainSchedule & { images: Float32Array; labels: Int32Array; count: number; batch: number }): Promise<TrainTimes> {
  const perSample = w.images.length / w.count;
  return timeSchedule(w, async (k, sync) => {
    const x = new Float32Array(w.batch * perSample);
    const y = new Int32Array(w.batch);
    gatherBatch(w.images, perSample, w.count, w.batch, k, x);
    gatherBatch(w.labels, 1, w.count, w.batch, k, y);
    return session.trainStep({ image: x, label: y }, { readLoss: sync });
  });
}

// One device for every dlc variant, open for the whole run: the handle keeps Dawn's instance
// reachable (if it is collected, Dawn tears its backend down under the device).
const handles = new Map<string, NodeDeviceHandle>();

/** `kernels`: the kernel target, or 'auto' ('cpu', the register kernel, on every adapter). */
export async function dlcPeer(adapter: 'gles' | 'vulkan', variant: DlcVariant, kernels: KernelTarget | 'auto' = 'auto'): Promise<Peer> {
  let handle = handles.get(adapter);
  if (!handle) {
    handle = await openDevice(adapter);
    handles.set(adapter, handle);
  }
  const device = handle.device;
  // 'auto' is what dlc train picks for the adapter: the register kernel everywhere (on an NVIDIA H200
  // it beat the tiled one, README, Speed), in 16-invocation workgroups on llvmpipe and lavapipe.
  const target: KernelTarget = kernels === 'auto' ? kernelTargetFor(handle) : kernels;
  const compiled = (source: string): Artifact => {
    const r = compile(source, { file: 'bench.dl', ...variant.options, target });
    if (!r.ok) throw new Error(`bench source does not compile: ${JSON.stringify(r.diagnostics)}`);
    return r.artifact!;
  };
  return {
    name: variant.name,
    device: `${handle.description}; dlc kernels for '${target}'`,
    async matmul(n, reps) {
      const g = new Graph();
      const a = g.addParam('a', [n, n], { kind: 'zeros' }, 'bench', false);
      const b = g.addParam('b', [n, n], { kind: 'zeros' }, 'bench', false);
      const c = g.add('matmul', [a, b], {}, { phase: 'eval' });
      g.programs.eval = g.programs.forward = { nodes: [0], outputs: [{ name: 'c', value: c }] };
      const train = { loss: '', optimizer: { kind: 'sgd' as const, lr: 0, hyper: {} }, batch: 1, epochs: 1, metrics: [], seed: 0, shuffle: false, label: '', prediction: '' };
      const s = await Session.create(compileGraph(g, { model: 'matmul', sourceHash: '', train }, { target }), device);
      const rng = new Rng(n);
      for (const name of ['a', 'b']) s.write(name, Float32Array.from({ length: n * n }, () => rng.normal()));
      const out: number[] = [];
      for (let r = 0; r < MATMUL_WARMUP + reps; r++) {
        const t0 = performance.now();
        // The whole product read back to the host, as the TF.js and jax-js peers read theirs
        // (c.data()): no library is timed on work it has not finished or not delivered.
        const { c } = await s.run('forward', {}, ['c']);
        if (c!.length !== n * n) throw new Error(`matmul ${n}: read back ${c!.length} values, expected ${n * n}`);
        if (r >= MATMUL_WARMUP) out.push((performance.now() - t0) / 1000);
      }
      s.dispose();
      return out;
    },
    async mlp(w) {
      const s = await Session.create(compiled(mlpSource(w)), device);
      s.setWeights(new Map([['dense_1.kernel', w.w1], ['dense_1.bias', w.b1], ['dense_2.kernel', w.w2], ['dense_2.bias', w.b2]]));
      const r = await timeTraining(s, w);
      s.dispose();
      return r;
    },
    async cnn(w) {
      const s = await Session.create(compiled(cnnSource(w)), device);
      s.setWeights(new Map(Object.entries(w.weights).map(([k, v]) => [CNN_NAMES[k]!, v])));
      const r = await timeTraining(s, w);
      s.dispose();
      return r;
    },
    async lstm(w) {
      const s = await Session.create(compiled(lstmSource(w)), device);
      s.setWeights(new Map(Object.entries(w.weights).map(([k, v]) => [k.replace(/^(lstm|dense)\./, '$1_1.'), v])));
      const r = await timeTraining(s, w);
      s.dispose();
      return r;
    },
    async dispose() {
      // The shared device stays open; sessions were disposed after each workload.
    },
  };
}
