// Where `dlc train` writes its run. A folder that already holds a trained run is never replaced
// silently: without --out a new run goes to the next runs/<model>/version_N; an --out that holds
// one is refused unless --overwrite (or --resume, which continues it).
import { lstatSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { printable } from '../dsl/printable.ts';
import { TOKENIZER_FILE } from '../runtime/data/tokenizer-node.ts';
import { UserError } from './errors.ts';
import type { CliOptions } from './options.ts';

/** Files that only a training run writes: a folder holding one holds a run. */
export const RUN_FILES = ['weights.safetensors', 'checkpoint.safetensors', 'best.safetensors'];

const VERSION = /^version_([1-9][0-9]{0,8})$/;

/**
 * The run files in `dir` that are regular files. A link or a folder at one of those names is not a
 * run; the output checks refuse it later with its own reason.
 */
function runFilesIn(dir: string): string[] {
  return RUN_FILES.filter((f) => {
    try {
      return lstatSync(join(dir, f)).isFile();
    } catch {
      return false;
    }
  });
}

/** The next free version number in `dir`: one more than the highest version_N there, at least 1. */
function nextVersion(dir: string): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 1;
  }
  return 1 + Math.max(0, ...names.map((n) => Number(VERSION.exec(n)?.[1] ?? 0)));
}

/** The folder a run writes to, and how it was chosen. */
export interface RunFolder {
  path: string;
  /** Set when runs/<model> held a run and this one got runs/<model>/version_N. */
  version?: number;
  /** The folder that held the earlier run. */
  base?: string;
}

/**
 * Chooses the output folder of `dlc train`: --out as given, refused when it already holds a run
 * unless --overwrite or --resume; without --out, runs/<model>, or runs/<model>/version_N (the next
 * free N) when runs/<model> holds a run already.
 * @throws UserError for an --out that holds a run
 */
export function chooseRunFolder(model: string, opts: Pick<CliOptions, 'out' | 'overwrite' | 'resume'>): RunFolder {
  const base = opts.out ?? join('runs', model);
  if (opts.resume || opts.overwrite) return { path: base };
  const held = runFilesIn(base);
  if (held.length === 0) return { path: base };
  if (opts.out !== undefined) {
    throw new UserError(`${printable(base)} already holds a trained run (${held.join(', ')}); add --overwrite to replace it, --resume to continue it, or choose another --out`);
  }
  const version = nextVersion(base);
  return { path: join(base, `version_${version}`), version, base };
}

/** Files a run writes beside its weights that belong to those weights alone. */
const RUN_COMPANIONS = [TOKENIZER_FILE];

/**
 * With --overwrite, removes the earlier run's files this run will not write again (best.safetensors
 * without --save-best, tokenizer.json when this model takes no text), so the folder does not mix
 * two runs. Only regular files are removed.
 */
export function removeStaleRunFiles(dir: string, writes: string[]): void {
  for (const f of [...RUN_FILES, ...RUN_COMPANIONS]) {
    if (writes.includes(f)) continue;
    const path = join(dir, f);
    try {
      if (lstatSync(path).isFile()) unlinkSync(path);
    } catch {
      // Not there: nothing stale.
    }
  }
}
