// Reading and compiling a .dl file for a command: the one place the CLI turns a path into a
// compiled program (its own module so that command files need not import cli/main.ts).
import { compile, type CompileOptions, type CompileResult } from '../compiler/compile.ts';
import { formatDiagnostics } from '../dsl/diagnostics.ts';
import { readFileBounded } from '../runtime/data/read-bounded-node.ts';
import { ReportedError } from './errors.ts';
import type { CliOptions } from './options.ts';

/** Largest .dl file read: far beyond any program, small enough that a mistaken path fails at once. */
export const MAX_SOURCE_BYTES = 64 * 2 ** 20;

/** A .dl file's text, read bounded (see compileFile). */
export function readSource(file: string): string {
  return new TextDecoder().decode(readFileBounded(file, { limit: MAX_SOURCE_BYTES }));
}

/**
 * Reads (bounded: a regular file of at most MAX_SOURCE_BYTES, so a FIFO or /dev/zero is refused
 * at once) and compiles a .dl file; prints diagnostics and throws ReportedError when it has errors.
 */
export async function compileFile(file: string, opts: CliOptions, extra: Pick<CompileOptions, 'fuse' | 'target'> = {}): Promise<CompileResult> {
  const source = readSource(file);
  const r = compile(source, { file, ...extra, ...(opts.dumpIr ? { dumpIr: opts.dumpIr } : {}), ...(opts.clip ? { clip: opts.clip } : {}), ...(opts.model !== undefined ? { model: opts.model } : {}), ...(opts.batch !== undefined ? { batch: opts.batch } : {}) });
  if (!r.ok) {
    const n = r.diagnostics.length;
    process.stderr.write(`${formatDiagnostics(r.diagnostics, source)}\n${n} error${n === 1 ? '' : 's'}\n`);
    throw new ReportedError();
  }
  return r;
}
