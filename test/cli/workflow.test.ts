// The training workflow through the real command: your own CSV with a validation split, eval and
// predict from saved weights, and each bad input ending with one clear message, exit 1 and no output.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { dlc } from '../helpers/cli.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'dlc-wf-'));
const ENV = { DLC_ADAPTER: 'gles' };

describe('dlc train on a CSV, then eval and predict', () => {
  const dir = tmp();
  const out = join(dir, 'run');
  let train: Awaited<ReturnType<typeof dlc>>;
  beforeAll(async () => {
    train = await dlc(['train', 'samples/blobs.dl', '--data', 'samples/blobs.csv', '--val-split', '0.2', '--epochs', '8', '--out', out], { env: ENV });
  });

  it('README: trains samples/blobs.dl on samples/blobs.csv with the last 20% for validation', async () => {
    expect(train.stderr).toBe('');
    expect(train.code).toBe(0);
    expect(train.stdout).toContain('samples/blobs.csv: 480 training samples, 120 for validation (the last 20%)');
    const epochs = train.stdout.split('\n').filter((l) => l.startsWith('epoch'));
    expect(epochs).toHaveLength(8);
    for (const l of epochs) {
      expect(l).toMatch(/^epoch +\d\/8  loss \d+\.\d{4}  accuracy \d+\.\d\d%  val_loss \d+\.\d{4}  val_accuracy \d+\.\d\d%  val_precision \d\.\d{4}  val_recall \d\.\d{4}  val_f1 \d\.\d{4}  [\d,]+ samples\/s  (\d+ ms|\d+\.\d s)$/);
    }
    // The train section asks for a confusion matrix: printed for the validation rows, 120 in all.
    const table = train.stdout.split('confusion matrix (validation):\n')[1]!.split('\n').slice(1, 4);
    expect(table.map((l) => l.trim().split(/\s+/).slice(1).map(Number).reduce((a, b) => a + b, 0)).reduce((a, b) => a + b, 0)).toBe(120);
    // Plain lines when stdout is not a terminal: no carriage returns, no escape codes.
    expect(train.stdout).not.toMatch(/[\r\x1b]/);
    const acc = Number(/^validation: loss [\d.]+ {2}accuracy ([\d.]+)% {2}precision [\d.]+ {2}recall [\d.]+ {2}f1 [\d.]+ on 120 samples/m.exec(train.stdout)![1]);
    expect(acc).toBeGreaterThan(90);
    expect(existsSync(join(out, 'weights.safetensors'))).toBe(true);
  });

  it('README: dlc eval reports loss, accuracy, macro precision, recall and F1, the confusion matrix on a CSV, and the model size', async () => {
    const r = await dlc(['eval', 'samples/blobs.dl', '--weights', join(out, 'weights.safetensors'), '--data', 'samples/blobs.csv'], { env: ENV });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = /^samples\/blobs\.csv: loss ([\d.]+) {2}accuracy ([\d.]+)% {2}precision ([\d.]+) {2}recall ([\d.]+) {2}f1 ([\d.]+) on 600 samples\nconfusion matrix:\ntrue\\pred +0 +1 +2\n((?:\d +\d+ +\d+ +\d+\n){3})model size: 396 bytes as f32 \(99 values; f16 198 bytes, int8 99 bytes before scales\)\n$/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    expect(Number(m![2])).toBeGreaterThan(90);
    const counts = m![6]!.trim().split('\n').map((l) => l.trim().split(/\s+/).slice(1).map(Number));
    expect(counts.flat().reduce((a, b) => a + b, 0)).toBe(600);
    // Accuracy is the diagonal's share; macro recall the mean of the diagonal over row sums.
    expect(Number(m![2]) / 100).toBeCloseTo(counts.reduce((s, row, i) => s + row[i]!, 0) / 600, 4);
    expect(Number(m![4])).toBeCloseTo(counts.reduce((s, row, i) => s + row[i]! / row.reduce((a, b) => a + b, 0), 0) / 3, 4);
  });

  it('README: dlc predict writes the class and its probabilities per row, as CSV or JSON, from a file without labels', async () => {
    const points = join(dir, 'points.csv');
    writeFileSync(points, 'x1,x2\n-2,0\n2,1\n0,3\n');
    const csv = join(dir, 'preds.csv');
    const r = await dlc(['predict', 'samples/blobs.dl', '--weights', join(out, 'weights.safetensors'), '--data', points, '--out', csv], { env: ENV });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`wrote 3 predictions to ${csv}\n`);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('class,p0,p1,p2');
    // The three blob centres: each predicted as its own class, probabilities summing to 1.
    lines.slice(1).forEach((l, k) => {
      const [cls, ...p] = l.split(',').map(Number);
      expect(cls).toBe(k);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    });
    // --out -: the same CSV on stdout, and nothing else there.
    const piped = await dlc(['predict', 'samples/blobs.dl', '--weights', join(out, 'weights.safetensors'), '--data', points, '--out', '-'], { env: ENV });
    expect(piped.stderr).toBe('');
    expect(piped.code).toBe(0);
    expect(piped.stdout).toBe(readFileSync(csv, 'utf8'));
    const json = join(dir, 'preds.json');
    expect((await dlc(['predict', 'samples/blobs.dl', '--weights', join(out, 'weights.safetensors'), '--data', points, '--out', json], { env: ENV })).code).toBe(0);
    const j = JSON.parse(readFileSync(json, 'utf8'));
    expect(j.columns).toEqual(['class', 'p0', 'p1', 'p2']);
    expect(j.rows.map((r: number[]) => r[0])).toEqual([0, 1, 2]);
  });

  it('a truncated weights file or a missing --weights stops predict with a message and no output file', async () => {
    const bad = join(dir, 'bad.safetensors');
    writeFileSync(bad, readFileSync(join(out, 'weights.safetensors')).subarray(0, 100));
    const preds = join(dir, 'never.csv');
    const r = await dlc(['predict', 'samples/blobs.dl', '--weights', bad, '--data', 'samples/blobs.csv', '--out', preds], { env: ENV });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^dlc: .*${bad.replace(/[.]/g, '\\.')}.*\\n$`));
    expect(r.stderr).not.toContain('    at ');
    expect(existsSync(preds)).toBe(false);
    const none = await dlc(['predict', 'samples/blobs.dl', '--data', 'samples/blobs.csv', '--out', preds], { env: ENV });
    expect(none.code).toBe(1);
    expect(none.stderr).toBe('dlc: needs --weights: a .safetensors file written by dlc train\n');
  });
});

describe('array data files', () => {
  it('.npz (numpy.savez) and .npy with --labels train exactly as the same rows from CSV', async () => {
    const first = async (args: string[]): Promise<string> => {
      const r = await dlc(['train', 'samples/blobs.dl', ...args, '--epochs', '2', '--out', join(tmp(), 'o')], { env: ENV });
      expect(r.stderr).toBe('');
      return r.stdout.split('\n').filter((l) => l.startsWith('epoch')).map((l) => l.replace(/  [\d,]+ samples\/s.*/, '')).join('\n');
    };
    const fromCsv = await first(['--data', 'samples/blobs.csv']);
    expect(await first(['--data', 'test/fixtures/blobs.npz'])).toBe(fromCsv);
    expect(await first(['--data', 'test/fixtures/blobs_x.npy', '--labels', 'test/fixtures/blobs_y.npy'])).toBe(fromCsv);
    // MNIST's IDX format (float32 features, byte labels), written here from the CSV's rows.
    const dir = tmp();
    const rows = readFileSync('samples/blobs.csv', 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
    const xs = Buffer.alloc(12 + rows.length * 8);
    xs.writeUInt32BE(0x00000d02, 0);
    xs.writeUInt32BE(rows.length, 4);
    xs.writeUInt32BE(2, 8);
    rows.forEach((r, i) => { xs.writeFloatBE(r[0]!, 12 + 8 * i); xs.writeFloatBE(r[1]!, 16 + 8 * i); });
    const ys = Buffer.alloc(8 + rows.length);
    ys.writeUInt32BE(0x00000801, 0);
    ys.writeUInt32BE(rows.length, 4);
    rows.forEach((r, i) => ys.writeUInt8(r[2]!, 8 + i));
    writeFileSync(join(dir, 'points-idx2-ubyte'), xs);
    writeFileSync(join(dir, 'labels-idx1-ubyte'), ys);
    expect(await first(['--data', join(dir, 'points-idx2-ubyte'), '--labels', join(dir, 'labels-idx1-ubyte')])).toBe(fromCsv);
  });

  it('--val FILE evaluates another file each epoch and after training', async () => {
    const dir = tmp();
    const lines = readFileSync('samples/blobs.csv', 'utf8').trim().split('\n');
    writeFileSync(join(dir, 'train.csv'), `${lines.slice(0, 401).join('\n')}\n`);
    writeFileSync(join(dir, 'val.csv'), `${[lines[0], ...lines.slice(401)].join('\n')}\n`);
    const r = await dlc(['train', 'samples/blobs.dl', '--data', join(dir, 'train.csv'), '--val', join(dir, 'val.csv'), '--epochs', '2', '--out', join(dir, 'o')], { env: ENV });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`${join(dir, 'train.csv')}: 400 training samples; ${join(dir, 'val.csv')}: 200 for validation`);
    // 400 is not a multiple of the batch of 32: the last 16 are a smaller batch, as in Keras.
    expect(r.stdout).toContain('each epoch trains all 400 samples: 12 batches of 32 and a last batch of 16');
    expect(r.stdout.match(/val_accuracy/g)).toHaveLength(2);
    expect(r.stdout).toMatch(/^validation: .* on 200 samples/m);
    expect(r.stdout).not.toContain('held-out');
  });
});

describe('training controls from the command line', () => {
  it('--schedule cosine lowers the rate each epoch and shows it, in the history too; --patience is accepted', async () => {
    const out = join(tmp(), 'run');
    const r = await dlc(['train', 'samples/blobs.dl', '--data', 'samples/blobs.csv', '--val-split', '0.2', '--epochs', '3', '--schedule', 'cosine', '--patience', '1', '--out', out], { env: ENV });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lrs = [...r.stdout.matchAll(/  lr ([\d.e-]+)  /g)].map((m) => Number(m[1]));
    expect(lrs.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < lrs.length; i++) expect(lrs[i]!).toBeLessThan(lrs[i - 1]!);
    const hist = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8')) as { lr: number }[];
    expect(hist.map((h) => Number(h.lr.toPrecision(3)))).toEqual(lrs);
  });

  it('an --out that is a file is a user error, not a crash', async () => {
    const r = await dlc(['train', 'samples/blobs.dl', '--data', 'samples/blobs.csv', '--epochs', '1', '--out', 'samples/blobs.csv'], { env: ENV });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('dlc: cannot create the output folder samples/blobs.csv: a file is in the way\n');
  });
});

describe('gradient clipping from the command line', () => {
  it('--clip-norm recompiles with clipping: the first epoch differs from the unclipped run; a compiled folder refuses it', async () => {
    const loss1 = async (extra: string[]) => {
      const r = await dlc(['train', 'samples/blobs.dl', '--data', 'samples/blobs.csv', '--epochs', '1', '--out', join(tmp(), 'o'), ...extra], { env: ENV });
      expect(r.stderr).toBe('');
      return /^epoch 1\/1  loss ([\d.]+)/m.exec(r.stdout)![1];
    };
    expect(await loss1(['--clip-norm', '0.1'])).not.toBe(await loss1([]));
    const art = join(tmp(), 'art');
    expect((await dlc(['compile', 'samples/blobs.dl', '-o', art])).code).toBe(0);
    const r = await dlc(['train', art, '--data', 'samples/blobs.csv', '--clip-value', '0.5'], { env: ENV });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`dlc: --batch, --model, --clip-norm and --clip-value apply to .dl files; ${art} is already compiled (recompile it with dlc compile)\n`);
  });
});

describe('bad data for dlc train', () => {
  const dir = tmp();
  const file = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const cases: [string, () => string[], string][] = [
    ['a missing file', () => ['--data', join(dir, 'nope.csv')], `dlc: cannot read data file ${join(dir, 'nope.csv')}: no such file\n`],
    ['an unknown label column', () => ['--data', file('col.csv', 'x1,x2,lable\n1,2,0\n'), '--label', 'klass'],
      `dlc: ${join(dir, 'col.csv')}:1: no column named 'klass'; the columns are x1, x2, lable\n`],
    ['the wrong number of feature columns', () => ['--data', file('shape.csv', 'x1,x2,x3,label\n1,2,3,0\n')],
      `dlc: ${join(dir, 'shape.csv')}: 3 feature columns besides the label, but the model's input point: f32[2] takes 2 values per sample\n`],
    ['a label out of range', () => ['--data', file('range.csv', 'x1,x2,label\n1,2,0\n1,2,7\n')],
      `dlc: ${join(dir, 'range.csv')}:3: column 'label': label 7 is out of range; label: class[3] takes integers 0 to 2\n`],
    ['NaN in the data', () => ['--data', file('nan.csv', 'x1,x2,label\n1,nan,0\n')], `dlc: ${join(dir, 'nan.csv')}:2: column 'x2': nan is not a finite number\n`],
    ['an unsupported file type', () => ['--data', file('d.parquet', '')], `dlc: cannot read data file ${join(dir, 'd.parquet')}: unsupported type '.parquet' (supported: .csv, .npy, .npz, IDX (-ubyte), a folder of .png images per class, or the built-in data sets mnist, mnist-rows, spam)\n`],
    ['a bad --val-split', () => ['--data', 'samples/blobs.csv', '--val-split', '1.5'], "dlc: --val-split must be a fraction between 0 and 1 (e.g. 0.2), got '1.5'\n"],
    ['.npy features without labels', () => ['--data', 'test/fixtures/blobs_x.npy'],
      'dlc: test/fixtures/blobs_x.npy holds features only: give the labels with --labels FILE (.npy or IDX)\n'],
    ['an empty .npz', () => ['--data', file('empty.npz', '')],
      `dlc: ${join(dir, 'empty.npz')}: not a .npz (zip) archive, or truncated: no end-of-directory record\n`],
    ['an .npz without the label array', () => ['--data', 'test/fixtures/blobs_x_only.npz'],
      "dlc: test/fixtures/blobs_x_only.npz: no array named 'label' or 'y' for the labels (arrays: point)\n"],
    ['--scale with the mnist data set', () => ['--scale', '0.5'],
      'dlc: --label, --labels and --scale apply to data files; the mnist data set has its labels and pixels in [0, 1]\n'],
    ['a model without a [28, 28] input on mnist-rows', () => ['--data', 'mnist-rows'],
      "dlc: the mnist-rows data set gives each digit as 28 time steps of 28 pixels (f32[28, 28]) and class[10] labels; model 'blobs' has inputs point: f32[2], label: class[3]\n"],
    ['an unknown --schedule', () => ['--data', 'samples/blobs.csv', '--schedule', 'cosin'],
      "dlc: --schedule must be one of constant, step, exponential, cosine, reduce_on_plateau, got 'cosin'\n"],
    ['fewer samples than a batch', () => ['--data', file('small.csv', 'x1,x2,label\n1,2,0\n')],
      `dlc: ${join(dir, 'small.csv')}: 1 training samples, fewer than one batch of 32; lower the batch (--batch) or add data\n`],
  ];
  for (const [what, args, message] of cases) {
    it(`${what}: one message, exit 1, nothing written`, async () => {
      const out = join(dir, `out-${what.replace(/\W+/g, '-')}`);
      const r = await dlc(['train', 'samples/blobs.dl', ...args(), '--out', out], { env: ENV });
      expect(r.stderr).toBe(message);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(existsSync(out)).toBe(false);
    });
  }
});
