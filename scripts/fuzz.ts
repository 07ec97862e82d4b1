// npm run fuzz -- [--kind programs|artifacts|data|all] [--count N] [--seed S] [--gpu-every N]
// [--index I] [--start S] [--models a,b] [--deadline-ms MS] [--gpu-deadline-ms MS] [--shard I/N] [--jobs J] [--summary FILE]
// [--merge DIR]: the fuzzers at length. programs: mutated .dl programs through the compiler, every
// distinct kernel validated by Dawn (100,000 by default); artifacts: mutated `dlc compile` output
// through the artifact loader (2,000); data: mutated data, weight and checkpoint files through the
// CLI's readers (2,000). Every gpuEvery-th accepted artifact or data file also runs through dlc on
// the real adapter. Each failure prints one classified line and is written to fuzz-failures/ with
// its input and the command that reruns it.
//
// --start S runs artifact or data inputs S..count-1 only, so that one long run can be finished in
// parts (inputs are fixed by seed, index and the samples they are made from; which accepted ones
// also run through dlc is not). --models names those samples (default: every one in samples/), so a
// run continued after samples were added makes the same inputs as its first part.
// --shard I/N runs the inputs whose index is I modulo N (several machines or runs split one run);
// --jobs J runs the shard's inputs in J worker processes. A run writes its summary (inputs,
// accepted, rejected, failures, seconds per kind) to --summary (default fuzz-failures/summary.json,
// or summary-I-of-N.json for a shard; none for an --index rerun); --merge DIR adds up the
// summaries in DIR.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDevice } from '../runtime/device-node.ts';
import { fail, intOption, scriptArgs } from './args.ts';
import { fuzzArtifacts } from './fuzz-artifacts.ts';
import { fuzzData } from './fuzz-data.ts';
import { dawnValidator, fuzz, inShard, type Shard } from './fuzz-engine.ts';
import { sampleModels } from './fuzz-models.ts';
import { failureLine, programFailure, rerunCommand, writeFailure } from './fuzz-failures.ts';
import type { Failure, FuzzKind } from './fuzz-oracle.ts';
import type { FileFuzzOptions } from './fuzz-run.ts';

const KINDS: FuzzKind[] = ['programs', 'artifacts', 'data'];
const DEFAULT_COUNT: Record<FuzzKind, number> = { programs: 100_000, artifacts: 2000, data: 2000 };
const SCRIPT = fileURLToPath(import.meta.url);

/** What a run found for one kind: the figures to quote. `accepted`: compiled programs, or files a loader or reader accepted. */
interface KindSummary {
  inputs: number;
  accepted: number;
  rejected: number;
  failures: number;
  /** Programs: distinct kernels validated; files: inputs also run through dlc. */
  checked: number;
  /** Wall time (for merged shards run side by side: the longest). */
  seconds: number;
}

/** A run's summary file. */
interface Summary {
  seed: number;
  shard: string;
  kinds: Partial<Record<FuzzKind, KindSummary>>;
  /** One line per failure, with the command that reruns it. */
  failures: { line: string; rerun: string }[];
}

const values = scriptArgs('fuzz', {
  kind: { type: 'string', default: 'all' }, count: { type: 'string' }, seed: { type: 'string', default: '1' },
  'gpu-every': { type: 'string', default: '50' }, index: { type: 'string' }, start: { type: 'string' },
  'deadline-ms': { type: 'string', default: '15000' }, 'gpu-deadline-ms': { type: 'string', default: '60000' },
  shard: { type: 'string' }, jobs: { type: 'string', default: '1' }, summary: { type: 'string' }, merge: { type: 'string' }, models: { type: 'string' },
});

if (values.merge !== undefined) {
  const dir = values.merge;
  const files = readdirSync(dir).filter((f) => /^summary.*\.json$/.test(f)).sort();
  if (!files.length) fail('fuzz', `--merge: no summary*.json in ${dir}`);
  const merged = mergeSummaries(files.map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Summary));
  printSummary(merged, `${files.length} summaries in ${dir}`);
  process.exit(merged.failures.length ? 1 : 0);
}

