// npm run bench: dlc against TF.js (WebGPU) and jax-js (WebGPU and WebAssembly), side by side in
// one process on one Dawn adapter, on identical data, initial weights and optimizer. Prints medians
// and dlc/peer ratios; writes the same as JSON.
//   npm run bench -- [--adapter gles|vulkan] [--quick] [--json FILE] [--only dlc,tfjs,...]
//     [--workload matmul,mlp,cnn,lstm] [--sizes 256,512,1024] [--kernels auto|cpu|gpu] [--variants all|default]
// --only keeps the peers whose names start so (`--only dlc` keeps dlc's variants, `--only jax` both
// jax-js peers); --variants default drops dlc's variants without fusion or planning (dlc alone);
// --workload keeps those workloads (default all four); --sizes sets the matmul sizes;
// --kernels picks dlc's kernel target (compiler/ir/kernel-spec.ts KernelTarget): 'auto' (default)
// is 'cpu', the register kernel, which measured faster than 'gpu' (tiled) on an H200 as well.
// On a machine with a GPU: npm run bench -- --adapter vulkan --variants default --only dlc,tfjs,jax-webgpu
// (and the matmul alone: --only dlc --variants default --workload matmul --sizes 1024,2048)
import { writeFileSync } from 'node:fs';
import { fail, intOption, scriptArgs } from '../scripts/args.ts';
import { loadMnist } from '../runtime/data/mnist.ts';
import { Rng } from '../runtime/random.ts';
import { DLC_VARIANTS, dlcPeer } from './dlc.ts';
import type { CnnWorkload, LstmWorkload, MlpWorkload, Peer } from './peers/types.ts';

const args = scriptArgs('bench', {
  adapter: { type: 'string', default: 'gles' }, quick: { type: 'boolean' }, json: { type: 'string', default: 'bench-results.json' }, only: { type: 'string' },
  workload: { type: 'string', default: 'matmul,mlp,cnn,lstm' }, sizes: { type: 'string' }, kernels: { type: 'string', default: 'auto' }, variants: { type: 'string', default: 'all' },
});
if (args.adapter !== 'gles' && args.adapter !== 'vulkan') fail('bench', `--adapter must be gles or vulkan, got '${args.adapter}'`);
const adapter = args.adapter as 'gles' | 'vulkan';
const quick = args.quick === true;
const only = args.only?.split(',');
const WORKLOADS = ['matmul', 'mlp', 'cnn', 'lstm'] as const;
const workloads = args.workload!.split(',');
for (const w of workloads) if (!(WORKLOADS as readonly string[]).includes(w)) fail('bench', `--workload takes ${WORKLOADS.join(', ')}, got '${w}'`);
const runs = (w: (typeof WORKLOADS)[number]): boolean => workloads.includes(w);
if (!['auto', 'cpu', 'gpu'].includes(args.kernels!)) fail('bench', `--kernels must be auto, cpu or gpu, got '${args.kernels}'`);
const kernels = args.kernels as 'auto' | 'cpu' | 'gpu';
if (args.variants !== 'all' && args.variants !== 'default') fail('bench', `--variants must be all or default, got '${args.variants}'`);
const MATMUL_SIZES = args.sizes ? args.sizes.split(',').map((s) => intOption('bench', 'sizes', s, 1, 8192)) : quick ? [256] : [256, 512, 1024];
/** Interleaved rounds; per round, timed matmuls and train steps of each peer. */
const ROUNDS = quick ? 1 : 4;
const MATMUL_REPS = 3;
const MLP_STEPS = quick ? 10 : 10;
const CNN_STEPS = quick ? 3 : 3;
const LSTM_STEPS = quick ? 3 : 3;

/** Glorot-uniform weights from one seeded stream, the same for every library. */
function glorot(rng: Rng, fanIn: number, fanOut: number, n: number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * limit);
}

