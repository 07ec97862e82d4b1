// The inference entry (infer.ts, published as `dlc/infer`) runs an exported model without the
// compiler and without Node: its whole import graph, type-only imports included, holds no file of
// compiler/, no *-node.ts file, no Node module, no Dawn and no package at all. The bundle test
// (test/package/infer-bundle.test.ts) measures what it costs a page.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isNodeModule, reach } from '../helpers/import-reach.ts';

describe('the inference entry', () => {
  const infer = reach('infer.ts');

  it('walks the inference runtime', () => {
    expect(infer.files).toContain(join('runtime', 'inference.ts'));
    expect(infer.files).toContain(join('runtime', 'inference-manifest.ts'));
    expect(infer.files).toContain(join('runtime', 'safetensors.ts'));
  });

  it('imports nothing from the compiler', () => {
    expect([...infer.files].filter((f) => f.startsWith(`compiler${'/'}`))).toEqual([]);
  });

  it('imports no package, no Node module and no *-node.ts file', () => {
    expect([...infer.packages.keys()]).toEqual([]);
    expect([...infer.files].filter((f) => /-node\.ts$/.test(f))).toEqual([]);
  });

  it('the same walk from the export command reaches the compiler (so the check above can fail)', () => {
    const exporter = reach(join('cli', 'export.ts'));
    expect(exporter.files).toContain(join('compiler', 'compile.ts'));
    expect([...exporter.packages.keys()].some(isNodeModule)).toBe(true);
  });
});
