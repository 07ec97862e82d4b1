// Sample weights from data files: a loss's `sample_weight: w` input reads the CSV column or the .npz
// array named `w`; training, evaluation and prediction from the command line.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dlc } from '../helpers/cli.ts';
import { makeZip } from '../helpers/zip.ts';

const dir = mkdtempSync(join(tmpdir(), 'dlc-weights-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const program = join(dir, 'w.dl');
writeFileSync(program, `model blobs {
  input point: f32[2]
  input label: class[3]
  input w: f32[1]
  logits = point -> dense(16, activation: relu) -> dense(3)
  output logits
}
train blobs { loss = cross_entropy(logits, label, sample_weight: w); optimizer = adam(lr: 0.01); batch = 32; epochs = 1; seed = 1 }
`);
const rows = readFileSync('samples/blobs.csv', 'utf8').trim().split('\n').slice(1).map((r) => r.split(','));
/** blobs.csv with a weight column first (w, x1, x2, label), the weight of row i from `weight`. */
function csv(name: string, weight: (i: number) => string, withWeights = true): string {
  const file = join(dir, name);
  writeFileSync(file, `${withWeights ? 'w,' : ''}x1,x2,label\n${rows.map((r, i) => `${withWeights ? `${weight(i)},` : ''}${r.join(',')}`).join('\n')}\n`);
  return file;
}
/** A little-endian float32 .npy of `shape`. */
function npy(shape: number[], values: number[]): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header = header.padEnd(Math.ceil((header.length + 11) / 64) * 64 - 11) + '\n';
  const out = new Uint8Array(10 + header.length + 4 * values.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8]);
  out.set(new TextEncoder().encode(header), 10);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setFloat32(10 + header.length + 4 * i, v, true));
  return out;
}
const env = { DLC_ADAPTER: 'gles' };
const lossOf = (stdout: string): number => Number(/loss ([\d.]+)/.exec(stdout)?.[1]);

describe('sample weights from data files', () => {
  const weights = join(dir, 'run', 'weights.safetensors');
  it('trains from a CSV weight column; eval weighs each loss (all 2s: twice the loss of all 1s); .npz arrays read the same', async () => {
    const train = await dlc(['train', program, '--data', csv('mixed.csv', (i) => ['0.5', '2', '0'][i % 3]!), '--out', join(dir, 'run')], { env });
    expect(train.stderr).toBe('');
    expect(train.code).toBe(0);
    const [ones, twos] = await Promise.all(['1', '2'].map((w) => dlc(['eval', program, '--weights', weights, '--data', csv(`w${w}.csv`, () => w)], { env })));
    expect(ones!.code, ones!.stderr).toBe(0);
    expect(Math.abs(lossOf(twos!.stdout) - 2 * lossOf(ones!.stdout))).toBeLessThanOrEqual(2e-4);
    const npz = join(dir, 'w1.npz');
    writeFileSync(npz, makeZip(new Map([
      ['point.npy', npy([rows.length, 2], rows.flatMap((r) => [Number(r[0]), Number(r[1])]))],
      ['label.npy', npy([rows.length], rows.map((r) => Number(r[2])))],
      ['w.npy', npy([rows.length], rows.map(() => 1))],
    ])));
    const fromNpz = await dlc(['eval', program, '--weights', weights, '--data', npz], { env });
    expect(fromNpz.stderr).toBe('');
    expect(lossOf(fromNpz.stdout)).toBe(lossOf(ones!.stdout));
    // Prediction needs no weights.
    const pred = await dlc(['predict', program, '--weights', weights, '--data', csv('none.csv', () => '', false), '--out', '-'], { env });
    expect(pred.stderr).toBe('');
    expect(pred.stdout.split('\n')[0]).toBe('class,p0,p1,p2');
  }, 600_000);

  it('a CSV without the weight column, and .npy data, are refused with the reason', async () => {
    const none = csv('none.csv', () => '', false);
    const r = await dlc(['train', program, '--data', none], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`dlc: ${none}:1: no column named 'w' for the sample weights (the loss's sample_weight input); the columns are x1, x2, label\n`);
    const x = join(dir, 'x.npy');
    const y = join(dir, 'y.npy');
    writeFileSync(x, npy([3, 2], [0, 0, 1, 1, 2, 2]));
    writeFileSync(y, npy([3], [0, 1, 2]));
    const n = await dlc(['train', program, '--data', x, '--labels', y], { env });
    expect(n.code).toBe(1);
    expect(n.stderr).toBe("dlc: the loss weighs samples by the input 'w' (sample_weight): give them as a column of a .csv file or an array of a .npz file\n");
  }, 300_000);
});
