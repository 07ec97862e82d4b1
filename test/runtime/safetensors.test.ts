// safetensors encode/decode: round trip, layout, and the exact message of every validation error.
import { describe, it, expect } from 'vitest';
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from '../../runtime/safetensors.ts';

/** Builds a file by hand from a header object (or raw header text) and data bytes. */
function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0), headerLength?: number): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, headerLength ?? json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function decodeError(bytes: Uint8Array): string {
  try {
    decodeSafetensors(bytes, 'w.safetensors');
  } catch (err) {
    expect(err).toBeInstanceOf(SafetensorsError);
    return (err as Error).message;
  }
  throw new Error('decode unexpectedly succeeded');
}

describe('safetensors', () => {
  it('round-trips F32 and I32 tensors with metadata', () => {
    // Edge values keep their bits: negative zero, the largest float32, the smallest subnormal.
    const w = new Float32Array([1.5, -2, 3.25, -0, 3.4028234663852886e38, 2 ** -149]);
    const steps = new Int32Array([7, -1]);
    const scalar = new Float32Array([42]);
    const bytes = encodeSafetensors(
      [
        { name: 'dense_1.w', dtype: 'F32', shape: [2, 3], data: w },
        { name: 'step', dtype: 'I32', shape: [2], data: steps },
        { name: 'lr', dtype: 'F32', shape: [], data: scalar },
        { name: 'empty', dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
      ],
      { model: 'mlp', epoch: '3' },
    );
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ model: 'mlp', epoch: '3' });
    expect([...tensors.keys()]).toEqual(['dense_1.w', 'step', 'lr', 'empty']);
    const got = tensors.get('dense_1.w')!;
    expect(got.dtype).toBe('F32');
    expect(got.shape).toEqual([2, 3]);
    expect(got.data).toBeInstanceOf(Float32Array);
    expect(Array.from(got.data)).toEqual(Array.from(w));
    expect(tensors.get('step')!.data).toEqual(steps);
    expect(tensors.get('lr')).toEqual({ dtype: 'F32', shape: [], data: scalar });
    expect(tensors.get('empty')!.data.length).toBe(0);
  });

  it('writes the standard layout: u64 header length, header padded to 8, little-endian data', () => {
    const bytes = encodeSafetensors([{ name: 'a', dtype: 'I32', shape: [1], data: new Int32Array([0x01020304]) }]);
    const view = new DataView(bytes.buffer);
    const n = view.getUint32(0, true);
    expect(view.getUint32(4, true)).toBe(0);
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header).toEqual({ a: { dtype: 'I32', shape: [1], data_offsets: [0, 4] } });
    expect(Array.from(bytes.subarray(8 + n))).toEqual([4, 3, 2, 1]);
  });

  it('decodes from an unaligned view and returns aligned copies', () => {
    const bytes = encodeSafetensors([{ name: 'a', dtype: 'F32', shape: [3], data: new Float32Array([1, 2, 3]) }]);
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    const a = decodeSafetensors(shifted.subarray(1)).tensors.get('a')!;
    expect(Array.from(a.data)).toEqual([1, 2, 3]);
    expect(a.data.byteOffset).toBe(0);
    expect(a.data.buffer).not.toBe(shifted.buffer);
  });

  it('copies data out of a Node Buffer (whose slice() is a view, not a copy)', () => {
    const buf = Buffer.from(encodeSafetensors([{ name: 'a', dtype: 'F32', shape: [2], data: new Float32Array([5, 6]) }]));
    const a = decodeSafetensors(buf).tensors.get('a')!;
    buf.fill(0);
    expect(Array.from(a.data)).toEqual([5, 6]);
    expect(a.data.buffer.byteLength).toBe(8);
  });

  it('refuses to encode mismatched data and duplicate names', () => {
    expect(() => encodeSafetensors([{ name: 'a', dtype: 'F32', shape: [2, 2], data: new Float32Array(3) }])).toThrow(
      'cannot encode "a": shape [2, 2] needs 4 elements, data has 3',
    );
    const t = { name: 'a', dtype: 'F32' as const, shape: [1], data: new Float32Array(1) };
    expect(() => encodeSafetensors([t, t])).toThrow('cannot encode: duplicate or reserved tensor name "a"');
  });

  it('reports a file shorter than the length prefix', () => {
    expect(decodeError(new Uint8Array(5))).toBe(
      'w.safetensors: truncated file: 5 bytes, shorter than the 8-byte header length',
    );
  });

  it('reports a header length beyond the file size', () => {
    expect(decodeError(rawFile({}, new Uint8Array(0), 1000))).toBe(
      'w.safetensors: header length 1000 runs past the end of the file (10 bytes)',
    );
  });

  it('reports a header length over 100 MB', () => {
    const bytes = new Uint8Array(16);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, 0, true);
    view.setUint32(4, 1, true); // 2^32 bytes
    expect(decodeError(bytes)).toBe("w.safetensors: header length 4294967296 exceeds the 104857600-byte limit (not a safetensors file? Its first 8 bytes give the header length and its header starts with '{')");
  });

  it('a text file given as weights: the length read exactly, and another kind of file suggested', () => {
    const text = new TextEncoder().encode('# Your own data: points in the plane\nmodel blobs {}\n');
    expect(decodeError(text)).toBe("w.safetensors: header length 8007525986169593891 exceeds the 104857600-byte limit (not a safetensors file? Its first 8 bytes give the header length and its header starts with '{')");
  });

  it('reports a header that is not JSON, or not an object', () => {
    expect(decodeError(rawFile('{"a": '))).toMatch(/^w\.safetensors: header is not valid JSON \(.+\)$/);
    expect(decodeError(rawFile('[1,2]'))).toBe('w.safetensors: header is not a JSON object');
  });

  it('reports bad metadata', () => {
    expect(decodeError(rawFile({ __metadata__: { epoch: 3 } }))).toBe(
      'w.safetensors: __metadata__ value "epoch" is not a string',
    );
  });

  it('reports an unknown dtype', () => {
    const header = { h: { dtype: 'BF16', shape: [2], data_offsets: [0, 4] } };
    expect(decodeError(rawFile(header, new Uint8Array(4)))).toBe(
      'w.safetensors: tensor "h" has unsupported dtype "BF16" (supported: F32, I32, I8, F16)',
    );
  });

  it('reports a bad shape and bad offsets', () => {
    expect(decodeError(rawFile({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)))).toBe(
      'w.safetensors: tensor "a" has an invalid shape [-1]',
    );
    expect(decodeError(rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, new Uint8Array(4)))).toBe(
      'w.safetensors: tensor "a" has invalid data_offsets [4,0]',
    );
  });

  it('reports offsets that do not match shape × dtype size', () => {
    const header = { a: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 12] } };
    expect(decodeError(rawFile(header, new Uint8Array(16)))).toBe(
      'w.safetensors: tensor "a" spans 12 bytes but shape [2,2] of F32 needs 16',
    );
  });

  it('reports overlapping tensors', () => {
    const header = {
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'I32', shape: [2], data_offsets: [4, 12] },
    };
    expect(decodeError(rawFile(header, new Uint8Array(12)))).toBe(
      'w.safetensors: tensors "a" and "b" overlap in the data',
    );
  });

  it('reports a truncated file (data shorter than the offsets say)', () => {
    const good = encodeSafetensors([{ name: 'a', dtype: 'F32', shape: [4], data: new Float32Array(4) }]);
    expect(decodeError(good.subarray(0, good.length - 3))).toBe(
      'w.safetensors: truncated file: tensor "a" ends at data byte 16, but the file holds 13 data bytes',
    );
  });

  it('refuses a NaN or infinite F32 value, naming the tensor and the element', () => {
    const weights = (v: number) => encodeSafetensors([
      { name: 'ok', dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) },
      { name: 'dense_1.w', dtype: 'F32', shape: [2, 3], data: new Float32Array([0, 1, 2, 3, v, 5]) },
    ]);
    expect(decodeError(weights(Number.NaN))).toBe('w.safetensors: tensor "dense_1.w" element [1, 1]: NaN is not a finite number');
    expect(decodeError(weights(-Infinity))).toBe('w.safetensors: tensor "dense_1.w" element [1, 1]: -Infinity is not a finite number');
    // I32 tensors hold integers: every bit pattern is a value.
    expect(() => decodeSafetensors(encodeSafetensors([{ name: 'step', dtype: 'I32', shape: [1], data: new Int32Array([-1]) }]))).not.toThrow();
  });

  it('escapes control characters of tensor names and the file name in messages', () => {
    const header = { 'a\x1b]0;pwned\x07': { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } };
    expect(() => decodeSafetensors(rawFile(header, new Uint8Array(4)), 'w\x1b[2J.safetensors')).toThrow(
      'w\\e[2J.safetensors: tensor "a\\e]0;pwned\\x07" has an invalid shape [-1]',
    );
  });

  it('names <buffer> when no source is given', () => {
    expect(() => decodeSafetensors(new Uint8Array(0))).toThrow(/^<buffer>: truncated file/);
  });
});
