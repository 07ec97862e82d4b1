// Writes samples/blobs.csv: 600 points in the plane from three Gaussian blobs (classes 0, 1, 2),
// seeded, so the CSV sample is reproducible: npx tsx scripts/make-blobs.ts
import { writeFileSync } from 'node:fs';
import { Rng } from '../runtime/random.ts';

const rng = new Rng(7);
const centres = [[-2, 0], [2, 1], [0, 3]] as const;
const rows = ['x1,x2,label'];
for (let i = 0; i < 600; i++) {
  const c = i % 3;
  const [cx, cy] = centres[c]!;
  rows.push(`${(cx + rng.normal() * 0.8).toFixed(4)},${(cy + rng.normal() * 0.8).toFixed(4)},${c}`);
}
writeFileSync(new URL('../samples/blobs.csv', import.meta.url), `${rows.join('\n')}\n`);
