// Every sample program compiles without diagnostics (the GPU test runs them; this one needs no device).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { formatDiagnostics } from '../../dsl/diagnostics.ts';

const DIR = join(import.meta.dirname, '..', '..', 'samples');
const SAMPLES = readdirSync(DIR).filter((f) => f.endsWith('.dl')).sort();

describe('samples', () => {
  it('include the MNIST, residual, regression and binary programs', () => {
    expect(SAMPLES).toEqual(expect.arrayContaining(['mnist_mlp.dl', 'residual_mlp.dl', 'regression.dl', 'binary.dl']));
  });

  for (const file of SAMPLES) {
    it(`${file} compiles`, () => {
      const source = readFileSync(join(DIR, file), 'utf8');
      const r = compile(source, { file });
      expect(formatDiagnostics(r.diagnostics, source)).toBe('');
      expect(r.ok).toBe(true);
      expect(r.artifact).toBeDefined();
    });
  }
});
