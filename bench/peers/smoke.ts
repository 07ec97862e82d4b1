// Smoke run of the peer libraries on a synthetic, learnable data set.
//
//   npx tsx bench/peers/smoke.ts [--adapter gles|vulkan] [--peers tfjs,jax-webgpu,jax-wasm]
//                                [--mlp-steps 30] [--cnn-steps 5] [--sizes 256,512] [--reps 3]
//
// Prints per peer: matmul GFLOP/s (2n³/s), MLP and CNN training samples/s and the first/last
// loss of the timed steps (medians over reps/steps), and the set-up + warm-up seconds of each.
import type { CnnWorkload, MlpWorkload, Peer } from './types.ts';
import { median } from './dawn.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const adapter = arg('adapter', 'gles') as 'gles' | 'vulkan';
const peerNames = arg('peers', 'tfjs,jax-webgpu,jax-wasm').split(',');
const mlpSteps = Number(arg('mlp-steps', '30'));
const cnnSteps = Number(arg('cnn-steps', '5'));
const sizes = arg('sizes', '256,512').split(',').map(Number);
const reps = Number(arg('reps', '3'));
const COUNT = 4096;
const LR = 1e-3;

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function glorot(rand: () => number, size: number, fanIn: number, fanOut: number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return Float32Array.from({ length: size }, () => (rand() * 2 - 1) * limit);
}

/**
 * A learnable stand-in for MNIST. Ten fixed random templates, each a few bright 5×5 blobs at
 * random places on the 28×28 canvas; an image is one randomly chosen template (scaled by 0.25)
 * plus uniform noise in [0, 0.75). The label is the argmax of a fixed linear map of the image:
 * its correlation with each (mean-removed) template. Both the MLP and the CNN can learn it.
 */
function dataset(seed: number): { images: Float32Array; labels: Int32Array } {
  const rand = rng(seed);
  const templates = new Float32Array(10 * 784);
  for (let c = 0; c < 10; c++)
    for (let blob = 0; blob < 4; blob++) {
      const y0 = Math.floor(rand() * 24);
      const x0 = Math.floor(rand() * 24);
      for (let y = y0; y < y0 + 5; y++) for (let x = x0; x < x0 + 5; x++) templates[c * 784 + y * 28 + x] = 1;
    }
  const map = new Float32Array(10 * 784); // the linear map: templates minus their mean
  for (let c = 0; c < 10; c++) {
    let mean = 0;
    for (let p = 0; p < 784; p++) mean += templates[c * 784 + p]! / 784;
    for (let p = 0; p < 784; p++) map[c * 784 + p] = templates[c * 784 + p]! - mean;
  }
  const images = new Float32Array(COUNT * 784);
  const labels = new Int32Array(COUNT);
  for (let s = 0; s < COUNT; s++) {
    const c = Math.floor(rand() * 10);
    for (let p = 0; p < 784; p++) images[s * 784 + p] = 0.25 * templates[c * 784 + p]! + 0.75 * rand();
    let best = 0;
    let bestZ = -Infinity;
    for (let k = 0; k < 10; k++) {
      let z = 0;
      for (let p = 0; p < 784; p++) z += images[s * 784 + p]! * map[k * 784 + p]!;
      if (z > bestZ) [best, bestZ] = [k, z];
    }
    labels[s] = best;
  }
  return { images, labels };
}

const { images, labels } = dataset(1234);
const wr = rng(42);
const mlpWork: MlpWorkload = {
  images, labels, count: COUNT, batch: 128, steps: mlpSteps, windows: 0, syncEvery: 1, lr: LR,
  w1: glorot(wr, 784 * 128, 784, 128), b1: new Float32Array(128),
  w2: glorot(wr, 128 * 10, 128, 10), b2: new Float32Array(10),
};
const cnnWork: CnnWorkload = {
  images, labels, count: COUNT, batch: 64, steps: cnnSteps, windows: 0, syncEvery: 1, lr: LR,
  weights: {
    'conv1.kernel': glorot(wr, 32 * 9, 1 * 9, 32 * 9), 'conv1.bias': new Float32Array(32),
    'conv2.kernel': glorot(wr, 64 * 32 * 9, 32 * 9, 64 * 9), 'conv2.bias': new Float32Array(64),
    'dense1.kernel': glorot(wr, 1600 * 128, 1600, 128), 'dense1.bias': new Float32Array(128),
    'dense2.kernel': glorot(wr, 128 * 10, 128, 10), 'dense2.bias': new Float32Array(10),
  },
};

