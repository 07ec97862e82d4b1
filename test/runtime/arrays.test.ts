// Array data files: .npy, .npz (as numpy writes them, stored and deflated, ZIP64 fields) and IDX,
// matched to a model's inputs; truncated or malformed files give a message naming the file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { arraysToSamples, parseIdx, parseNpy } from '../../runtime/data/arrays.ts';
import { DataError, parseCsv } from '../../runtime/data/csv.ts';
import { parseNpz } from '../../runtime/data/npz-node.ts';
import { ROOT } from '../helpers/cli.ts';
import { messageOf } from '../helpers/errors.ts';

const fixture = (f: string): Uint8Array => readFileSync(join(ROOT, 'test/fixtures', f));
const BLOBS = compile(readFileSync(join(ROOT, 'samples/blobs.dl'), 'utf8')).artifact!.manifest;
const csv = parseCsv(readFileSync(join(ROOT, 'samples/blobs.csv'), 'utf8'), 'blobs.csv', BLOBS);

const err = (f: () => unknown): string => messageOf(f, DataError);

/** A version-1 .npy file of float32, float64 or big-endian int16 values. */
function npy(descr: string, shape: number[], values: number[], fortran = false): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const width = descr.endsWith('8') ? 8 : descr.endsWith('4') ? 4 : 2;
  const body = new DataView(new ArrayBuffer(values.length * width));
  values.forEach((v, i) => (descr === '<f8' ? body.setFloat64(i * 8, v, true) : descr === '<f4' ? body.setFloat32(i * 4, v, true) : body.setInt16(i * 2, v, false)));
  const out = new Uint8Array(10 + header.length + body.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8]);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(body.buffer), 10 + header.length);
  return out;
}

/** An IDX file: big-endian, type byte, dimensions. */
function idx(type: number, shape: number[], values: number[]): Uint8Array {
  const width = type === 0x0d ? 4 : 1;
  const v = new DataView(new ArrayBuffer(4 + 4 * shape.length + values.length * width));
  v.setUint8(2, type);
  v.setUint8(3, shape.length);
  shape.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  values.forEach((x, i) => (type === 0x0d ? v.setFloat32(4 + 4 * shape.length + 4 * i, x, false) : v.setUint8(4 + 4 * shape.length + i, x)));
  return new Uint8Array(v.buffer);
}

