// npm run golden: checks the text goldens (test/golden/) against the compiler; with --update,
// rewrites them (then review the diff: every changed line is a change in the IR or a kernel).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { scriptArgs } from './args.ts';
import { checkedInGoldens, GOLDEN_DIR, goldenDifferences, goldenFiles } from './golden-files.ts';

const values = scriptArgs('golden', { update: { type: 'boolean', default: false } });
const want = goldenFiles();
const diff = goldenDifferences(want, checkedInGoldens());
const count = diff.changed.length + diff.missing.length + diff.stale.length;
if (values.update) {
  for (const p of diff.stale) rmSync(join(GOLDEN_DIR, p));
  for (const p of [...diff.changed, ...diff.missing]) {
    mkdirSync(dirname(join(GOLDEN_DIR, p)), { recursive: true });
    writeFileSync(join(GOLDEN_DIR, p), want.get(p)!);
  }
  process.stdout.write(`golden: ${diff.changed.length} changed, ${diff.missing.length} added, ${diff.stale.length} removed (of ${want.size} files)\n`);
} else {
  for (const [what, paths] of [['changed', diff.changed], ['missing', diff.missing], ['stale', diff.stale]] as const) {
    for (const p of paths) process.stdout.write(`${what}: test/golden/${p}\n`);
  }
  process.stdout.write(count ? `golden: ${count} of ${want.size} files differ; run npm run golden -- --update and review the diff\n` : `golden: ${want.size} files match\n`);
  process.exitCode = count ? 1 : 0;
}
