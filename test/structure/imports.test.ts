// The module structure: no import cycle among compiler/, runtime/, dsl/, cli/ and viz/, and the
// layering of the compiler (ir/ is a core; codegen/ reads only the kernel seam). Imports are read
// with the TypeScript API (ts.preProcessFile), type-only imports included: a cycle of types is
// still a knot to untie.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.ts';

const FOLDERS = ['compiler', 'runtime', 'dsl', 'cli', 'viz'];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Each file (relative to the root) and the project files it imports or re-exports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const folder of FOLDERS) {
    for (const file of sourceFiles(join(ROOT, folder))) {
      const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
      const targets = info.importedFiles
        .map((f) => f.fileName)
        .filter((name) => name.startsWith('.'))
        .map((name) => relative(ROOT, resolve(dirname(file), name)));
      graph.set(relative(ROOT, file), targets);
    }
  }
  return graph;
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('module structure', () => {
  const graph = importGraph();

  it('reads every source file and its imports', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get(join('compiler', 'compile.ts'))).toContain(join('compiler', 'pipeline.ts'));
  });

  it('the cycle finder finds a cycle when there is one', () => {
    const knot = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]);
    expect(cycles(knot)).toEqual([['a', 'b', 'c']]);
    expect(cycles(new Map([['a', ['a']]]))).toEqual([['a']]);
  });

  it('has no import cycle in compiler/, runtime/, dsl/, cli/ or viz/', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('compiler/ir/ imports nothing from passes, codegen or lower', () => {
    const above = [...graph].filter(([f]) => f.startsWith(join('compiler', 'ir') + '/')).flatMap(([f, ts]) => ts.filter((t) => /^compiler\/(passes|codegen|lower)\//.test(t)).map((t) => `${f} -> ${t}`));
    expect(above).toEqual([]);
  });

  it('compiler/codegen/ reads only the kernel seam of the IR (kernel-spec, expr)', () => {
    const allowed = new Set([join('compiler', 'ir', 'kernel-spec.ts'), join('compiler', 'ir', 'expr.ts')]);
    const outside = [...graph]
      .filter(([f]) => f.startsWith(join('compiler', 'codegen') + '/'))
      .flatMap(([f, ts]) => ts.filter((t) => !t.startsWith(join('compiler', 'codegen') + '/') && !allowed.has(t)).map((t) => `${f} -> ${t}`));
    expect(outside).toEqual([]);
  });

  it('compiler/artifact.ts (what the runtime reads) imports nothing from passes', () => {
    expect((graph.get(join('compiler', 'artifact.ts')) ?? []).filter((t) => t.includes('passes'))).toEqual([]);
  });

  it('no module imports cli/main.ts (it runs the command line when imported)', () => {
    expect([...graph].filter(([, ts]) => ts.includes(join('cli', 'main.ts'))).map(([f]) => f)).toEqual([]);
  });
});
