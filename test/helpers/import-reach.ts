// What an entry file reaches through imports and re-exports, type-only imports included, read from
// the source with ts.preProcessFile: the project files and the packages (bare specifiers).
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import ts from 'typescript';
import { ROOT } from './cli.ts';

export interface Reach {
  /** Project files reached, relative to the root. */
  files: Set<string>;
  /** Each bare specifier (a package or a node: module) and the first file that imports it. */
  packages: Map<string, string>;
}

/** Every project file and package reachable from `entry` (relative to the root). */
export function reach(entry: string): Reach {
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
export const isNodeModule = (name: string): boolean => name.startsWith('node:') || builtinModules.includes(name.split('/')[0]!);
