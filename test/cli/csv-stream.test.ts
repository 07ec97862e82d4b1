// dlc train on a CSV file streamed from disk (over DLC_STREAM_CSV_BYTES): unshuffled, the same
// weights as from the file in memory; its resident memory grows less with the file than reading
// it whole (measured with /usr/bin/time -v at two sizes). What growth remains is the shuffle buffer
// filling (at most 32 MiB; 80,000 samples here: 21 MB): rows are read from bytes without strings,
// so there is no garbage to collect late. Measured: 209 → 230 MB streamed, 215 → 445 MB whole.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../runtime/random.ts';
import { DLC, dlc, run } from '../helpers/cli.ts';

const ENV = { DLC_ADAPTER: 'gles' };
const STREAM = { ...ENV, DLC_STREAM_CSV_BYTES: '0' };
const dir = mkdtempSync(join(tmpdir(), 'dlc-csv-stream-cli-'));

/** A CSV of `rows` samples of 64 features in 4 classes (as scripts/make-big-csv.ts writes). */
function bigCsv(file: string, rows: number): void {
  const rng = new Rng(5);
  const lines = [`${Array.from({ length: 64 }, (_, j) => `f${j + 1}`).join(',')},label`];
  for (let i = 0; i < rows; i++) {
    const c = rng.int(4);
    lines.push(`${Array.from({ length: 64 }, (_, j) => ((j % 4 === c ? 1 : 0) + rng.normal()).toFixed(4)).join(',')},${c}`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

const MODEL = `model big {
  input features: f32[64]
  input label: class[4]
  logits = features -> dense(16, activation: relu) -> dense(4)
  output logits
}
train big {
  loss = cross_entropy(logits, label)
  optimizer = adam(lr: 0.001)
  batch = 256
  epochs = 1
}`;

describe('dlc train on a streamed CSV file', () => {
  it('unshuffled, streamed from disk gives bitwise the weights of the file read whole; --val-split is refused', async () => {
    const dl = join(dir, 'blobs.dl');
    writeFileSync(dl, readFileSync('samples/blobs.dl', 'utf8').replace('seed      = 1', 'seed      = 1\n  shuffle   = false').replace('epochs    = 20', 'epochs    = 2'));
    const whole = await dlc(['train', dl, '--data', 'samples/blobs.csv', '--out', join(dir, 'whole')], { env: ENV });
    expect(whole.stderr).toBe('');
    const streamed = await dlc(['train', dl, '--data', 'samples/blobs.csv', '--out', join(dir, 'streamed')], { env: STREAM });
    expect(streamed.stderr).toBe('');
    expect(streamed.code).toBe(0);
    expect(streamed.stdout).toContain('samples/blobs.csv: 600 training samples (the file is over 0 bytes: read from disk in chunks each epoch, shuffled through a buffer)');
    expect(streamed.stdout).toContain('each epoch trains all 600 samples: 18 batches of 32 and a last batch of 24');
    expect(readFileSync(join(dir, 'streamed', 'weights.safetensors')).equals(readFileSync(join(dir, 'whole', 'weights.safetensors')))).toBe(true);
    const split = await dlc(['train', dl, '--data', 'samples/blobs.csv', '--val-split', '0.2', '--out', join(dir, 'split')], { env: STREAM });
    expect(split.stderr).toBe('dlc: samples/blobs.csv is over 0 bytes: read from disk in chunks each epoch, shuffled through a buffer: --val-split and --train-size need the samples in memory; give the validation data as --val FILE\n');
    expect(split.code).toBe(1);
  }, 300_000);

  it('resident memory: 16× the file adds under 60 MB streamed (its shuffle buffer: 21 MB), at least 100 MB less than read whole', async (t) => {
    if (!existsSync('/usr/bin/time')) return t.skip();
    const dl = join(dir, 'big.dl');
    writeFileSync(dl, MODEL);
    const small = join(dir, 'small.csv');
    const large = join(dir, 'large.csv');
    bigCsv(small, 5_000);
    bigCsv(large, 80_000);
    /** Peak resident memory in MB of one training run. */
    const peak = async (file: string, env: Record<string, string>, out: string): Promise<number> => {
      const r = await run('/usr/bin/time', ['-v', process.execPath, DLC, 'train', dl, '--data', file, '--out', join(dir, out)], { env });
      expect(r.code, r.stderr).toBe(0);
      return Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)![1]) / 1024;
    };
    // The first run compiles the kernels (Mesa caches them on disk), so that the measured runs do not.
    await peak(small, STREAM, 'warm');
    // Each streamed figure is the lower of two runs: beside other tests a run's peak can come out tens
    // of MB high (V8 collects later when the cores are busy), which says nothing about the stream.
    const lower = async (file: string, out: string): Promise<number> => Math.min(await peak(file, STREAM, `${out}a`), await peak(file, STREAM, `${out}b`));
    const streamed = [await lower(small, 's1'), await lower(large, 's2')];
    const whole = [await peak(small, ENV, 'w1'), await peak(large, ENV, 'w2')];
    console.log(`peak RSS MB: streamed ${streamed.map((x) => x.toFixed(1)).join(' → ')}, whole ${whole.map((x) => x.toFixed(1)).join(' → ')}`);
    expect(streamed[1]! - streamed[0]!).toBeLessThan(60);
    expect(whole[1]! - whole[0]! - (streamed[1]! - streamed[0]!)).toBeGreaterThan(100);
  }, 600_000);
});
