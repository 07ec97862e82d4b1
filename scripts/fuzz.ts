// npm run fuzz -- [--kind programs|artifacts|data|all] [--count N] [--seed S] [--gpu-every N]
// [--index I] [--deadline-ms MS] [--gpu-deadline-ms MS]: the fuzzers at length. programs: mutated
// .dl programs through the compiler, every distinct kernel validated by Dawn (100,000 by default);
// artifacts: mutated `dlc compile` output through the artifact loader (2,000); data: mutated data,
// weight and checkpoint files through the CLI's readers (2,000). Every gpuEvery-th accepted artifact
// or data file also runs through dlc on the real adapter. Each failure prints one classified line
// and is written to fuzz-failures/ with its input and the command that reruns it.
import { openDevice } from '../runtime/device-node.ts';
import { fail, intOption, scriptArgs } from './args.ts';
import { fuzzArtifacts } from './fuzz-artifacts.ts';
import { fuzzData } from './fuzz-data.ts';
import { dawnValidator, fuzz } from './fuzz-engine.ts';
import { failureClasses, failureLine, programFailure, writeFailure } from './fuzz-failures.ts';
import type { Failure, FuzzKind } from './fuzz-oracle.ts';
import type { FileFuzzOptions } from './fuzz-run.ts';

const KINDS: FuzzKind[] = ['programs', 'artifacts', 'data'];
const DEFAULT_COUNT: Record<FuzzKind, number> = { programs: 100_000, artifacts: 2000, data: 2000 };

const values = scriptArgs('fuzz', {
  kind: { type: 'string', default: 'all' }, count: { type: 'string' }, seed: { type: 'string', default: '1' },
  'gpu-every': { type: 'string', default: '50' }, index: { type: 'string' },
  'deadline-ms': { type: 'string', default: '15000' }, 'gpu-deadline-ms': { type: 'string', default: '60000' },
});
if (values.kind !== 'all' && !(KINDS as string[]).includes(values.kind!)) fail('fuzz', `--kind must be one of ${KINDS.join(', ')} or all, got '${values.kind}'`);
const kinds = values.kind === 'all' ? KINDS : [values.kind as FuzzKind];
const seed = intOption('fuzz', 'seed', values.seed, 0, 2 ** 32 - 1);
const count = values.count === undefined ? undefined : intOption('fuzz', 'count', values.count, 1);
const index = values.index === undefined ? undefined : intOption('fuzz', 'index', values.index, 0);
if (index !== undefined && kinds.includes('programs')) fail('fuzz', '--index reruns one artifact or data input (give --kind artifacts or data); a program failure is rerun from its input.dl');
const gpuEvery = intOption('fuzz', 'gpu-every', values['gpu-every'], 0);
const deadlineMs = intOption('fuzz', 'deadline-ms', values['deadline-ms'], 1);
const cliDeadlineMs = intOption('fuzz', 'gpu-deadline-ms', values['gpu-deadline-ms'], 1);

const progress = (kind: FuzzKind, total: number): ((done: number) => void) => {
  let last = performance.now();
  return (done) => {
    if (performance.now() - last < 10_000) return;
    last = performance.now();
    process.stderr.write(`fuzz ${kind}: ${done} of ${total}\n`);
  };
};

const failures: Failure[] = [];
for (const kind of kinds) {
  const n = count ?? DEFAULT_COUNT[kind];
  if (kind === 'programs') {
    const handle = await openDevice('gles');
    const r = await fuzz({ seed, count: n, validate: dawnValidator(handle.device), onProgress: progress(kind, n) });
    handle.destroy();
    process.stdout.write(`fuzz programs: ${r.inputs} inputs (seed ${seed}): ${r.compiled} compiled, ${r.rejected} rejected with diagnostics, ${r.shadersChecked} distinct kernels validated, ${r.failures.length} failures, ${r.seconds.toFixed(1)} s\n`);
    failures.push(...r.failures.map((f) => programFailure(f, seed)));
    continue;
  }
  const opts: FileFuzzOptions = { seed, count: n, gpuEvery, deadlineMs, cliDeadlineMs, onProgress: progress(kind, n), ...(index !== undefined ? { indices: [index] } : {}) };
  const r = await (kind === 'artifacts' ? fuzzArtifacts(opts) : fuzzData(opts));
  process.stdout.write(`fuzz ${kind}: ${r.inputs} inputs (seed ${seed}): ${r.accepted} accepted, ${r.rejected} refused with a user error, ${r.cliRuns} also run through dlc, ${r.failures.length} failures, ${r.seconds.toFixed(1)} s\n`);
  failures.push(...r.failures);
}
for (const f of failures) {
  writeFailure('fuzz-failures', f);
  process.stdout.write(`${failureLine(f)}\n`);
}
if (failures.length) {
  process.stdout.write(`\n${failures.length} failures written to fuzz-failures/; by class:\n`);
  for (const c of failureClasses(failures)) process.stdout.write(`${String(c.count).padStart(6)}  ${c.class} (first: #${c.first.index})\n`);
}
process.exitCode = failures.length ? 1 : 0;
