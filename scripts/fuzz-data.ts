// The data fuzzer: valid data files (CSV, .npy, .npz, IDX, safetensors weights and checkpoints)
// generated for a sample model, mutated, and read by the readers the CLI uses (cli/data.ts,
// runtime/data/*, runtime/weights-node.ts) in the sandbox: a user error or samples that fit the
// model, within a deadline and a memory bound. Every gpuEvery-th accepted input also runs through
// `dlc eval`, `predict` or `train` with --out in its folder, and nothing outside --out may change.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkedDlc } from './fuzz-cli.ts';
import { makeDataCase, type DataCase, type DataFormat } from './fuzz-data-files.ts';
import { encode, mutateData } from './fuzz-data-mutations.ts';
import { sampleModels, writeArtifactFolder, type SampleModel } from './fuzz-models.ts';
import { inputRng, pick } from './fuzz-mutate.ts';
import { probeProblems } from './fuzz-oracle.ts';
import { probeLimits } from './fuzz-sandbox.ts';
import { DEFAULT_CLI_DEADLINE_MS, DEFAULT_DEADLINE_MS, placeHazard, runInputs, type FileFuzzOptions, type FileFuzzReport, type InputResult } from './fuzz-run.ts';
import type { Probe } from './fuzz-probes.ts';
import type { Rng } from '../runtime/random.ts';

const FORMATS: DataFormat[] = ['csv', 'npy', 'npz', 'idx', 'weights', 'checkpoint'];

/** Runs the data fuzzer; see FileFuzzOptions. */
export function fuzzData(opts: FileFuzzOptions): Promise<FileFuzzReport> {
  const limits = probeLimits(opts.deadlineMs ?? DEFAULT_DEADLINE_MS);
  let eligible = 0;
  return runInputs('data', opts, async (index, dir, sandbox) => {
    const rng = inputRng(opts.seed, index);
    const model = pick(rng, sampleModels(opts.models));
    const format = pick(rng, FORMATS);
    // Mostly a batch or more (enough to train on), sometimes a few rows (fewer than a batch).
    const rows = rng.next() < 0.7 ? model.artifact.manifest.batch + rng.int(3) : 1 + rng.int(6);
    const c = makeDataCase(model, format, rows, rng);
    const input = mutateData(c, rng);
    const files: InputResult['files'] = {};
    const path = join(dir, c.name);
    if (input.hazard) placeHazard(path, input.hazard);
    else writeFileSync(path, files[c.name] = input.bytes);
    if (input.labels) writeFileSync(join(dir, input.labels.name), files[input.labels.name] = input.labels.bytes);
    const recipe = [`${model.name}, ${c.name}`, ...input.recipe];
    const outcome = await sandbox.run(probeFor(c, path, dir), limits);
    const problems = probeProblems(outcome, limits, input.inflates);
    const accepted = outcome.status === 'ok';
    const cli = accepted && !problems.length && !!opts.gpuEvery && (!opts.gpuModels || opts.gpuModels.includes(model.name)) && ++eligible % opts.gpuEvery === 0;
    if (!cli) return { accepted, cli, problems, recipe, files };
    const cliProblem = await runCli(c, model, dir, rng, opts.cliDeadlineMs ?? DEFAULT_CLI_DEADLINE_MS);
    return { accepted, cli: true, problems: cliProblem ? [cliProblem] : [], recipe, files };
  });
}

/** What the sandbox reads: the samples of a data file (as `dlc train --data` does), or weights, or a checkpoint. */
function probeFor(c: DataCase, path: string, dir: string): Probe {
  const manifest = c.model.artifact.manifest;
  if (c.format === 'weights' || c.format === 'checkpoint') return { kind: c.format, path, manifest };
  const opts = { ...c.opts, ...(c.opts.labels ? { labels: join(dir, c.opts.labels) } : {}) };
  return { kind: 'samples', path, manifest, opts, labelsOptional: false };
}

/**
 * Runs the accepted file through dlc with a valid artifact and whatever else it needs (weights,
 * data), from `dir`, with --out inside it.
 */
async function runCli(c: DataCase, model: SampleModel, dir: string, rng: Rng, deadlineMs: number): Promise<{ problem: string; detail: string } | null> {
  const a = model.artifact;
  writeArtifactFolder(join(dir, 'artifact'), { manifestText: JSON.stringify(a.manifest), shaders: a.shaders });
  const valid = makeDataCase(model, 'npz', a.manifest.batch, rng);
  writeFileSync(join(dir, 'valid.npz'), encode(valid));
  writeFileSync(join(dir, 'valid.safetensors'), model.weights);
  const labels = c.opts.labels ? ['--labels', c.opts.labels] : [];
  const label = c.opts.label ? ['--label', c.opts.label.join(',')] : [];
  mkdirSync(join(dir, 'out'));
  if (c.format === 'checkpoint') {
    // The mutated checkpoint is the one --resume reads.
    writeFileSync(join(dir, 'out', 'checkpoint.safetensors'), readFileSync(join(dir, c.name)));
    return checkedDlc(['train', 'artifact', '--data', 'valid.npz', '--resume', '--epochs', '2', '--out', 'out'], dir, 'out', deadlineMs);
  }
  const weights = c.format === 'weights' ? c.name : 'valid.safetensors';
  const data = c.format === 'weights' ? ['--data', 'valid.npz'] : ['--data', c.name, ...labels, ...label];
  const command = c.format === 'weights' ? pick(rng, ['eval', 'predict']) : pick(rng, ['eval', 'predict', 'train']);
  if (command === 'eval') return checkedDlc(['eval', 'artifact', '--weights', weights, ...data], dir, 'out', deadlineMs);
  if (command === 'predict') return checkedDlc(['predict', 'artifact', '--weights', weights, ...data, '--out', 'out/preds.csv'], dir, 'out', deadlineMs);
  return checkedDlc(['train', 'artifact', ...data, '--epochs', '1', '--out', 'out'], dir, 'out', deadlineMs);
}
