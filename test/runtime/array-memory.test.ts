// Reading array files costs the file's bytes plus the float32 samples, never a float64 copy of the
// whole array: a float64 .npy and a deflated .npz member of 64 MiB each, read in a child process
// whose high-water mark of resident memory must stay under that sum and some slack (measured: 97 and
// 119 MiB; with the float64 copy it once made, 163 and 281 MiB); and, structurally, the parsed
// values are views of the file's bytes.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseIdx, parseNpy } from '../../runtime/data/arrays.ts';
import { parseNpz } from '../../runtime/data/npz-node.ts';
import { ROOT } from '../helpers/cli.ts';
import { makeZip } from '../helpers/zip.ts';

const MiB = 2 ** 20;
const tmp = mkdtempSync(join(tmpdir(), 'dlc-array-memory-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A version-1 .npy file: the header padded to 64 bytes, then `body` (the values' bytes). */
function npy(descr: string, shape: number[], body: Uint8Array): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const out = new Uint8Array(10 + header.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8]);
  out.set(new TextEncoder().encode(header), 10);
  out.set(body, 10 + header.length);
  return out;
}

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Runs test/helpers/read-peak.ts on `file` for the blobs sample (2 features a sample). */
function readPeak(file: string): Promise<{ rise: number; type: string; length: number } | 'unsupported'> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/helpers/read-peak.ts'), 'blobs', file], { cwd: ROOT });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d; });
    child.stderr.on('data', (d: Buffer) => { err += d; });
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`read-peak exited ${code}: ${err}`));
      resolve(out.trim() === 'unsupported' ? 'unsupported' : JSON.parse(out));
    });
  });
}

/** `n` float values of a repeating pattern (not zeros, which a page allocator might treat apart). */
function pattern<T extends Float32Array | Float64Array>(a: T): T {
  for (let i = 0; i < a.length; i++) a[i] = (i % 1000) / 8;
  return a;
}

describe('array files are read without a float64 copy', () => {
  it('resident memory rises by the file bytes plus the float32 samples, not more (child process)', async (t) => {
    // 64 MiB of float64 (8 Mi values) in a .npy, and an .npz whose member inflates to 64 MiB of float32.
    const f8 = pattern(new Float64Array(8 * MiB));
    writeFileSync(join(tmp, 'x.npy'), npy('<f8', [f8.length / 2, 2], bytesOf(f8)));
    const f4 = pattern(new Float32Array(16 * MiB));
    writeFileSync(join(tmp, 'x.npz'), makeZip(new Map([['x.npy', npy('<f4', [f4.length / 2, 2], bytesOf(f4))]])));
    const [npyRead, npzRead] = await Promise.all([readPeak(join(tmp, 'x.npy')), readPeak(join(tmp, 'x.npz'))]);
    if (npyRead === 'unsupported' || npzRead === 'unsupported') return t.skip();
    // Room for the heap's own growth and the allocator's rounding (bounds 128 and 160 MiB).
    const slack = 32 * MiB;
    expect(npyRead).toMatchObject({ type: 'Float32Array', length: f8.length });
    expect(npyRead.rise).toBeLessThan(64 * MiB + 32 * MiB + slack);
    expect(npzRead).toMatchObject({ type: 'Float32Array', length: f4.length });
    expect(npzRead.rise).toBeLessThan(64 * MiB + 64 * MiB + slack);
  }, 120_000);

  it('parsed values are views of the bytes read, in the file\'s element type; only a foreign byte order or an odd offset is copied', () => {
    const f8 = npy('<f8', [3], bytesOf(new Float64Array([1, 2.5, -3])));
    const x = parseNpy(f8, 'x.npy');
    expect(x.data).toBeInstanceOf(Float64Array);
    expect(x.data.buffer).toBe(f8.buffer);
    expect([...x.data]).toEqual([1, 2.5, -3]);
    const f4 = npy('<f4', [2], bytesOf(new Float32Array([0.5, 7])));
    expect(parseNpy(f4, 'f.npy').data.buffer).toBe(f4.buffer);
    // Big-endian: one byte-swapped copy, still float32.
    const be = new DataView(new ArrayBuffer(8));
    be.setFloat32(0, 1.5, false);
    be.setFloat32(4, -2, false);
    const big = parseNpy(npy('>f4', [2], new Uint8Array(be.buffer)), 'b.npy');
    expect(big.data).toBeInstanceOf(Float32Array);
    expect([...big.data]).toEqual([1.5, -2]);
    // At an odd offset inside a larger buffer (an .npz member stored uncompressed): an aligned copy.
    const shifted = new Uint8Array(f8.length + 1);
    shifted.set(f8, 1);
    expect([...parseNpy(shifted.subarray(1), 's.npy').data]).toEqual([1, 2.5, -3]);
    // 64-bit integers (numpy's default for labels) as numbers.
    const i8 = npy('<i8', [3], bytesOf(new BigInt64Array([0n, 2n, -(2n ** 40n)])));
    expect(parseNpy(i8, 'l.npy')).toMatchObject({ integer: true, data: new Float64Array([0, 2, -(2 ** 40)]) });
    // IDX bytes (MNIST's pixels) are views too.
    const idx = new Uint8Array([0, 0, 0x08, 1, 0, 0, 0, 3, 9, 8, 7]);
    const pixels = parseIdx(idx, 'p-idx1-ubyte');
    expect(pixels.data).toBeInstanceOf(Uint8Array);
    expect(pixels.data.buffer).toBe(idx.buffer);
    // An .npz member stored uncompressed: a view of the archive's bytes when aligned, read the same either way.
    const zipped = parseNpz(makeZip(new Map([['x.npy', f8]])), 'z.npz').get('x')!;
    expect([...zipped.data]).toEqual([1, 2.5, -3]);
  });
});
