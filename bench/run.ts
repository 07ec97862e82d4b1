// npm run bench: dlc against TF.js (WebGPU) and jax-js (WebGPU and WebAssembly), side by side in
// one process on one Dawn adapter, on identical data, initial weights and optimizer. Prints medians
// and dlc/peer ratios; writes the same as JSON.
//   npm run bench -- [--adapter gles|vulkan] [--quick] [--json FILE] [--only dlc,tfjs,...]
//     [--workload matmul,mlp,cnn,lstm] [--sizes 256,512,1024] [--kernels auto|cpu|gpu|llvmpipe] [--variants all|default]
//     [--sync step|window|both] [--sync-every N]
// --only keeps the peers whose names start so (`--only dlc` keeps dlc's variants, `--only jax` both
// jax-js peers); --variants default drops dlc's variants without fusion or planning (dlc alone);
// --workload keeps those workloads (default all four); --sizes sets the matmul sizes;
// --kernels picks dlc's kernel target (compiler/ir/kernel-spec.ts KernelTarget): 'auto' (default)
// is what dlc train picks: 'llvmpipe' on Mesa's llvmpipe and lavapipe, else 'cpu', the register
// kernel, which measured faster than 'gpu' (tiled) on an H200 as well.
// --sync picks how training is synchronised (default both): 'step' reads the loss after every
// step, 'window' syncs once every N steps (--sync-every N; default 8 for the MLP, 4 for the CNN and
// LSTM), each library as its users would write that loop (peers/schedule.ts).
// Every dlc/peer ratio is the median of the per-round ratios, with the lowest and highest round's.
// On a machine with a GPU: npm run bench -- --adapter vulkan --variants default --only dlc,tfjs,jax-webgpu
// (and the matmul alone: --only dlc --variants default --workload matmul --sizes 1024,2048)
import { writeFileSync } from 'node:fs';
import { fail, intOption, scriptArgs } from '../scripts/args.ts';
import { coldChild, runColdChild, type ColdWorkload } from './cold.ts';
import { DLC_VARIANTS, dlcPeer } from './dlc.ts';
import type { Peer, TrainSchedule, TrainTimes } from './peers/types.ts';
import { makeWorkloads } from './workloads.ts';

const args = scriptArgs('bench', {
  adapter: { type: 'string', default: 'gles' }, quick: { type: 'boolean' }, json: { type: 'string', default: 'bench-results.json' }, only: { type: 'string' },
  workload: { type: 'string', default: 'matmul,mlp,cnn,lstm' }, sizes: { type: 'string' }, kernels: { type: 'string', default: 'auto' }, variants: { type: 'string', default: 'all' },
  sync: { type: 'string', default: 'both' }, 'sync-every': { type: 'string' }, cold: { type: 'string', default: 'yes' },
  'cold-child': { type: 'string' },
});
if (args.adapter !== 'gles' && args.adapter !== 'vulkan') fail('bench', `--adapter must be gles or vulkan, got '${args.adapter}'`);
const adapter = args.adapter as 'gles' | 'vulkan';
const quick = args.quick === true;
const only = args.only?.split(',');
const WORKLOADS = ['matmul', 'mlp', 'cnn', 'lstm'] as const;
const workloads = args.workload!.split(',');
for (const w of workloads) if (!(WORKLOADS as readonly string[]).includes(w)) fail('bench', `--workload takes ${WORKLOADS.join(', ')}, got '${w}'`);
const runs = (w: (typeof WORKLOADS)[number]): boolean => workloads.includes(w);
if (!['auto', 'cpu', 'gpu', 'llvmpipe'].includes(args.kernels!)) fail('bench', `--kernels must be auto, cpu, gpu or llvmpipe, got '${args.kernels}'`);
const kernels = args.kernels as 'auto' | 'cpu' | 'gpu' | 'llvmpipe';
if (args.variants !== 'all' && args.variants !== 'default') fail('bench', `--variants must be all or default, got '${args.variants}'`);
const MATMUL_SIZES = args.sizes ? args.sizes.split(',').map((s) => intOption('bench', 'sizes', s, 1, 8192)) : quick ? [256] : [256, 512, 1024];
/** Interleaved rounds; per round, timed matmuls and train steps of each peer. */
const ROUNDS = quick ? 1 : 4;
const MATMUL_REPS = 3;
if (!['step', 'window', 'both'].includes(args.sync!)) fail('bench', `--sync must be step, window or both, got '${args.sync}'`);
const stepMode = args.sync !== 'window';
const windowMode = args.sync !== 'step';
const syncEveryOption = args['sync-every'] === undefined ? undefined : intOption('bench', 'sync-every', args['sync-every'], 2, 1000);
/** Per round: steps synchronised one by one, and windows of syncEvery steps synchronised once. */
const schedule = (steps: number, windows: number, syncEvery: number): TrainSchedule =>
  ({ steps: stepMode ? steps : 0, windows: windowMode ? windows : 0, syncEvery: syncEveryOption ?? syncEvery });
