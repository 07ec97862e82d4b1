// Validation data is validation, never "held-out": --val-split takes it from the training rows, and
// with MNIST the test digits stay the held-out set, evaluated once after training.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadData } from '../../cli/data.ts';
import { compile } from '../../compiler/compile.ts';
import { loadMnist } from '../../runtime/data/mnist.ts';
import { dlc } from '../helpers/cli.ts';

const manifestOf = (file: string) => compile(readFileSync(file, 'utf8'), { file }).artifact!.manifest;
/**
 * Same elements, compared as bytes: toEqual walks a million-element typed array one element at a
 * time (half a minute, in which the test worker cannot answer vitest).
 */
const sameBytes = (a: ArrayBufferView, b: ArrayBufferView): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('loadData', () => {
  it('mnist with --val-split: validation from the end of the training digits, the test digits held out', async () => {
    const d = loadData('mnist', manifestOf('samples/mnist_mlp.dl'), { valSplit: 0.25 });
    const { train, test } = loadMnist();
    expect([d.train.count, d.val?.count, d.test?.count]).toEqual([6000, 2000, 2000]);
    expect(d.val!.tensors.image.constructor).toBe(train.images.constructor);
    expect(d.val!.tensors.label.constructor).toBe(train.labels.constructor);
    expect(sameBytes(d.val!.tensors.image, train.images.subarray(6000 * 784))).toBe(true);
    expect(sameBytes(d.val!.tensors.label, train.labels.subarray(6000))).toBe(true);
    expect(sameBytes(d.test!.tensors.image, test.images)).toBe(true);
    expect(d.description).toBe('mnist: 6000 training + 2000 validation digits (--val-split 0.25 of the training set), 2000 test digits held out');
  });

  it('a data file with --val-split has validation data and no held-out set', async () => {
    const d = loadData('samples/blobs.csv', manifestOf('samples/blobs.dl'), { valSplit: 0.2 });
    expect([d.train.count, d.val?.count, d.test]).toEqual([480, 120, undefined]);
    expect(d.description).toBe('samples/blobs.csv: 480 training samples, 120 for validation (the last 20%)');
  });
});

describe('dlc train --data mnist --val-split', () => {
  it('reports val_ figures each epoch and the 2,000 test digits as held-out at the end', async () => {
    const r = await dlc(['train', 'samples/mnist_mlp.dl', '--val-split', '0.5', '--epochs', '1', '--batch', '250', '--out', join(mkdtempSync(join(tmpdir(), 'dlc-val-')), 'run')], { env: { DLC_ADAPTER: 'gles' } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('\nmnist: 4000 training + 4000 validation digits (--val-split 0.5 of the training set), 2000 test digits held out\n');
    expect(r.stdout).toMatch(/^epoch 1\/1  loss \d\.\d{4}  accuracy \d+\.\d\d%  val_loss \d\.\d{4}  val_accuracy \d+\.\d\d%  /m);
    expect(r.stdout).toMatch(/^held-out: loss \d\.\d{4}  accuracy \d+\.\d\d% on 2000 samples \(trained in /m);
    expect(r.stdout).not.toMatch(/on 4000 samples/);
  }, 180_000);
});