if (values.kind !== 'all' && !(KINDS as string[]).includes(values.kind!)) fail('fuzz', `--kind must be one of ${KINDS.join(', ')} or all, got '${values.kind}'`);
const kinds = values.kind === 'all' ? KINDS : [values.kind as FuzzKind];
const seed = intOption('fuzz', 'seed', values.seed, 0, 2 ** 32 - 1);
const count = values.count === undefined ? undefined : intOption('fuzz', 'count', values.count, 1);
const index = values.index === undefined ? undefined : intOption('fuzz', 'index', values.index, 0);
const start = values.start === undefined ? 0 : intOption('fuzz', 'start', values.start, 0);
if (start > 0 && (kinds.includes('programs') || index !== undefined)) fail('fuzz', '--start continues an artifacts or data run (give --kind artifacts or data, and no --index)');
if (index !== undefined && kinds.includes('programs')) fail('fuzz', '--index reruns one artifact or data input (give --kind artifacts or data); a program failure is rerun from its input.dl');
const gpuEvery = intOption('fuzz', 'gpu-every', values['gpu-every'], 0);
const deadlineMs = intOption('fuzz', 'deadline-ms', values['deadline-ms'], 1);
const cliDeadlineMs = intOption('fuzz', 'gpu-deadline-ms', values['gpu-deadline-ms'], 1);
const jobs = intOption('fuzz', 'jobs', values.jobs, 1, 256);
const shard = parseShard(values.shard);
if (index !== undefined && (jobs > 1 || shard.count > 1)) fail('fuzz', '--index reruns one input: no --jobs or --shard with it');
const models = values.models?.split(',').map((m) => m.trim());
if (models) {
  if (!kinds.some((k) => k !== 'programs')) fail('fuzz', '--models chooses the samples artifact and data inputs are made from (give --kind artifacts or data)');
  try {
    sampleModels(models);
  } catch (err) {
    fail('fuzz', `--models: ${(err as Error).message}`);
  }
}
const shardName = `${shard.index}/${shard.count}`;
const summaryPath = values.summary ?? join('fuzz-failures', shard.count === 1 ? 'summary.json' : `summary-${shard.index}-of-${shard.count}.json`);

const summary = jobs > 1 ? await runJobs() : await runHere();
// A rerun of one input (--index) leaves the summary of the run it came from alone.
const writeSummary = index === undefined || values.summary !== undefined;
if (writeSummary) {
  mkdirSync(dirname(summaryPath), { recursive: true });
  writeFileSync(summaryPath, `${JSON.stringify(summary, null, 1)}\n`);
}
printSummary(summary, `seed ${seed}, shard ${shardName}${jobs > 1 ? `, ${jobs} jobs` : ''}${writeSummary ? `; summary in ${summaryPath}` : ''}`);
process.exitCode = summary.failures.length ? 1 : 0;

/** "I/N" as a shard (default: the whole run). */
function parseShard(text: string | undefined): Shard {
  if (text === undefined) return { index: 0, count: 1 };
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) fail('fuzz', `--shard must be I/N with 0 <= I < N, got '${text}'`);
  return { index: Number(m[1]), count: Number(m[2]) };
}

function progress(kind: FuzzKind, total: number): (done: number, failures?: number) => void {
  let last = performance.now();
  return (done, failures) => {
    if (performance.now() - last < 10_000) return;
    last = performance.now();
    const found = failures === undefined ? '' : `, ${failures} failure${failures === 1 ? '' : 's'} so far`;
    process.stderr.write(`fuzz ${kind}${shard.count > 1 ? ` (shard ${shardName})` : ''}: ${done} of ${total}${found}\n`);
  };
}

/** A file-fuzzer failure written to fuzz-failures/ and named on the terminal the moment it is found. */
function reportNow(f: Failure): void {
  writeFailure('fuzz-failures', f);
  process.stderr.write(`fuzz: FAILURE ${failureLine(f)}\n`);
}

/** Runs the kinds in this process; failures are written to fuzz-failures/ as they are found. */
async function runHere(): Promise<Summary> {
  const out: Summary = { seed, shard: shardName, kinds: {}, failures: [] };
  for (const kind of kinds) {
    const n = count ?? DEFAULT_COUNT[kind];
    let failures: Failure[];
    if (kind === 'programs') {
      const handle = await openDevice('gles');
      const r = await fuzz({ seed, count: n, shard, validate: dawnValidator(handle.device), onProgress: progress(kind, n) });
      handle.destroy();
      failures = r.failures.map((f) => programFailure(f, seed));
      out.kinds[kind] = { inputs: r.inputs, accepted: r.compiled, rejected: r.rejected, failures: failures.length, checked: r.shadersChecked, seconds: r.seconds };
    } else {
      const indices = index !== undefined ? [index] : Array.from({ length: Math.max(0, n - start) }, (_, i) => start + i).filter((i) => inShard(i, shard));
      const opts: FileFuzzOptions = { seed, count: n, indices, gpuEvery, deadlineMs, cliDeadlineMs, onProgress: progress(kind, indices.length), onFailure: reportNow, ...(models ? { models } : {}) };
      const r = await (kind === 'artifacts' ? fuzzArtifacts(opts) : fuzzData(opts));
      failures = r.failures;
      out.kinds[kind] = { inputs: r.inputs, accepted: r.accepted, rejected: r.rejected, failures: failures.length, checked: r.cliRuns, seconds: r.seconds };
    }
    for (const f of failures) {
      // File-fuzzer failures were written when found (reportNow); the front end's are written here.
      if (kind === 'programs') writeFailure('fuzz-failures', f);
      out.failures.push({ line: failureLine(f), rerun: rerunCommand(f) });
    }
  }
  return out;
}

