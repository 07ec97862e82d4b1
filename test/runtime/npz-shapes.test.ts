// An .npz's members are matched to the model by their .npy headers before any body is inflated:
// a member of the wrong shape is refused by its shape, however large it claims to be (its body
// here is cut short, so reading it would give a different error).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDataFile } from '../../cli/data.ts';
import { compile } from '../../compiler/compile.ts';
import { DataError } from '../../runtime/data/data-error.ts';
import { messageOf } from '../helpers/errors.ts';
import { makeZip } from '../helpers/zip.ts';

const manifest = compile(`model m {
  input point: f32[2]
  input label: class[3]
  logits = point -> dense(3)
  output logits
}
train m { loss = cross_entropy(logits, label); optimizer = sgd(lr: 0.1); batch = 4 }`).artifact!.manifest;

/** A version-1 .npy of float32 with `shape` in its header and only `values` after it. */
function npy(shape: number[], values: number[]): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')},), }`;
  header += `${' '.repeat(63 - ((10 + header.length) % 64))}\n`;
  const out = new Uint8Array(10 + header.length + 4 * values.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8]);
  out.set(new TextEncoder().encode(header), 10);
  new Float32Array(out.buffer, 10 + header.length).set(values);
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'dlc-npz-shapes-'));
function read(members: Record<string, Uint8Array>): string {
  const path = join(dir, 'data.npz');
  writeFileSync(path, makeZip(new Map(Object.entries(members).map(([k, v]) => [`${k}.npy`, v]))));
  return messageOf(() => readDataFile(path, manifest, {}), DataError);
}

describe('.npz members are checked by shape before they are read', () => {
  it('features of the wrong width: the shape error, not the truncated body', () => {
    expect(read({ point: npy([1_000_000, 3], [1, 2]), label: npy([5], [0, 1, 2, 0, 1]) }))
      .toBe(`${join(dir, 'data.npz')}:point: samples of shape [3] (3 values), but the model's input point: f32[2] takes 2`);
  });

  it('more labels than samples: the count error, not the truncated body', () => {
    expect(read({ point: npy([5, 2], new Array(10).fill(0)), label: npy([1_000_000], [0]) }))
      .toBe(`${join(dir, 'data.npz')}:label: 1000000 labels for 5 samples in ${join(dir, 'data.npz')}:point`);
  });

  it('shapes that fit: the body is read, and a truncated one is still refused', () => {
    expect(read({ point: npy([5, 2], [1, 2]), label: npy([5], [0, 1, 2, 0, 1]) }))
      .toBe(`${join(dir, 'data.npz')}:point.npy: the data is truncated: shape [5, 2] needs 40 bytes, the file has 8`);
  });
});