async function makePeer(name: string): Promise<Peer> {
  if (name === 'tfjs') return (await import('./tfjs.ts')).tfjsPeer(adapter);
  if (name === 'jax-webgpu') return (await import('./jax.ts')).jaxPeer('webgpu', adapter);
  if (name === 'jax-wasm') return (await import('./jax.ts')).jaxPeer('wasm');
  throw new Error(`unknown peer ${name}`);
}

const fmt = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : '-');
const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 160);

interface Row { name: string; device: string; cells: Record<string, string>; errors: string[] }
const rows: Row[] = [];

for (const name of peerNames) {
  const row: Row = { name, device: '', cells: {}, errors: [] };
  rows.push(row);
  let peer: Peer;
  try {
    peer = await makePeer(name);
  } catch (e) {
    row.errors.push(`create: ${errText(e)}`);
    console.error(`[${name}] create failed:`, e);
    continue;
  }
  row.name = peer.name;
  row.device = peer.device ?? '';
  for (const n of sizes) {
    try {
      const s = await peer.matmul!(n, reps);
      row.cells[`mm${n}`] = fmt((2 * n ** 3) / median(s) / 1e9, 2);
      console.error(`[${peer.name}] matmul ${n}: ${s.map((x) => (x * 1000).toFixed(1)).join(' ')} ms`);
    } catch (e) {
      row.errors.push(`matmul ${n}: ${errText(e)}`);
      console.error(`[${peer.name}] matmul ${n} failed:`, e);
    }
  }
  for (const [task, run, work] of [
    ['mlp', peer.mlp, mlpWork],
    ['cnn', peer.cnn, cnnWork],
  ] as const) {
    if (!run || work.steps <= 0) continue;
    try {
      const t0 = performance.now();
      const r = await run.call(peer, work as never);
      const total = (performance.now() - t0) / 1000;
      const stepSum = r.seconds.reduce((a, b) => a + b, 0);
      row.cells[`${task}`] = fmt(work.batch / median(r.seconds), 0);
      row.cells[`${task}Loss`] = `${fmt(r.losses[0]!, 3)}→${fmt(r.losses.at(-1)!, 3)}`;
      row.cells[`${task}Warm`] = fmt(total - stepSum, 1);
      console.error(`[${peer.name}] ${task} step ms: ${r.seconds.map((x) => (x * 1000).toFixed(0)).join(' ')}`);
      console.error(`[${peer.name}] ${task} losses: ${r.losses.map((x) => x.toFixed(3)).join(' ')}`);
    } catch (e) {
      row.errors.push(`${task}: ${errText(e)}`);
      console.error(`[${peer.name}] ${task} failed:`, e);
    }
  }
  await peer.dispose();
}

const cols: [string, string][] = [
  ...sizes.map((n): [string, string] => [`mm${n}`, `matmul ${n} GFLOP/s`]),
  ['mlp', 'MLP samples/s'],
  ['mlpLoss', 'MLP loss first→last'],
  ['mlpWarm', 'MLP setup+warm-up s'],
  ['cnn', 'CNN samples/s'],
  ['cnnLoss', 'CNN loss first→last'],
  ['cnnWarm', 'CNN setup+warm-up s'],
];
console.log(`\nadapter: ${adapter}; MLP batch 128 × ${mlpSteps} timed steps; CNN batch 64 × ${cnnSteps} timed steps; medians\n`);
console.log(`| peer | device | ${cols.map((c) => c[1]).join(' | ')} |`);
console.log(`| --- | --- | ${cols.map(() => '---').join(' | ')} |`);
for (const r of rows) console.log(`| ${r.name} | ${r.device} | ${cols.map(([k]) => r.cells[k] ?? '-').join(' | ')} |`);
for (const r of rows) for (const e of r.errors) console.log(`${r.name}: ${e}`);

// jax-js offers no way to release its GPUDevice; destroy it so the process can exit cleanly.
if (peerNames.includes('jax-webgpu')) {
  try {
    const jax = await import('@jax-js/jax');
    jax.getWebGPUDevice().destroy();
  } catch {
    // never initialised
  }
}
