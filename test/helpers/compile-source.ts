// Compiling a test program as `net.dl`: one that must compile (no diagnostics) and one that must
// not (its diagnostics as the CLI prints them).
import { expect } from 'vitest';
import { compile, type CompileResult } from '../../compiler/compile.ts';
import { formatDiagnostics } from '../../dsl/diagnostics.ts';

/** Compiles `src`, which must give no diagnostic. */
export function compiles(src: string): CompileResult {
  const r = compile(src, { file: 'net.dl' });
  expect(formatDiagnostics(r.diagnostics, src)).toBe('');
  expect(r.ok).toBe(true);
  return r;
}

/** The formatted diagnostics of `src`, which must not compile (and must leave no artifact). */
export function errors(src: string): string {
  const r = compile(src, { file: 'net.dl' });
  expect(r.ok).toBe(false);
  expect(r.artifact).toBeUndefined();
  return formatDiagnostics(r.diagnostics, src);
}