const { train } = loadMnist();
const rng = new Rng(2024);
const mlp: MlpWorkload = {
  images: train.images, labels: train.labels, count: train.count, batch: 128, steps: MLP_STEPS, lr: 1e-3,
  w1: glorot(rng, 784, 128, 784 * 128), b1: new Float32Array(128), w2: glorot(rng, 128, 10, 1280), b2: new Float32Array(10),
};
const cnn: CnnWorkload = {
  images: train.images, labels: train.labels, count: train.count, batch: 64, steps: CNN_STEPS, lr: 1e-3,
  weights: {
    'conv1.kernel': glorot(rng, 9, 32 * 9, 32 * 9), 'conv1.bias': new Float32Array(32),
    'conv2.kernel': glorot(rng, 32 * 9, 64 * 9, 64 * 32 * 9), 'conv2.bias': new Float32Array(64),
    'dense1.kernel': glorot(rng, 1600, 128, 1600 * 128), 'dense1.bias': new Float32Array(128),
    'dense2.kernel': glorot(rng, 128, 10, 1280), 'dense2.bias': new Float32Array(10),
  },
};
// One LSTM(128) over the 28 rows of each digit (the size; samples/mnist_lstm.dl uses 64).
// Both kernels glorot-uniform (the recurrent one is orthogonal in Keras: the bench needs the same
// weights everywhere, not Keras's), Keras's unit forget bias (ones in the f block).
const LSTM_UNITS = 128;
const lstm: LstmWorkload = {
  images: train.images, labels: train.labels, count: train.count, batch: 64, steps: LSTM_STEPS, lr: 1e-3, eps: 1e-11, units: LSTM_UNITS,
  weights: {
    'lstm.kernel': glorot(rng, 28, 4 * LSTM_UNITS, 28 * 4 * LSTM_UNITS),
    'lstm.recurrent_kernel': glorot(rng, LSTM_UNITS, 4 * LSTM_UNITS, LSTM_UNITS * 4 * LSTM_UNITS),
    'lstm.bias': Float32Array.from({ length: 4 * LSTM_UNITS }, (_, i) => (i >= LSTM_UNITS && i < 2 * LSTM_UNITS ? 1 : 0)),
    'dense.kernel': glorot(rng, LSTM_UNITS, 10, LSTM_UNITS * 10), 'dense.bias': new Float32Array(10),
  },
};

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

interface Row {
  peer: string;
  device?: string;
  matmulGflops: Record<string, number>;
  mlpSamplesPerSec?: number;
  mlpLoss?: [number, number];
  cnnSamplesPerSec?: number;
  cnnLoss?: [number, number];
  lstmSamplesPerSec?: number;
  lstmLoss?: [number, number];
  errors: string[];
}

async function peerFactories(): Promise<{ name: string; make: () => Promise<Peer> }[]> {
  const list: { name: string; make: () => Promise<Peer> }[] = (args.variants === 'all' ? DLC_VARIANTS : DLC_VARIANTS.slice(0, 1)).map((v) => ({ name: v.name, make: () => dlcPeer(adapter, v, kernels) }));
  // Peers load on first use: importing TF.js's webgpu backend installs globals.
  list.push({ name: 'tfjs-webgpu', make: async () => (await import('./peers/tfjs.ts')).tfjsPeer(adapter) });
  list.push({ name: 'jax-webgpu', make: async () => (await import('./peers/jax.ts')).jaxPeer('webgpu', adapter) });
  list.push({ name: 'jax-wasm', make: async () => (await import('./peers/jax.ts')).jaxPeer('wasm') });
  const chosen = only ? list.filter((p) => only.some((o) => p.name.startsWith(o))) : list;
  if (!chosen.length) fail('bench', `--only ${only!.join(',')} matches no peer (peers: ${list.map((p) => p.name).join(', ')})`);
  return chosen;
}

/**
 * Runs every workload on every peer in rounds, interleaved (round r of peer A, then of peer B, ...):
 * the machine's speed drifts over minutes (shared cores), and interleaving spreads the drift over all
 * peers instead of favouring whichever ran in a quiet phase. Each round is a fresh start (same initial
 * weights, same batches, warm-up again); medians are over all timed samples of all rounds.
 */
async function measureAll(factories: { name: string; make: () => Promise<Peer> }[]): Promise<Row[]> {
  const entries: { row: Row; peer?: Peer; mm: Record<number, number[]>; mlp: number[]; cnn: number[]; lstm: number[] }[] = [];
  for (const { name, make } of factories) {
    const row: Row = { peer: name, matmulGflops: {}, errors: [] };
    const e: (typeof entries)[number] = { row, mm: {}, mlp: [], cnn: [], lstm: [] };
    try {
      e.peer = await make();
      if (e.peer.device) row.device = e.peer.device;
    } catch (err) {
      row.errors.push(`start: ${(err as Error).message}`);
    }
    entries.push(e);
  }
  const attempt = async (row: Row, what: string, f: () => Promise<void>): Promise<void> => {
    if (row.errors.some((x) => x.startsWith(`${what}:`))) return; // failed once: skip later rounds
    try {
      await f();
    } catch (err) {
      row.errors.push(`${what}: ${(err as Error).message.split('\n')[0]}`);
    }
  };
  for (let r = 0; r < ROUNDS; r++) {
    for (const e of entries) {
      const peer = e.peer;
      if (!peer) continue;
      if (peer.matmul && runs('matmul')) {
        for (const n of MATMUL_SIZES) await attempt(e.row, `matmul ${n}`, async () => { (e.mm[n] ??= []).push(...await peer.matmul!(n, MATMUL_REPS)); });
      }
      if (peer.mlp && runs('mlp')) {
        await attempt(e.row, 'mlp', async () => {
          const t = await peer.mlp!({ ...mlp, steps: MLP_STEPS });
          e.mlp.push(...t.seconds);
          e.row.mlpLoss = [t.losses[0]!, t.losses[t.losses.length - 1]!];
        });
      }
      if (peer.cnn && runs('cnn')) {
        await attempt(e.row, 'cnn', async () => {
          const t = await peer.cnn!({ ...cnn, steps: CNN_STEPS });
          e.cnn.push(...t.seconds);
          e.row.cnnLoss = [t.losses[0]!, t.losses[t.losses.length - 1]!];
        });
      }
      if (peer.lstm && runs('lstm')) {
        await attempt(e.row, 'lstm', async () => {
          const t = await peer.lstm!({ ...lstm, steps: LSTM_STEPS });
          e.lstm.push(...t.seconds);
          e.row.lstmLoss = [t.losses[0]!, t.losses[t.losses.length - 1]!];
        });
      }
    }
    process.stderr.write(`bench: round ${r + 1} of ${ROUNDS} done\n`);
  }
  for (const e of entries) {
    for (const n of MATMUL_SIZES) if (e.mm[n]?.length) e.row.matmulGflops[n] = (2 * n ** 3) / median(e.mm[n]!) / 1e9;
    if (e.mlp.length) e.row.mlpSamplesPerSec = mlp.batch / median(e.mlp);
    if (e.cnn.length) e.row.cnnSamplesPerSec = cnn.batch / median(e.cnn);
    if (e.lstm.length) e.row.lstmSamplesPerSec = lstm.batch / median(e.lstm);
    await e.peer?.dispose().catch(() => undefined);
  }
  return entries.map((e) => e.row);
}

