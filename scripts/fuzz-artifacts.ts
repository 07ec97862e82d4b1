// The artifact fuzzer: each sample compiled once, then mutated (manifest, kernel text, folder
// layout), written to a folder and loaded by the artifact loader (runtime/artifact-node.ts, which
// checks the manifest) in the sandbox: a user error or a loaded artifact, within a deadline and a
// memory bound, never through a symlink that leaves the folder. Every gpuEvery-th loaded input
// also runs through `dlc eval`, `predict` or `train` on the real adapter (Session.create and a
// step), with --out in its folder: nothing outside --out may change.
import { cpSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LEAVES_FOLDER, mutateArtifact, type ArtifactInput, type LayoutEdit } from './fuzz-artifact-mutations.ts';
import { checkedDlc } from './fuzz-cli.ts';
import { makeDataCase } from './fuzz-data-files.ts';
import { encode } from './fuzz-data-mutations.ts';
import { sampleModels, writeArtifactFolder, type SampleModel } from './fuzz-models.ts';
import { inputRng, pick } from './fuzz-mutate.ts';
import { probeProblems } from './fuzz-oracle.ts';
import { probeLimits } from './fuzz-sandbox.ts';
import { DEFAULT_CLI_DEADLINE_MS, DEFAULT_DEADLINE_MS, placeHazard, runInputs, type FileFuzzOptions, type FileFuzzReport, type InputResult } from './fuzz-run.ts';
import type { Rng } from '../runtime/random.ts';

/** Runs the artifact fuzzer; see FileFuzzOptions. */
export function fuzzArtifacts(opts: FileFuzzOptions): Promise<FileFuzzReport> {
  const limits = probeLimits(opts.deadlineMs ?? DEFAULT_DEADLINE_MS);
  let eligible = 0;
  return runInputs('artifacts', opts, async (index, dir, sandbox) => {
    const rng = inputRng(opts.seed, index);
    const model = pick(rng, sampleModels(opts.models));
    const input = mutateArtifact(model.artifact, rng);
    const files = writeInput(join(dir, 'artifact'), join(dir, 'outside'), input);
    const recipe = [model.name, ...input.recipe];
    const outcome = await sandbox.run({ kind: 'artifact', dir: join(dir, 'artifact') }, limits);
    const problems = probeProblems(outcome, limits);
    const accepted = outcome.status === 'ok';
    const leaving = input.layout.find((l) => LEAVES_FOLDER.includes(l.edit));
    if (accepted && leaving) problems.push({ problem: 'accepted: read through a symlink that leaves the artifact folder', detail: leaving.edit });
    const gpu = accepted && !problems.length && !!opts.gpuEvery && (!opts.gpuModels || opts.gpuModels.includes(model.name)) && ++eligible % opts.gpuEvery === 0;
    if (gpu) {
      const p = await runCli(model, dir, rng, opts.cliDeadlineMs ?? DEFAULT_CLI_DEADLINE_MS);
      if (p) problems.push(p);
    }
    return { accepted, cli: gpu, problems, recipe, files };
  });
}

/**
 * Writes the mutated artifact folder, then applies its layout edits; `outside` is a sibling folder
 * symlinks may point into. Returns the files as written, for a failure's reproducer.
 */
function writeInput(dir: string, outside: string, input: ArtifactInput): InputResult['files'] {
  writeArtifactFolder(dir, input);
  const files: InputResult['files'] = { 'artifact/manifest.json': input.manifestText };
  for (const [f, t] of Object.entries(input.shaders)) files[`artifact/kernels/${f}`] = t;
  mkdirSync(outside, { recursive: true });
  for (const { edit, file } of input.layout) {
    try {
      applyLayoutEdit(edit, dir, join(dir, 'kernels', file ?? 'none.wgsl'), join(outside, `copy-${file}`), outside);
    } catch {
      // An earlier edit took away what this one changes (kernels/ is a file now): nothing to do.
    }
  }
  return files;
}

/** Applies one layout edit; `kernel` is the kernel file it concerns, `kernelOutside` where its copy goes. */
function applyLayoutEdit(edit: LayoutEdit, dir: string, kernel: string, kernelOutside: string, outside: string): void {
  const manifest = join(dir, 'manifest.json');
  const replace = (path: string): void => rmSync(path, { recursive: true, force: true });
  switch (edit) {
    case 'missing-kernel': replace(kernel); break;
    case 'extra-files':
      writeFileSync(join(dir, 'kernels', 'extra.wgsl'), 'fn main() {}');
      writeFileSync(join(dir, 'manifest.json~'), '{');
      mkdirSync(join(dir, 'kernels', 'sub.wgsl'), { recursive: true });
      break;
    case 'kernel-is-folder': replace(kernel); mkdirSync(kernel); break;
    case 'kernels-is-file': replace(join(dir, 'kernels')); writeFileSync(join(dir, 'kernels'), ''); break;
    case 'manifest-missing': replace(manifest); break;
    case 'manifest-is-folder': replace(manifest); mkdirSync(manifest); break;
    case 'kernel-link-outside': linkOutside(kernel, kernelOutside); break;
    case 'manifest-link-outside': linkOutside(manifest, join(outside, 'manifest.json')); break;
    case 'kernels-link-outside': linkOutside(join(dir, 'kernels'), join(outside, 'kernels')); break;
    case 'manifest-fifo': replace(manifest); placeHazard(manifest, 'fifo'); break;
    case 'manifest-huge': replace(manifest); placeHazard(manifest, 'huge-sparse'); break;
    case 'manifest-dev-zero': replace(manifest); placeHazard(manifest, 'dev-zero'); break;
    case 'kernel-fifo': replace(kernel); placeHazard(kernel, 'fifo'); break;
    case 'kernel-dev-zero': replace(kernel); placeHazard(kernel, 'dev-zero'); break;
  }
}

/** Moves `path` (file or folder, if it is still there) to `target` outside the folder and links it back. */
function linkOutside(path: string, target: string): void {
  try {
    cpSync(path, target, { recursive: true });
  } catch {
    return; // an earlier edit removed it
  }
  rmSync(path, { recursive: true, force: true });
  symlinkSync(target, path);
}

/** Runs the loaded artifact through dlc (eval, predict or train) with valid weights and data. */
async function runCli(model: SampleModel, dir: string, rng: Rng, deadlineMs: number): Promise<{ problem: string; detail: string } | null> {
  writeFileSync(join(dir, 'data.npz'), encode(makeDataCase(model, 'npz', model.artifact.manifest.batch, rng)));
  writeFileSync(join(dir, 'weights.safetensors'), model.weights);
  mkdirSync(join(dir, 'out'));
  const command = pick(rng, ['eval', 'predict', 'train']);
  // dlc's own deadline for a step or batch, well inside the judge's: a manifest that asks for
  // 100,000 dispatches of a convolution must end in dlc's timeout message, not the judge's kill
  // (without it the first step's deadline is 300 s).
  const timeout = String(Math.max(1, Math.round(deadlineMs / 6000)));
  const common = ['artifact', '--data', 'data.npz', '--timeout', timeout];
  if (command === 'eval') return checkedDlc(['eval', ...common, '--weights', 'weights.safetensors'], dir, 'out', deadlineMs);
  if (command === 'predict') return checkedDlc(['predict', ...common, '--weights', 'weights.safetensors', '--out', 'out/preds.csv'], dir, 'out', deadlineMs);
  return checkedDlc(['train', ...common, '--epochs', '1', '--out', 'out'], dir, 'out', deadlineMs);
}