const MLP_SCHEDULE = schedule(10, quick ? 1 : 2, 8);
const CNN_SCHEDULE = schedule(3, 1, 4);
const LSTM_SCHEDULE = schedule(3, 1, 4);

const workloadSet = makeWorkloads({ mlp: MLP_SCHEDULE, cnn: CNN_SCHEDULE, lstm: LSTM_SCHEDULE });
const { mlp, cnn, lstm } = workloadSet;
if (!['yes', 'no', 'only'].includes(args.cold!)) fail('bench', `--cold must be yes, no or only, got '${args.cold}'`);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

interface Row {
  peer: string;
  device?: string;
  matmulGflops: Record<string, number>;
  /** Every step synchronised by reading its loss. */
  mlpSamplesPerSec?: number;
  mlpLoss?: [number, number];
  cnnSamplesPerSec?: number;
  cnnLoss?: [number, number];
  lstmSamplesPerSec?: number;
  lstmLoss?: [number, number];
  /** Synchronised once per window of syncEvery steps (losses: the windows' last steps). */
  mlpWindowSamplesPerSec?: number;
  mlpWindowLoss?: [number, number];
  cnnWindowSamplesPerSec?: number;
  cnnWindowLoss?: [number, number];
  lstmWindowSamplesPerSec?: number;
  lstmWindowLoss?: [number, number];
  /** Each column's rate in each round (the median of that round's samples), by column label. */
  roundRates: Record<string, number[]>;
  errors: string[];
}

type Workload = (typeof WORKLOADS)[number];
type Train = Exclude<Workload, 'matmul'>;
const TRAIN: { name: Train; title: string; batch: number; schedule: TrainSchedule }[] = [
  { name: 'mlp', title: 'MLP', batch: mlp.batch, schedule: MLP_SCHEDULE },
  { name: 'cnn', title: 'CNN', batch: cnn.batch, schedule: CNN_SCHEDULE },
  { name: 'lstm', title: 'LSTM', batch: lstm.batch, schedule: LSTM_SCHEDULE },
];

