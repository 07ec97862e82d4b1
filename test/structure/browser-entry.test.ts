// The browser entry (browser.ts, published as `dlc/browser`) reaches no Node module: its whole import
// graph, type-only imports included, is walked from the source with ts.preProcessFile, and every
// package it names must be one that runs in a page. The package test bundles the built entry too.
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.ts';

/** Packages the browser entry may import: plain JavaScript that runs in a page. */
const BROWSER_PACKAGES = new Set(['chevrotain', '@dagrejs/dagre']);

interface Reach {
  /** Project files reached, relative to the root. */
  files: Set<string>;
  /** Each bare specifier (a package or a node: module) and the first file that imports it. */
  packages: Map<string, string>;
}

/** Every project file and package reachable from `entry` through imports and re-exports. */
function reach(entry: string): Reach {
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const pending = [resolve(ROOT, entry)];
  while (pending.length > 0) {
    const file = pending.pop()!;
    const rel = relative(ROOT, file);
    if (files.has(rel)) continue;
    files.add(rel);
    for (const { fileName } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (fileName.startsWith('.')) pending.push(resolve(dirname(file), fileName));
      else if (!packages.has(fileName)) packages.set(fileName, rel);
    }
  }
  return { files, packages };
}

/** A specifier that names a Node built-in module, with or without the node: prefix. */
const isNodeModule = (name: string): boolean => name.startsWith('node:') || builtinModules.includes(name.split('/')[0]!);

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
