// dlc train on .npy features streamed from disk (over DLC_STREAM_NPY_BYTES) with --labels:
// unshuffled, the same weights as from the files read whole; a truncated file or a NaN refused
// with the file and the sample, exit code 1, nothing written.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dlc } from '../helpers/cli.ts';

const ENV = { DLC_ADAPTER: 'gles' };
const STREAM = { ...ENV, DLC_STREAM_NPY_BYTES: '0' };
const dir = mkdtempSync(join(tmpdir(), 'dlc-npy-stream-cli-'));
const X = 'test/fixtures/blobs_x.npy';
const Y = 'test/fixtures/blobs_y.npy';

describe('dlc train on a streamed .npy file', () => {
  it('unshuffled, streamed from disk gives bitwise the weights of the files read whole', async () => {
    const dl = join(dir, 'blobs.dl');
    writeFileSync(dl, readFileSync('samples/blobs.dl', 'utf8').replace('seed      = 1', 'seed      = 1\n  shuffle   = false').replace('epochs    = 20', 'epochs    = 2'));
    const whole = await dlc(['train', dl, '--data', X, '--labels', Y, '--out', join(dir, 'whole')], { env: ENV });
    expect(whole.stderr).toBe('');
    expect(whole.stdout).not.toContain('read from disk');
    const streamed = await dlc(['train', dl, '--data', X, '--labels', Y, '--out', join(dir, 'streamed')], { env: STREAM });
    expect(streamed.stderr).toBe('');
    expect(streamed.code).toBe(0);
    expect(streamed.stdout).toContain(`${X}: 600 training samples (the file is over 0 bytes: read from disk in chunks each epoch, shuffled through a buffer)`);
    expect(readFileSync(join(dir, 'streamed', 'weights.safetensors')).equals(readFileSync(join(dir, 'whole', 'weights.safetensors')))).toBe(true);
  }, 300_000);

  it('a truncated file and a NaN are refused with the file and the sample, exit code 1, nothing written', async () => {
    const bytes = readFileSync(X);
    const cut = join(dir, 'cut_x.npy');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 5));
    const r1 = await dlc(['train', 'samples/blobs.dl', '--data', cut, '--labels', Y, '--out', join(dir, 'cut')], { env: STREAM });
    expect(r1.stderr).toBe(`dlc: ${cut}: the data is truncated: shape [600, 2] needs 4800 bytes, the file has 4795\n`);
    expect(r1.code).toBe(1);
    expect(existsSync(join(dir, 'cut', 'weights.safetensors'))).toBe(false);
    const nan = Buffer.from(bytes);
    const begin = bytes.length - 600 * 2 * 4;
    nan.writeFloatLE(NaN, begin + (2 * 300 + 1) * 4);
    const bad = join(dir, 'nan_x.npy');
    writeFileSync(bad, nan);
    const r2 = await dlc(['train', 'samples/blobs.dl', '--data', bad, '--labels', Y, '--out', join(dir, 'nan')], { env: STREAM });
    expect(r2.stderr).toBe(`dlc: ${bad}: sample 300, feature 1: NaN is not a finite number\n`);
    expect(r2.code).toBe(1);
    expect(existsSync(join(dir, 'nan', 'weights.safetensors'))).toBe(false);
  }, 300_000);
});
