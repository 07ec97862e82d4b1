// What the artifact and data fuzzers share: their options and report, a temporary folder per
// input, the hazards that stand in for a file (FIFO, folder, /dev/zero, huge sparse file), and the
// loop that runs inputs, judges them and collects failures.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstProjectFrame, type Failure, type FuzzKind } from './fuzz-oracle.ts';
import { Sandbox } from './fuzz-sandbox.ts';

export interface FileFuzzOptions {
  seed: number;
  count: number;
  /** Input indices to run (default 0..count-1): to rerun one failing input. */
  indices?: number[];
  /** Every `gpuEvery`-th input the loader accepts also runs through `dlc` on the real adapter (0: never). */
  gpuEvery?: number;
  /** Only these samples (by name) go to the GPU, e.g. the small ones in CI (default: all). */
  gpuModels?: string[];
  /**
   * The samples inputs are made from (default: every sample). A test names its own list so that a
   * new sample does not change which inputs a seed makes.
   */
  models?: string[];
  /** Deadline of one load or read in the sandbox (ms). */
  deadlineMs?: number;
  /** Deadline of one `dlc` run (ms). */
  cliDeadlineMs?: number;
  /** Inputs done so far and failures found so far (at most every input). */
  onProgress?: (done: number, failures: number) => void;
  /** Told of each failure as it is found, so a run stopped early keeps what it found. */
  onFailure?: (f: Failure) => void;
}

export interface FileFuzzReport {
  inputs: number;
  /** Inputs the loader or reader accepted. */
  accepted: number;
  /** Inputs refused with a user error. */
  rejected: number;
  /** Inputs also run through `dlc` (most reach the GPU). */
  cliRuns: number;
  failures: Failure[];
  seconds: number;
}

/** CPU time one loader or reader probe may use: inputs inside dlc's limits (an .npz member of 512 MiB) take seconds; a hang never ends. */
export const DEFAULT_DEADLINE_MS = 15_000;
export const DEFAULT_CLI_DEADLINE_MS = 60_000;

/** What one input's run found, for the loop to record. */
export interface InputResult {
  accepted: boolean;
  cli: boolean;
  problems: { problem: string; detail: string }[];
  recipe: string[];
  files: Record<string, Uint8Array | string>;
}

/**
 * Runs inputs `0..count-1` (or `indices`) of one kind: `one` builds input `index` in `dir` (a fresh
 * folder, removed after) and judges it. Failures carry the seed, index, recipe and input files.
 */
export async function runInputs(kind: FuzzKind, opts: FileFuzzOptions, one: (index: number, dir: string, sandbox: Sandbox) => Promise<InputResult>): Promise<FileFuzzReport> {
  const root = mkdtempSync(join(tmpdir(), `dlc-fuzz-${kind}-`));
  const sandbox = new Sandbox();
  const report: FileFuzzReport = { inputs: 0, accepted: 0, rejected: 0, cliRuns: 0, failures: [], seconds: 0 };
  const start = performance.now();
  const indices = opts.indices ?? Array.from({ length: opts.count }, (_, i) => i);
  try {
    for (const [n, index] of indices.entries()) {
      if (n > 0) opts.onProgress?.(n, report.failures.length);
      const dir = join(root, String(index));
      mkdirSync(dir);
      let r: InputResult;
      try {
        r = await one(index, dir, sandbox);
      } catch (err) {
        // A bug in the fuzzer's own generation: reported with the input's seed and index, and the run goes on.
        r = { accepted: false, cli: false, problems: [{ problem: `fuzzer bug (not dlc's): ${(err as Error).name} at ${firstProjectFrame((err as Error).stack, true)}`, detail: String((err as Error).stack) }], recipe: [], files: {} };
      }
      rmSync(dir, { recursive: true, force: true });
      report.inputs++;
      if (r.accepted) report.accepted++;
      else report.rejected++;
      if (r.cli) report.cliRuns++;
      for (const p of r.problems) {
        const f: Failure = { kind, seed: opts.seed, index, class: p.problem, detail: p.detail, recipe: r.recipe.join('; '), files: r.files, ...(opts.models ? { models: opts.models } : {}), ...(r.cli ? { viaDlc: true } : {}) };
        report.failures.push(f);
        opts.onFailure?.(f);
      }
    }
  } finally {
    sandbox.close();
    rmSync(root, { recursive: true, force: true });
  }
  report.seconds = (performance.now() - start) / 1000;
  return report;
}

/** A hazard that stands in for a regular file. */
export type Hazard = 'fifo' | 'directory' | 'dev-zero' | 'huge-sparse' | 'symlink-loop';

/** Puts `hazard` at `path`: a FIFO nobody writes, a folder, a link to /dev/zero, a 640 MiB sparse file, a link to itself. */
export function placeHazard(path: string, hazard: Hazard): void {
  switch (hazard) {
    case 'fifo': {
      const r = spawnSync('mkfifo', [path]);
      if (r.status !== 0) throw new Error(`mkfifo ${path} failed: ${r.stderr}`);
      return;
    }
    case 'directory': mkdirSync(path); return;
    case 'dev-zero': symlinkSync('/dev/zero', path); return;
    case 'symlink-loop': symlinkSync(path, path); return;
    default: {
      const fd = openSync(path, 'w');
      ftruncateSync(fd, 640 * 2 ** 20);
      closeSync(fd);
    }
  }
}
