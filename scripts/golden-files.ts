// The text goldens under test/golden/: for each sample, the IR after each pass (ir/NN-pass.txt)
// and the WGSL of every kernel (kernels/*.wgsl). The golden test compares them byte for byte;
// `npm run golden -- --update` rewrites them.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from '../compiler/compile.ts';
import { PASS_NAMES } from '../compiler/pipeline.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const GOLDEN_DIR = join(ROOT, 'test', 'golden');

/** What the goldens should hold: path under test/golden → text. */
export function goldenFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const samples = readdirSync(join(ROOT, 'samples')).filter((f) => f.endsWith('.dl')).sort();
  for (const f of samples) {
    const name = f.slice(0, -'.dl'.length);
    const r = compile(readFileSync(join(ROOT, 'samples', f), 'utf8'), { file: `samples/${f}`, dumpIr: 'all' });
    if (!r.ok) throw new Error(`samples/${f} does not compile: ${r.diagnostics[0]?.message}`);
    for (const d of r.dumps!) files.set(`${name}/ir/${String(PASS_NAMES.indexOf(d.pass) + 1).padStart(2, '0')}-${d.pass}.txt`, `${d.text}\n`);
    for (const [file, wgsl] of Object.entries(r.artifact!.shaders)) files.set(`${name}/kernels/${file}`, wgsl);
  }
  return files;
}

/** What test/golden holds now: path → text. */
export function checkedInGoldens(): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const n of readdirSync(dir)) {
      const p = join(dir, n);
      if (statSync(p).isDirectory()) walk(p);
      else files.set(relative(GOLDEN_DIR, p).split('\\').join('/'), readFileSync(p, 'utf8'));
    }
  };
  try {
    walk(GOLDEN_DIR);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return files;
}

/** Paths that differ, are missing, or are stale (checked in but no longer produced). */
export function goldenDifferences(want: Map<string, string>, have: Map<string, string>): { changed: string[]; missing: string[]; stale: string[] } {
  return {
    changed: [...want].filter(([p, t]) => have.has(p) && have.get(p) !== t).map(([p]) => p),
    missing: [...want.keys()].filter((p) => !have.has(p)),
    stale: [...have.keys()].filter((p) => !want.has(p)),
  };
}
