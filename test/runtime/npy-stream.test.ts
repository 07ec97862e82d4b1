// A .npy feature file with its labels streamed from disk: the samples arraysToSamples reads whole,
// batch by batch, read by byte offset a chunk at a time; shuffled through the seeded buffer, every
// sample once per epoch; its memory the same for a file ten times longer; bad files refused with
// the in-memory reader's messages (file and sample).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { arraysToSamples, parseNpy } from '../../runtime/data/arrays.ts';
import { streamArrays } from '../../runtime/data/npy-stream-node.ts';
import type { SampleStream } from '../../runtime/fit.ts';
import type { TensorData } from '../../runtime/session.ts';

const m = compile(readFileSync('samples/blobs.dl', 'utf8'), { file: 'samples/blobs.dl' }).artifact!.manifest;
const dir = mkdtempSync(join(tmpdir(), 'dlc-npy-stream-'));

/** A .npy file of `descr` ('<f4', '>f4', '<f8', '<i8'), its header padded to 64 bytes as NumPy writes it. */
function npy(descr: string, shape: number[], values: number[]): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const width = descr.endsWith('8') ? 8 : 4;
  const little = descr.startsWith('<');
  const body = new DataView(new ArrayBuffer(values.length * width));
  values.forEach((v, i) => {
    if (descr.endsWith('i8')) body.setBigInt64(i * 8, BigInt(v), little);
    else if (width === 8) body.setFloat64(i * 8, v, little);
    else body.setFloat32(i * 4, v, little);
  });
  const out = new Uint8Array(10 + header.length + body.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8]);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(body.buffer), 10 + header.length);
  return out;
}

/** `n` samples whose first feature is the sample's number, labels i % 3; written as x and y files. */
function numbered(name: string, n: number, xDescr = '<f4', edit?: (x: number[], y: number[]) => void): { x: string; y: string } {
  const x = Array.from({ length: 2 * n }, (_, i) => (i % 2 === 0 ? i / 2 : (i % 7) * 0.25));
  const y = Array.from({ length: n }, (_, i) => i % 3);
  edit?.(x, y);
  const files = { x: join(dir, `${name}_x.npy`), y: join(dir, `${name}_y.npy`) };
  writeFileSync(files.x, npy(xDescr, [n, 2], x));
  writeFileSync(files.y, npy('<i8', [n], y));
  return files;
}

/** Every batch of an epoch, copied (a stream refills a batch's arrays a few batches later). */
const all = (s: SampleStream, epoch: number, batch: number, shuffle: boolean): Record<string, TensorData>[] => {
  const out: Record<string, TensorData>[] = [];
  const it = s.batches(epoch, 1, batch, shuffle);
  for (let r = it.next(); !r.done; r = it.next()) out.push(Object.fromEntries(Object.entries(r.value).map(([k, v]) => [k, v.slice()])));
  return out;
};

const SMALL = { chunkBytes: 1000, shuffleBytes: 12 * 500 };

describe('streamArrays', () => {
  it('unshuffled: the samples of arraysToSamples, in file order, across chunks; a big-endian file reads the same', () => {
    for (const descr of ['<f4', '>f4', '<f8']) {
      const f = numbered(`plain${descr.replace(/[<>]/g, (c) => (c === '<' ? 'le' : 'be'))}`, 5_000, descr);
      const whole = arraysToSamples(m, { array: parseNpy(readFileSync(f.x), f.x), file: f.x }, { array: parseNpy(readFileSync(f.y), f.y), file: f.y });
      const s = streamArrays(f.x, f.y, 'npy', m, {}, SMALL);
      expect(s.count).toBe(5_000);
      const b = all(s, 1, 64, false);
      expect(b.map((x) => x.label!.length)).toEqual([...Array(78).fill(64), 8]);
      expect(Float32Array.from(b.flatMap((x) => [...x.point!]))).toEqual(whole.tensors.point);
      expect(Int32Array.from(b.flatMap((x) => [...x.label!]))).toEqual(whole.tensors.label);
    }
  });

  it('shuffled: each sample once per epoch with its label, the same epoch again the same batches; memory the same for 10× the samples', () => {
    const held = (n: number) => {
      const f = numbered(`shuffled${n}`, n);
      const s = streamArrays(f.x, f.y, 'npy', m, {}, SMALL);
      const ids = (bs: Record<string, TensorData>[]): number[] => bs.flatMap((x) => Array.from({ length: x.label!.length }, (_, i) => x.point![2 * i]!));
      const e1 = ids(all(s, 1, 100, true));
      expect([...e1].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(e1.slice(0, 50)).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(ids(all(s, 1, 100, true))).toEqual(e1);
      expect(ids(all(s, 2, 100, true))).not.toEqual(e1);
      for (const x of all(s, 3, 100, true)) for (let i = 0; i < x.label!.length; i++) expect(x.label![i]).toBe(x.point![2 * i]! % 3);
      const arrays = new Set<ArrayBufferLike>();
      const it = s.batches(4, 1, 100, true);
      for (let r = it.next(); !r.done; r = it.next()) arrays.add(r.value.point!.buffer);
      return { ...s.memory, batchArrays: arrays.size };
    };
    // 125 rows a chunk: 1,000 bytes of features, 1,000 of int64 labels, 125 samples converted (1,500 bytes).
    // The shuffle buffer: 1,600 samples of 12 bytes (16 batches of 100, more than 6,000 bytes' 500).
    const bounded = { readBuffer: 2_000, shuffleBuffer: 1_600 * 12, batchArrays: 4 };
    expect(held(2_000)).toEqual(bounded);
    expect(held(20_000)).toEqual(bounded);
  }, 120_000);

  it("bad files are refused with the in-memory reader's message: truncated, NaN past the first chunk, a label out of range, shapes that do not fit", () => {
    const f = numbered('trunc', 3_000);
    const bytes = readFileSync(f.x);
    writeFileSync(f.x, bytes.subarray(0, bytes.length - 5));
    const expected = (() => {
      try {
        parseNpy(readFileSync(f.x), f.x);
      } catch (err) {
        return (err as Error).message;
      }
      return '';
    })();
    expect(expected).toBe(`${f.x}: the data is truncated: shape [3000, 2] needs 24000 bytes, the file has 23995`);
    expect(() => streamArrays(f.x, f.y, 'npy', m, {}, SMALL)).toThrow(expected);
    const nan = numbered('nan', 3_000, '<f4', (x) => { x[2 * 2_500 + 1] = NaN; });
    expect(() => streamArrays(nan.x, nan.y, 'npy', m, {}, SMALL)).toThrow(`${nan.x}: sample 2500, feature 1: NaN is not a finite number`);
    const label = numbered('label', 3_000, '<f4', (_, y) => { y[2_900] = 7; });
    expect(() => streamArrays(label.x, label.y, 'npy', m, {}, SMALL)).toThrow(`${label.y}: label 7 of sample 2900 is out of range; label: class[3] takes integers 0 to 2`);
    const few = numbered('few', 3_000);
    writeFileSync(few.y, npy('<i8', [2_999], Array(2_999).fill(0)));
    expect(() => streamArrays(few.x, few.y, 'npy', m, {}, SMALL)).toThrow(`${few.y}: 2999 labels for 3000 samples in ${few.x}`);
  });
});