const rows = await measureAll(await peerFactories());

// The table: one line per peer, then dlc's ratio to each peer.
const fmt = (x: number | undefined, d = 1): string => (x === undefined ? '—' : x.toFixed(d));
// The columns of the workloads that ran.
const columns: { label: string; get: (r: Row) => number | undefined }[] = [
  ...(runs('matmul') ? MATMUL_SIZES.map((n) => ({ label: `matmul ${n} GFLOP/s`, get: (r: Row) => r.matmulGflops[n] })) : []),
  ...(runs('mlp') ? [{ label: 'MLP samples/s', get: (r: Row) => r.mlpSamplesPerSec }] : []),
  ...(runs('cnn') ? [{ label: 'CNN samples/s', get: (r: Row) => r.cnnSamplesPerSec }] : []),
  ...(runs('lstm') ? [{ label: 'LSTM samples/s', get: (r: Row) => r.lstmSamplesPerSec }] : []),
];
const cols = columns.map((c) => c.label);
const value = (r: Row, c: number): number | undefined => columns[c]!.get(r);
const w0 = Math.max(...rows.map((r) => r.peer.length), 4) + 2;
const line = (cells: string[]): string => cells[0]!.padEnd(w0) + cells.slice(1).map((c, i) => c.padStart(Math.max(cols[i]!.length, 10) + 2)).join('');
const perRound = [runs('matmul') && `${MATMUL_REPS} matmuls`, runs('mlp') && `${MLP_STEPS} MLP steps (batch ${mlp.batch})`, runs('cnn') && `${CNN_STEPS} CNN steps (batch ${cnn.batch})`, runs('lstm') && `${LSTM_STEPS} LSTM steps (batch ${lstm.batch})`].filter(Boolean).join(', ');
const out: string[] = [`adapter: ${rows.find((r) => r.device)?.device ?? adapter}; medians over ${ROUNDS} interleaved rounds of ${perRound} per peer`, ''];
out.push(line(['', ...cols]));
for (const r of rows) out.push(line([r.peer, ...cols.map((_, c) => fmt(value(r, c)))]));
const dlc = rows.find((r) => r.peer === 'dlc');
if (dlc && rows.length > 1) out.push('', 'dlc / peer:');
for (const r of rows.filter((x) => x !== dlc)) {
  if (!dlc) break;
  out.push(line([`÷ ${r.peer}`, ...cols.map((_, c) => {
    const a = value(dlc, c), b = value(r, c);
    return a === undefined || b === undefined ? '—' : `${(a / b).toFixed(2)}×`;
  })]));
}
out.push('', 'losses (first → last timed step):');
const losses: [string, (r: Row) => [number, number] | undefined][] = [['MLP', (r) => r.mlpLoss], ['CNN', (r) => r.cnnLoss], ['LSTM', (r) => r.lstmLoss]];
const lossText = (r: Row): string => losses.filter(([name]) => runs(name.toLowerCase() as (typeof WORKLOADS)[number]))
  .map(([name, get]) => `${name} ${get(r)?.map((x) => x.toFixed(3)).join(' → ') ?? '—'}`).join('   ');
for (const r of rows) out.push(`  ${r.peer.padEnd(w0)} ${lossText(r)}`);
const errs = rows.filter((r) => r.errors.length);
if (errs.length) out.push('', 'errors:', ...errs.flatMap((r) => r.errors.map((e) => `  ${r.peer}: ${e}`)));
process.stdout.write(`${out.join('\n')}\n`);
writeFileSync(args.json!, `${JSON.stringify({ date: new Date().toISOString(), adapter, quick, rows }, null, 2)}\n`);
process.stdout.write(`\nwrote ${args.json}\n`);
process.exit(0);
