// --data mnist-rows: the MNIST digits as 28 time steps of 28 pixels, for models with an f32[28, 28] input.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { mnistRowsInputs } from '../../runtime/data/mnist-fit.ts';
import { loadData } from '../../cli/data.ts';
import { ROOT } from '../helpers/cli.ts';

const manifestOf = (sample: string) => compile(readFileSync(join(ROOT, 'samples', sample), 'utf8')).artifact!.manifest;

describe('mnistRowsInputs', () => {
  it('takes the sequential MNIST sample, whose image is [28, 28]', () => {
    expect(mnistRowsInputs(manifestOf('mnist_lstm.dl'))).toEqual({ image: 'image', label: 'label' });
  });
  it('refuses 784 values in another shape, naming the declaration to write', () => {
    expect(mnistRowsInputs(manifestOf('mnist_mlp.dl'))).toEqual({
      error: "the mnist-rows data set gives each digit as 28 time steps of 28 pixels: declare input 'image' as f32[28, 28], not image: f32[784]",
    });
    expect(mnistRowsInputs(manifestOf('mnist_cnn.dl'))).toEqual({
      error: "the mnist-rows data set gives each digit as 28 time steps of 28 pixels: declare input 'image' as f32[28, 28], not image: f32[1, 28, 28]",
    });
  });
  it('refuses a model that does not take digits at all with its own words', () => {
    expect(mnistRowsInputs(manifestOf('blobs.dl'))).toEqual({
      error: "the mnist-rows data set gives each digit as 28 time steps of 28 pixels (f32[28, 28]) and class[10] labels; model 'blobs' has inputs point: f32[2], label: class[3]",
    });
  });
});

describe('loadData mnist-rows', () => {
  it('gives the mnist digits unchanged, row after row (time step t is pixel row t)', { timeout: 300_000 }, () => {
    const m = manifestOf('mnist_lstm.dl');
    const rows = loadData('mnist-rows', m);
    const flat = loadData('mnist', manifestOf('mnist_mlp.dl'));
    expect(rows.train.count).toBe(8000);
    expect(rows.test!.count).toBe(2000);
    // Byte comparison: vitest's deep equality over 6 million floats takes minutes on a busy machine.
    const bytes = (a: ArrayBufferView | undefined): Buffer => Buffer.from(a!.buffer, a!.byteOffset, a!.byteLength);
    expect(bytes(rows.train.tensors.image).length).toBe(8000 * 28 * 28 * 4);
    expect(bytes(rows.train.tensors.image).equals(bytes(flat.train.tensors.image))).toBe(true);
    expect(bytes(rows.test!.tensors.image).equals(bytes(flat.test!.tensors.image))).toBe(true);
    expect(bytes(rows.test!.tensors.label).equals(bytes(flat.test!.tensors.label))).toBe(true);
    expect(rows.description).toBe('mnist-rows (28 steps of 28 pixels): 8000 training digits, 2000 held out');
  });
});