/** Runs this shard's inputs in `jobs` worker processes (each a sub-shard of this one) and merges their summaries. */
async function runJobs(): Promise<Summary> {
  const tmp = mkdtempSync(join(tmpdir(), 'dlc-fuzz-jobs-'));
  const pass = process.argv.slice(2).filter((a, i, all) => !/^--(jobs|shard|summary)(=|$)/.test(a) && !/^--(jobs|shard|summary)$/.test(all[i - 1] ?? ''));
  try {
    const parts = await Promise.all(Array.from({ length: jobs }, (_, k) => new Promise<Summary>((resolve, reject) => {
      const sub = `${shard.index + shard.count * k}/${shard.count * jobs}`;
      const file = join(tmp, `summary-${k}.json`);
      const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, ...pass, '--shard', sub, '--summary', file], { stdio: ['ignore', 'ignore', 'inherit'] });
      child.on('close', () => {
        try {
          resolve(JSON.parse(readFileSync(file, 'utf8')) as Summary);
        } catch {
          reject(new Error(`fuzz job ${sub} ended without a summary`));
        }
      });
    })));
    // The jobs run the kinds in the same order side by side: each kind's time is its slowest job's.
    const merged = mergeSummaries(parts);
    merged.shard = shardName;
    return merged;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The sum of several summaries' counts; the longest of their times (shards run side by side). */
function mergeSummaries(parts: Summary[]): Summary {
  const out: Summary = { seed: parts[0]!.seed, shard: parts.map((p) => p.shard).join(' + '), kinds: {}, failures: [] };
  for (const p of parts) {
    for (const [kind, s] of Object.entries(p.kinds) as [FuzzKind, KindSummary][]) {
      const k = (out.kinds[kind] ??= { inputs: 0, accepted: 0, rejected: 0, failures: 0, checked: 0, seconds: 0 });
      k.inputs += s.inputs;
      k.accepted += s.accepted;
      k.rejected += s.rejected;
      k.failures += s.failures;
      k.checked += s.checked;
      k.seconds = Math.max(k.seconds, s.seconds);
    }
    out.failures.push(...p.failures);
  }
  return out;
}

function printSummary(s: Summary, what: string): void {
  for (const [kind, k] of Object.entries(s.kinds) as [FuzzKind, KindSummary][]) {
    const checked = kind === 'programs' ? `${k.checked} distinct kernels validated` : `${k.checked} also run through dlc`;
    const [accepted, rejected] = kind === 'programs' ? ['compiled', 'rejected with diagnostics'] : ['accepted', 'refused with a user error'];
    process.stdout.write(`fuzz ${kind}: ${k.inputs} inputs: ${k.accepted} ${accepted}, ${k.rejected} ${rejected}, ${checked}, ${k.failures} failures, ${k.seconds.toFixed(1)} s (${(k.inputs / Math.max(k.seconds, 1e-9)).toFixed(2)} inputs/s)\n`);
  }
  for (const f of s.failures) process.stdout.write(`${f.line}\n  rerun: ${f.rerun}\n`);
  if (s.failures.length) {
    process.stdout.write(`\n${s.failures.length} failures written to fuzz-failures/; by class:\n`);
    for (const c of failureClassesOfLines(s.failures.map((f) => f.line))) process.stdout.write(`${String(c.count).padStart(6)}  ${c.class}\n`);
  }
  process.stdout.write(`(${what})\n`);
}

/** Failures counted per class from their lines ("kind seed S #I [class] recipe"). */
function failureClassesOfLines(lines: string[]): { class: string; count: number }[] {
  const by = new Map<string, number>();
  for (const l of lines) {
    const m = /^(\w+) seed \d+ #\d+ \[([^\]]*)\]/.exec(l);
    const key = m ? `${m[1]}: ${m[2]}` : l;
    by.set(key, (by.get(key) ?? 0) + 1);
  }
  return [...by].map(([c, n]) => ({ class: c, count: n })).sort((a, b) => b.count - a.count);
}
