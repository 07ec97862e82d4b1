// Child process for the memory tests of the data readers: reads the data file FILE (features only)
// for the sample model SAMPLE as `dlc train --data` does, and prints how far resident memory rose
// while reading it (the kernel's high-water mark, reset just before) with the type and length of
// the features read; or "unsupported" where the high-water mark cannot be reset. One file per
// process: memory another read freed would be reused unseen.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDataFile } from '../../cli/data.ts';
import { compile } from '../../compiler/compile.ts';
import { ROOT } from './cli.ts';

const [sample, file] = process.argv.slice(2) as [string, string];
const manifest = compile(readFileSync(join(ROOT, 'samples', `${sample}.dl`), 'utf8')).artifact!.manifest;
const highWater = (): number => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;
try {
  writeFileSync('/proc/self/clear_refs', '5');
} catch {
  process.stdout.write('unsupported\n');
  process.exit(0);
}
const base = process.memoryUsage().rss;
const s = readDataFile(file, manifest, {}, true);
const features = Object.values(s.tensors)[0]!;
process.stdout.write(`${JSON.stringify({ rise: highWater() - base, type: features.constructor.name, length: features.length })}\n`);
