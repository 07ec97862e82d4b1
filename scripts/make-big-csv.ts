// Writes a large CSV data set and a model that trains on it, to check that training from a file
// larger than memory stays memory bounded (dlc streams CSV files over 64 MiB from disk):
//   npx tsx scripts/make-big-csv.ts --out /tmp/big --mb 1024
//   nice -n 10 /usr/bin/time -v node bin/dlc.js train /tmp/big/big.dl --data /tmp/big/big.csv
// Rows: --features values from one of --classes Gaussian blobs (seeded), then the class label.
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../runtime/random.ts';
import { fail, intOption, scriptArgs } from './args.ts';

const SCRIPT = 'make-big-csv';
const v = scriptArgs(SCRIPT, { out: { type: 'string' }, mb: { type: 'string' }, features: { type: 'string' }, classes: { type: 'string' }, batch: { type: 'string' } });
if (!v.out) fail(SCRIPT, '--out FOLDER is required (big.csv and big.dl are written there)');
const bytes = Number(v.mb ?? '1024') * 2 ** 20;
if (!(bytes > 0)) fail(SCRIPT, `--mb must be a positive number of megabytes, got '${v.mb}'`);
const F = intOption(SCRIPT, 'features', v.features ?? '64', 1, 4096);
const K = intOption(SCRIPT, 'classes', v.classes ?? '4', 2, 1000);
const batch = intOption(SCRIPT, 'batch', v.batch ?? '512', 1, 65536);

mkdirSync(v.out, { recursive: true });
const rng = new Rng(11);
// Each class's centre: a random point; samples scatter around it with standard deviation 1.
const centres = Array.from({ length: K }, () => Array.from({ length: F }, () => rng.normal() * 0.5));
const fd = openSync(join(v.out, 'big.csv'), 'w');
let written = 0;
let rows = 0;
try {
  const header = `${Array.from({ length: F }, (_, j) => `f${j + 1}`).join(',')},label\n`;
  writeSync(fd, header);
  written += header.length;
  while (written < bytes) {
    const lines: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const c = rng.int(K);
      lines.push(`${centres[c]!.map((m) => (m + rng.normal()).toFixed(4)).join(',')},${c}`);
    }
    const text = `${lines.join('\n')}\n`;
    writeSync(fd, text);
    written += text.length;
    rows += lines.length;
  }
} finally {
  closeSync(fd);
}
writeFileSync(join(v.out, 'big.dl'), `# The model of scripts/make-big-csv.ts: ${F} features, ${K} classes.
model big {
  input features: f32[${F}]
  input label: class[${K}]
  logits = features -> dense(32, activation: relu) -> dense(${K})
  output logits
}
train big {
  loss = cross_entropy(logits, label)
  optimizer = adam(lr: 0.001)
  batch = ${batch}
  epochs = 1
  metrics = [accuracy]
}
`);
process.stdout.write(`wrote ${join(v.out, 'big.csv')}: ${rows} rows, ${written} bytes; model ${join(v.out, 'big.dl')}\n`);