/** One column of the table: a rate (work / seconds) per peer; `save` puts its median in the row. */
interface Column {
  label: string;
  work: number;
  save: (row: Row, rate: number) => void;
}
const columns: Column[] = [
  ...(runs('matmul') ? MATMUL_SIZES.map((n) => ({ label: `matmul ${n} GFLOP/s`, work: (2 * n ** 3) / 1e9, save: (r: Row, x: number) => { r.matmulGflops[n] = x; } })) : []),
  ...(stepMode ? TRAIN.filter((t) => runs(t.name)).map((t) => ({ label: `${t.title} samples/s`, work: t.batch, save: (r: Row, x: number) => { r[`${t.name}SamplesPerSec`] = x; } })) : []),
  ...(windowMode ? TRAIN.filter((t) => runs(t.name)).map((t) => ({ label: `${t.title} sync/${t.schedule.syncEvery} samples/s`, work: t.batch, save: (r: Row, x: number) => { r[`${t.name}WindowSamplesPerSec`] = x; } })) : []),
];
const stepColumn = (t: Train): string => `${TRAIN.find((x) => x.name === t)!.title} samples/s`;
const windowColumn = (t: Train): string => { const x = TRAIN.find((y) => y.name === t)!; return `${x.title} sync/${x.schedule.syncEvery} samples/s`; };

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
 * weights, same batches, warm-up again). A column's figure is the median over all timed samples of
 * all rounds; its per-round rates (the median of each round's samples) give the ratios' spread.
 */
/** Each row's median rate per column label (the table's figures). */
const medians = new Map<Row, Record<string, number>>();

async function measureAll(factories: { name: string; make: () => Promise<Peer> }[]): Promise<Row[]> {
  /** Seconds per column label, one array of samples per round. */
  const entries: { row: Row; peer?: Peer; seconds: Map<string, number[][]> }[] = [];
  for (const { name, make } of factories) {
    const row: Row = { peer: name, matmulGflops: {}, roundRates: {}, errors: [] };
    const e: (typeof entries)[number] = { row, seconds: new Map() };
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
  const record = (e: (typeof entries)[number], label: string, r: number, xs: number[]): void => {
    if (!xs.length) return;
    const perRound = e.seconds.get(label) ?? [];
    (perRound[r] ??= []).push(...xs);
    e.seconds.set(label, perRound);
  };
  const first = (xs: number[]): [number, number] | undefined => (xs.length ? [xs[0]!, xs[xs.length - 1]!] : undefined);
  for (let r = 0; r < ROUNDS; r++) {
    for (const e of entries) {
      const peer = e.peer;
      if (!peer) continue;
      if (peer.matmul && runs('matmul')) {
        for (const n of MATMUL_SIZES) await attempt(e.row, `matmul ${n}`, async () => record(e, `matmul ${n} GFLOP/s`, r, await peer.matmul!(n, MATMUL_REPS)));
      }
      const trainers: Record<Train, (() => Promise<TrainTimes>) | undefined> = {
        mlp: peer.mlp && (() => peer.mlp!(mlp)), cnn: peer.cnn && (() => peer.cnn!(cnn)), lstm: peer.lstm && (() => peer.lstm!(lstm)),
      };
      for (const t of TRAIN) {
        const trainer = trainers[t.name];
        if (!trainer || !runs(t.name)) continue;
        await attempt(e.row, t.name, async () => {
          const times = await trainer();
          record(e, stepColumn(t.name), r, times.seconds);
          record(e, windowColumn(t.name), r, times.windowSeconds);
          const step = first(times.losses), window = first(times.windowLosses);
          if (step) e.row[`${t.name}Loss`] = step;
          if (window) e.row[`${t.name}WindowLoss`] = window;
        });
      }
    }
    process.stderr.write(`bench: round ${r + 1} of ${ROUNDS} done\n`);
  }
  for (const e of entries) {
    for (const c of columns) {
      const perRound = e.seconds.get(c.label);
      if (!perRound?.length) continue;
      const rate = c.work / median(perRound.flat());
      c.save(e.row, rate);
      medians.set(e.row, { ...medians.get(e.row), [c.label]: rate });
      e.row.roundRates[c.label] = perRound.map((xs) => (xs?.length ? c.work / median(xs) : NaN));
    }
    await e.peer?.dispose().catch(() => undefined);
  }
  return entries.map((e) => e.row);
}

// A cold child (cold.ts) measures one peer's first step of one workload, then exits.
if (args['cold-child']) {
  const [name, workload] = args['cold-child'].split('|') as [string, ColdWorkload];
  const factory = (await peerFactories()).find((p) => p.name === name);
  if (!factory) fail('bench', `--cold-child: no peer named '${name}'`);
  await coldChild(await factory.make(), workload, workloadSet);
  process.exit(0);
}

const rows = args.cold === 'only' ? [] : await measureAll(await peerFactories());

/** Cold first-step seconds by peer and workload (each in a fresh process, shader cache off). */
const cold: Record<string, Partial<Record<ColdWorkload, number>>> = {};
const coldErrors: string[] = [];
const coldWorkloads = TRAIN.filter((t) => runs(t.name));
if (args.cold !== 'no' && coldWorkloads.length) {
  // dlc's variants without fusion or planning are left out: the first step is about compiling.
  const peers = (await peerFactories()).filter((p) => !p.name.startsWith('dlc (')).map((p) => p.name);
  for (const t of coldWorkloads) {
    for (const name of peers) {
      const r = await runColdChild(['--cold-child', `${name}|${t.name}`, '--adapter', adapter, '--kernels', kernels], 600_000);
      if ('seconds' in r) (cold[name] ??= {})[t.name] = r.seconds;
      else coldErrors.push(`${name} ${t.title}: ${r.error}`);
    }
    process.stderr.write(`bench: cold first step of the ${t.title} measured\n`);
  }
}

// The table: one line per peer, then dlc's ratio to each peer.
const fmt = (x: number | undefined, d = 1): string => (x === undefined ? '—' : x.toFixed(d));
const cols = columns.map((c) => c.label);
const value = (r: Row, c: number): number | undefined => medians.get(r)?.[cols[c]!];
/** dlc's rate over the peer's in each round both completed. */
const roundRatios = (dlcRow: Row, peer: Row, label: string): number[] => {
  const a = dlcRow.roundRates[label] ?? [], b = peer.roundRates[label] ?? [];
  return a.map((x, i) => x / b[i]!).filter((x) => Number.isFinite(x));
};
const table: string[][] = [['', ...cols], ...rows.map((r) => [r.peer, ...cols.map((_, c) => fmt(value(r, c)))])];
const dlc = rows.find((r) => r.peer === 'dlc');
const ratios: Record<string, Record<string, number[]>> = {};
const ratioRows: string[][] = [];
for (const r of rows.filter((x) => x !== dlc)) {
  if (!dlc) break;
  ratios[r.peer] = Object.fromEntries(cols.map((label) => [label, roundRatios(dlc, r, label)]));
  ratioRows.push([`÷ ${r.peer}`, ...cols.map((label) => {
    const xs = ratios[r.peer]![label]!;
    return xs.length ? `${median(xs).toFixed(2)}× (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})` : '—';
  })]);
}
const w0 = Math.max(...[...table, ...ratioRows].map((cells) => cells[0]!.length), 4) + 2;
const widths = cols.map((label, i) => Math.max(label.length, 10, ...[...table, ...ratioRows].map((cells) => cells[i + 1]!.length)) + 2);
const line = (cells: string[]): string => cells[0]!.padEnd(w0) + cells.slice(1).map((c, i) => c.padStart(widths[i]!)).join('');
const trainText = (t: (typeof TRAIN)[number]): string => {
  const s = t.schedule;
  const parts = [s.steps && `${s.steps} steps each synced`, s.windows && `${s.windows} window${s.windows > 1 ? 's' : ''} of ${s.syncEvery} synced once`].filter(Boolean);
  return `${t.title} ${parts.join(' + ')} (batch ${t.batch})`;
};
const perRound = [runs('matmul') && `${MATMUL_REPS} matmuls`, ...TRAIN.filter((t) => runs(t.name)).map(trainText)].filter(Boolean).join(', ');
const out: string[] = [];
if (rows.length) {
  out.push(`adapter: ${rows.find((r) => r.device)?.device ?? adapter}; medians over ${ROUNDS} interleaved rounds per peer of ${perRound}`, '');
  for (const cells of table) out.push(line(cells));
  if (ratioRows.length) {
    out.push('', `dlc / peer: the median of the ${ROUNDS} per-round ratios (lowest–highest round):`);
    for (const cells of ratioRows) out.push(line(cells));
  }
  if (TRAIN.some((t) => runs(t.name))) {
    out.push('', `losses (first → last ${stepMode ? `timed step${windowMode ? '; sync/N: of the windows\' last steps' : ''}` : 'of the windows\' last steps'}):`);
    const lossPair = (x: [number, number] | undefined): string => x?.map((v) => v.toFixed(3)).join(' → ') ?? '—';
    const lossText = (r: Row): string => TRAIN.filter((t) => runs(t.name)).map((t) => [
      stepMode && `${t.title} ${lossPair(r[`${t.name}Loss`])}`,
      windowMode && `${t.title} sync/${t.schedule.syncEvery} ${lossPair(r[`${t.name}WindowLoss`])}`,
    ].filter(Boolean).join('   ')).join('   ');
    for (const r of rows) out.push(`  ${r.peer.padEnd(w0)} ${lossText(r)}`);
  }
}
if (Object.keys(cold).length || coldErrors.length) {
  const names = Object.keys(cold);
  const coldCols = coldWorkloads.map((t) => `${t.title} s`);
  const cw = Math.max(...names.map((n) => n.length), 4) + 2;
  const cell = (x: string): string => x.padStart(12);
  out.push('', 'cold first step (seconds from defining the model to its first loss on the host; each in a fresh', 'process with Mesa\'s shader cache off; device opening and library loading left out):');
  out.push(''.padEnd(cw) + coldCols.map(cell).join(''));
  for (const n of names) out.push(n.padEnd(cw) + coldWorkloads.map((t) => cell(fmt(cold[n]![t.name], 2))).join(''));
  const own = cold.dlc;
  if (own) {
    out.push('', 'peer\'s cold first step ÷ dlc\'s (above 1: dlc starts sooner):');
    for (const n of names.filter((x) => x !== 'dlc')) {
      out.push(`÷ ${n}`.padEnd(cw) + coldWorkloads.map((t) => {
        const a = own[t.name], b = cold[n]![t.name];
        return cell(a !== undefined && b !== undefined ? `${(b / a).toFixed(2)}×` : '—');
      }).join(''));
    }
  }
  for (const e of coldErrors) out.push(`  cold: ${e}`);
}
const errs = rows.filter((r) => r.errors.length);
if (errs.length) out.push('', 'errors:', ...errs.flatMap((r) => r.errors.map((e) => `  ${r.peer}: ${e}`)));
process.stdout.write(`${out.join('\n')}\n`);
writeFileSync(args.json!, `${JSON.stringify({ date: new Date().toISOString(), adapter, quick, sync: args.sync, rows, ratios, coldFirstStepSeconds: cold, coldErrors }, null, 2)}\n`);
process.stdout.write(`\nwrote ${args.json}\n`);
process.exit(0);
