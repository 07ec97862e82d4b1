// npm run fuzz -- [--count 100000] [--seed 1]: the front-end fuzzer at length, every distinct kernel
// validated by Dawn's shader compiler (OpenGL ES adapter). Failing inputs go to fuzz-failures/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { intOption, scriptArgs } from './args.ts';
import { openDevice } from '../runtime/device-node.ts';
import { dawnValidator, fuzz } from './fuzz-engine.ts';

const values = scriptArgs('fuzz', { count: { type: 'string', default: '100000' }, seed: { type: 'string', default: '1' } });
const count = intOption('fuzz', 'count', values.count, 1);
const seed = intOption('fuzz', 'seed', values.seed, 0, 2 ** 32 - 1);
const handle = await openDevice('gles');
let last = performance.now();
const report = await fuzz({
  seed, count, validate: dawnValidator(handle.device),
  onProgress: (done) => {
    if (performance.now() - last > 10_000) {
      last = performance.now();
      process.stderr.write(`fuzz: ${done} of ${count}\n`);
    }
  },
});
process.stdout.write(`fuzz: ${report.inputs} inputs (seed ${seed}): ${report.compiled} compiled, ${report.rejected} rejected with diagnostics, ${report.shadersChecked} distinct kernels validated, ${report.failures.length} failures, ${report.seconds.toFixed(1)} s\n`);
if (report.failures.length) {
  mkdirSync('fuzz-failures', { recursive: true });
  report.failures.forEach((f, i) => writeFileSync(`fuzz-failures/${i}.txt`, `${f.problem}\n----\n${f.input}`));
  process.stdout.write(`wrote ${report.failures.length} failing inputs to fuzz-failures/\n`);
}
handle.destroy();
process.exit(report.failures.length ? 1 : 0);
