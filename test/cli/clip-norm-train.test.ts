// Issue 20: `dlc train samples/resnet_mini.dl --clip-norm 1` once failed at Session.create (the sum of
// the 24 squared gradient norms was one kernel of 25 storage buffers); it trains now, and `dlc check`
// accepts only what loads on a device with the floor's limits.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../runtime/random.ts';
import { dlc } from '../helpers/cli.ts';
import { wideProgram } from '../helpers/wide-programs.ts';
import { makeZip } from '../helpers/zip.ts';

const dir = mkdtempSync(join(tmpdir(), 'dlc-clip-norm-'));

/** A version-1 .npy of little-endian float32 values. */
function npyF4(shape: number[], values: ArrayLike<number>): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += `${' '.repeat(63 - ((10 + header.length) % 64))}\n`;
  const out = new Uint8Array(10 + header.length + 4 * values.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8]);
  out.set(new TextEncoder().encode(header), 10);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(10 + header.length + 4 * i, values[i]!, true);
  return out;
}

describe('dlc train --clip-norm on resnet_mini', () => {
  it('one epoch of 32 digit-sized images trains, with a finite loss', async () => {
    const N = 32;
    const rng = new Rng(20);
    const image = Float32Array.from({ length: N * 28 * 28 }, () => rng.next());
    const label = Float32Array.from({ length: N }, () => rng.int(10));
    const data = join(dir, 'digits.npz');
    writeFileSync(data, makeZip(new Map([['image.npy', npyF4([N, 1, 28, 28], image)], ['label.npy', npyF4([N], label)]])));
    const out = join(dir, 'run');
    const r = await dlc(['train', 'samples/resnet_mini.dl', '--clip-norm', '1', '--epochs', '1', '--batch', '8', '--data', data, '--out', out], {
      env: { DLC_ADAPTER: 'gles' }, timeoutMs: 500_000,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const loss = /epoch 1\/1 +loss ([\d.]+)/.exec(r.stdout)?.[1];
    expect(loss, r.stdout).toBeDefined();
    expect(Number.isFinite(Number(loss))).toBe(true);
  }, 600_000);
});

describe('dlc check', () => {
  it('accepts a clipped, regularised sum of 32 branches (64 parameters), which now loads within 8 bindings', async () => {
    const p = wideProgram({ seed: 1, branches: 32, depth: 1, clip: 'global_norm(1)', regularize: 'l1_l2(l1: 0.001, l2: 0.001)', optimizer: 'adam(lr: 0.01)', loss: 'cross_entropy' });
    const file = join(dir, 'wide.dl');
    writeFileSync(file, p.source);
    const r = await dlc(['check', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }, 120_000);
});