describe('.npy and .npz', () => {
  it('numpy.savez and savez_compressed archives give the same samples as the CSV', () => {
    for (const f of ['blobs.npz', 'blobs_xy_compressed.npz']) {
      const arrays = parseNpz(fixture(f), f);
      const [x, y] = f === 'blobs.npz' ? ['point', 'label'] : ['x', 'y'];
      const s = arraysToSamples(BLOBS, { array: arrays.get(x)!, file: f }, { array: arrays.get(y)!, file: f });
      expect(s.count).toBe(600);
      expect(s.tensors.point).toEqual(csv.tensors.point);
      expect(s.tensors.label).toEqual(csv.tensors.label);
    }
    const x = parseNpy(fixture('blobs_x.npy'), 'x.npy');
    expect(x.shape).toEqual([600, 2]);
    expect(parseNpy(fixture('blobs_y.npy'), 'y.npy').integer).toBe(true);
  });
  it('reads big-endian dtypes, refuses Fortran order, and names truncation', () => {
    expect([...parseNpy(npy('>i2', [3], [-2, 0, 300]), 'a.npy').data]).toEqual([-2, 0, 300]);
    expect(err(() => parseNpy(npy('<f4', [2, 2], [1, 2, 3, 4], true), 'f.npy'))).toBe('f.npy: Fortran-ordered arrays are not supported; save it with numpy.ascontiguousarray');
    const whole = npy('<f4', [4, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
    expect(err(() => parseNpy(whole.subarray(0, whole.length - 3), 't.npy'))).toBe('t.npy: the data is truncated: shape [4, 2] needs 32 bytes, the file has 29');
    expect(err(() => parseNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 'b.npy'))).toBe('b.npy: not a NumPy .npy file (no \\x93NUMPY magic)');
    expect(err(() => parseNpy(npy('<f4', [1 << 20, 1 << 10], []), 'huge.npy'))).toBe('huge.npy: shape [1048576, 1024] holds 1073741824 values, more than dlc reads (268435456)');
    const z = fixture('blobs.npz');
    expect(err(() => parseNpz(z.subarray(0, z.length - 30), 'z.npz'))).toBe('z.npz: not a .npz (zip) archive, or truncated: no end-of-directory record');
  });
});

describe('IDX', () => {
  it('reads MNIST-style files; scaling multiplies the features', () => {
    const x = parseIdx(idx(0x08, [2, 2], [0, 255, 51, 102]), 'x-idx3-ubyte');
    const y = parseIdx(idx(0x08, [2], [1, 2]), 'y-idx1-ubyte');
    const s = arraysToSamples(BLOBS, { array: x, file: 'x' }, { array: y, file: 'y' }, { scale: 1 / 255 });
    expect([...s.tensors.point!]).toEqual([0, 1, 0.2, 0.4].map(Math.fround));
    expect([...s.tensors.label!]).toEqual([1, 2]);
    expect(err(() => parseIdx(idx(0x08, [3, 2], [1, 2, 3]), 'short-ubyte'))).toBe('short-ubyte: the data is truncated: shape [3, 2] needs 6 bytes, the file has 3');
    expect(err(() => parseIdx(new Uint8Array([1, 0, 8, 1]), 'bad-ubyte'))).toBe('bad-ubyte: not an IDX file (the first two bytes must be zero)');
  });
  it('checks arrays against the model: sizes, counts, label range, finiteness', () => {
    const f = (shape: number[], v: number[]) => ({ array: parseIdx(idx(0x0d, shape, v), 'x'), file: 'x.idx' });
    const l = (v: number[]) => ({ array: parseIdx(idx(0x08, [v.length], v), 'y'), file: 'y.idx' });
    expect(err(() => arraysToSamples(BLOBS, f([2, 3], [1, 2, 3, 4, 5, 6]), l([0, 1])))).toBe("x.idx: samples of shape [3] (3 values), but the model's input point: f32[2] takes 2");
    expect(err(() => arraysToSamples(BLOBS, f([2, 2], [1, 2, 3, 4]), l([0, 1, 2])))).toBe('y.idx: 3 labels for 2 samples in x.idx');
    expect(err(() => arraysToSamples(BLOBS, f([2, 2], [1, 2, 3, 4]), l([0, 3])))).toBe('y.idx: label 3 of sample 1 is out of range; label: class[3] takes integers 0 to 2');
    expect(err(() => arraysToSamples(BLOBS, f([2, 2], [1, NaN, 3, 4]), l([0, 1])))).toBe('x.idx: sample 0, feature 1: NaN is not a finite number');
  });
});

describe('an array of the right size in another arrangement', () => {
  const NHWC = compile(`model m {
  input image: f32[4, 4, 3] layout: channels_last
  input label: class[2]
  logits = image -> conv2d(2, 3) -> flatten -> dense(2)
  output logits
}
train m { loss = cross_entropy(logits, label) }
`).artifact!.manifest;
  const images = (shape: number[]) => ({ array: parseNpy(npy('<f4', shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i / 100)), 'x.npy'), file: 'x.npy' });
  const labels = { array: parseNpy(npy('>i2', [2], [0, 1]), 'y.npy'), file: 'y.npy' };
  it('is refused with the shapes and how to fix it (channels-first data for a channels-last input)', () => {
    expect(err(() => arraysToSamples(NHWC, images([2, 3, 4, 4]), labels))).toBe("x.npy: samples of shape [3, 4, 4], but the model's input image: f32[4, 4, 3] takes [4, 4, 3]: the same 48 values in another arrangement would be read scrambled; transpose the array (for images, or declare the input's layout: channels_last or channels_first), or flatten it to [N, 48]");
  });
  it('is read when it matches, is flat, or differs only by axes of size 1', () => {
    for (const shape of [[2, 4, 4, 3], [2, 48], [2, 1, 4, 4, 3]]) expect(arraysToSamples(NHWC, images(shape), labels).count).toBe(2);
  });
});

