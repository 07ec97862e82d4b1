// Transfer learning on the command line: which weights file a run starts from (--init-from or the
// train section's init_from) and the report of what it loaded.
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Manifest } from '../compiler/artifact.ts';
import { printable } from '../dsl/printable.ts';
import type { InitReport } from '../runtime/weights-node.ts';
import { UserError } from './errors.ts';
import type { CliOptions } from './options.ts';

/**
 * The weights file to start from: --init-from (relative to the working folder), else the train
 * section's init_from (relative to the .dl file, or to the compiled folder). A missing file is
 * refused before any work, with the .dl line that names it.
 */
export function initFromFile(file: string, m: Manifest, opts: CliOptions): { path: string } | undefined {
  if (opts.initFrom !== undefined && opts.resume) throw new UserError('use either --init-from or --resume, not both (a checkpoint holds the weights to continue from)');
  if (opts.resume) return undefined;
  if (opts.initFrom !== undefined) {
    if (!isFile(opts.initFrom)) throw new UserError(`--init-from: no file ${printable(opts.initFrom)}`);
    return { path: opts.initFrom };
  }
  const written = m.train.initFrom;
  if (!written) return undefined;
  const base = file.endsWith('.dl') ? dirname(file) : file;
  const path = resolve(base, written.path);
  if (!isFile(path)) {
    const where = file.endsWith('.dl') ? `${printable(file)}:${written.line}` : `${printable(file)} (train section, line ${written.line})`;
    throw new UserError(`${where}: init_from names ${printable(written.path)}, which does not exist (looked for ${printable(path)})`);
  }
  return { path };
}

const isFile = (path: string): boolean => existsSync(path) && statSync(path).isFile();

/** How many tensors came from the file, and the names of those that did not (or were not used). */
export function initReportText(path: string, r: InitReport): string {
  const list = (names: string[]): string => (names.length > 8 ? `${names.slice(0, 8).join(', ')}, ... (${names.length - 8} more)` : names.join(', '));
  const lines = [`init from ${printable(path)}: loaded ${r.loaded.length} tensor${r.loaded.length === 1 ? '' : 's'}, missing ${r.missing.length}, shape mismatch ${r.mismatched.length}`];
  if (r.loaded.length) lines.push(`  loaded: ${list(r.loaded)}`);
  if (r.missing.length) lines.push(`  missing (initialised afresh): ${list(r.missing)}`);
  for (const x of r.mismatched) lines.push(`  shape mismatch (initialised afresh): ${x.name} is [${x.file.join(', ')}] in the file, [${x.model.join(', ')}] in the model`);
  if (r.unused.length) lines.push(`  in the file, not in the model: ${list(r.unused.map((n) => printable(n)))}`);
  return lines.join('\n');
}
