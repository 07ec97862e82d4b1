// README's convolutional command, shortened to one epoch (the documented 8 take minutes on 2 cores):
// `dlc train samples/mnist_cnn.dl` runs end to end and already generalises.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dlc } from '../helpers/cli.ts';

describe('dlc train samples/mnist_cnn.dl', () => {
  it('one epoch on the OpenGL ES adapter reaches over 90% on the 2,000 held-out digits', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'dlc-cnn-')), 'run');
    const r = await dlc(['train', 'samples/mnist_cnn.dl', '--epochs', '1', '--adapter', 'gles', '--out', out], { timeoutMs: 300_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = /held-out: loss [\d.]+ {2}accuracy ([\d.]+)% on 2000 samples/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(90);
  }, 300_000);
});