describe('values beyond float32 are refused where they are read', () => {
  const y = { array: parseNpy(npy('>i2', [3], [0, 1, 2]), 'y.npy'), file: 'y.npy' };
  const x = (values: number[]) => ({ array: parseNpy(npy('<f8', [3, 2], values), 'x.npy'), file: 'x.npy' });
  it('.npy float64: 1e300 is finite in float64 but not in float32, named with its sample and feature', () => {
    expect(err(() => arraysToSamples(BLOBS, x([0, 1, 2, 3, 4, 1e300]), y))).toBe('x.npy: sample 2, feature 1: 1e+300 is beyond the float32 range (magnitude at most 3.4028234663852886e+38)');
    expect(err(() => arraysToSamples(BLOBS, x([0, 1, -3.5e38, 3, 4, 5]), y))).toBe('x.npy: sample 1, feature 0: -3.5e+38 is beyond the float32 range (magnitude at most 3.4028234663852886e+38)');
    expect(err(() => arraysToSamples(BLOBS, x([0, 1, 2, Infinity, 4, 5]), y))).toBe('x.npy: sample 1, feature 1: Infinity is not a finite number');
    const edge = arraysToSamples(BLOBS, x([3.4028234663852886e38, -3.4028234663852886e38, 0, 0, 0, 0]), y);
    expect([...edge.tensors.point!.subarray(0, 2)]).toEqual([3.4028234663852886e38, -3.4028234663852886e38]);
  });
  it('the scaled value is checked, since it is what reaches the GPU', () => {
    expect(err(() => arraysToSamples(BLOBS, x([0, 1, 2, 3, 4, 1e30]), y, { scale: 1e10 }))).toBe(
      'x.npy: sample 2, feature 1: 1e+30 × 10000000000 is beyond the float32 range (magnitude at most 3.4028234663852886e+38)');
    expect(arraysToSamples(BLOBS, x([0, 1, 2, 3, 4, 1e300]), y, { scale: 1e-290 }).tensors.point![5]).toBe(Math.fround(1e10));
  });
  it('IDX float64 and regression targets too', () => {
    const big = new DataView(new ArrayBuffer(12 + 4 * 8));
    big.setUint32(0, 0x00000e02);
    big.setUint32(4, 2);
    big.setUint32(8, 2);
    [1, 2, 1e39, 4].forEach((v, i) => big.setFloat64(12 + 8 * i, v));
    const f = { array: parseIdx(new Uint8Array(big.buffer), 'x-idx2-ubyte'), file: 'x-idx2-ubyte' };
    expect(err(() => arraysToSamples(BLOBS, f, { array: parseIdx(idx(0x08, [2], [0, 1]), 'l'), file: 'l' }))).toBe(
      'x-idx2-ubyte: sample 1, feature 0: 1e+39 is beyond the float32 range (magnitude at most 3.4028234663852886e+38)');
    const reg = compile(readFileSync(join(ROOT, 'samples/regression.dl'), 'utf8')).artifact!.manifest;
    const feature = reg.inputs.find((i) => i.name !== reg.train.label)!;
    const per = feature.shape.slice(1).reduce((a, b) => a * b, 1);
    const xs = { array: parseNpy(npy('<f4', [2, per], Array(2 * per).fill(1)), 'rx.npy'), file: 'rx.npy' };
    const k = reg.inputs.find((i) => i.name === reg.train.label)!.shape.slice(1).reduce((a, b) => a * b, 1);
    const targets = Array(2 * k).fill(0);
    targets[k] = NaN;
    expect(err(() => arraysToSamples(reg, xs, { array: parseNpy(npy('<f8', [2, k], targets), 'ry.npy'), file: 'ry.npy' }))).toBe('ry.npy: sample 1, target 0: NaN is not a finite number');
  });
  it('header text is escaped and cut in messages', () => {
    const bad = npy('<f4', [1], [1]);
    const header = new TextDecoder().decode(bad.subarray(10, 10 + bad[8]!));
    const evil = header.replace("'shape': (1,)", `'shape': (1\x1b[2J${'9'.repeat(200)},)`);
    const bytes = new Uint8Array([...bad.subarray(0, 8), evil.length & 255, evil.length >> 8, ...new TextEncoder().encode(evil), 0, 0, 128, 63]);
    expect(err(() => parseNpy(bytes, 'e\x07.npy'))).toBe(`e\\x07.npy: bad dimension '1\\e[2J${'9'.repeat(115)}…' in the .npy header's shape`);
    const noShape = new TextEncoder().encode(`{'descr': '<f4', 'fortran_order': False, \x1b]0;${'z'.repeat(300)}}`);
    const plain = new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, noShape.length & 255, noShape.length >> 8, ...noShape]);
    expect(err(() => parseNpy(plain, 'h.npy'))).toBe(`h.npy: malformed .npy header '{'descr': '<f4', 'fortran_order': False, \\e]0;${'z'.repeat(75)}…'`);
  });
});
