// --train-size N: train on the first N training samples (Keras' x_train[:N]); bad values refused.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../cli/options.ts';
import { dlc } from '../helpers/cli.ts';

const ENV = { DLC_ADAPTER: 'gles' };

describe('--train-size', () => {
  it('takes a positive integer, for train only', () => {
    expect(parseCommandLine(['train', 'n.dl', '--train-size', '2000']).opts.trainSize).toBe(2000);
    for (const bad of ['0', '-1', '2.5', 'many']) {
      expect(() => parseCommandLine(['train', 'n.dl', `--train-size=${bad}`])).toThrow(`--train-size must be an integer ≥ 1, got '${bad}'`);
    }
    expect(() => parseCommandLine(['eval', 'n.dl', '--train-size', '10'])).toThrow('eval does not take --train-size');
  });

  it('trains on the first N samples and says so; more than there are is refused', async () => {
    const ok = await dlc(['train', 'samples/blobs.dl', '--data', 'samples/blobs.csv', '--train-size', '64', '--batch', '24', '--epochs', '1', '--out', join(mkdtempSync(join(tmpdir(), 'dlc-train-size-')), 'run')], { env: ENV });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('samples/blobs.csv: 600 training samples (no validation data: add --val-split or --val); training on the first 64 of the 600 training samples (--train-size)');
    // 64 samples in batches of 24: two batches and a last one of 16 (of 600 it would be 25 batches).
    expect(ok.stdout).toContain('each epoch trains all 64 samples: 2 batches of 24 and a last batch of 16');
    const big = await dlc(['train', 'samples/blobs.dl', '--data', 'samples/blobs.csv', '--train-size', '601'], { env: ENV });
    expect(big.stderr).toBe('dlc: --train-size 601 is more than the 600 training samples\n');
    expect(big.code).toBe(1);
  }, 120_000);
});
