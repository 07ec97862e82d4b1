// The browser entry (browser.ts, published as `dlc/browser`) reaches no Node module: its whole import
// graph, type-only imports included, is walked from the source with ts.preProcessFile, and every
// package it names must be one that runs in a page. The package test bundles the built entry too.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isNodeModule, reach } from '../helpers/import-reach.ts';

/** Packages the browser entry may import: plain JavaScript that runs in a page. */
const BROWSER_PACKAGES = new Set(['chevrotain', '@dagrejs/dagre']);

describe('the browser entry', () => {
  const browser = reach('browser.ts');

  it('walks the compiler and the runtime', () => {
    expect(browser.files).toContain(join('compiler', 'compile.ts'));
    expect(browser.files).toContain(join('runtime', 'session.ts'));
    expect(browser.files.size).toBeGreaterThan(50);
  });

  it('imports no Node module, no Dawn and no *-node.ts file', () => {
    const offending = [...browser.packages].filter(([name]) => isNodeModule(name) || name === 'webgpu').map(([name, file]) => `${file} imports ${name}`);
    expect(offending).toEqual([]);
    expect([...browser.files].filter((f) => /-node\.ts$/.test(f))).toEqual([]);
  });

  it('imports only packages that run in a page', () => {
    expect([...browser.packages.keys()].filter((name) => !BROWSER_PACKAGES.has(name))).toEqual([]);
  });

  it('the walk finds the Node modules the Node entry imports (so the check above can fail)', () => {
    const node = reach('index.ts');
    expect([...node.packages.keys()].filter(isNodeModule)).toContain('node:fs');
    expect(node.packages.has('webgpu')).toBe(true);
  });
});
