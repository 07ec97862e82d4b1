// The safetensors file format (F32, I32, I8 and F16): encode and strictly validated decode, pure and browser-safe.
import { printable } from '../dsl/printable.ts';
import { shownFile } from './data/data-error.ts';
import { f32Problem } from './data/f32.ts';

/**
 * The dtypes dlc stores: F32 and I32 (4 bytes per element), I8 (dlc quantize's int8 kernels, 1 byte),
 * F16 (dlc export --precision f16, 2 bytes, held as its bit patterns in a Uint16Array).
 */
export type SafeDType = 'F32' | 'I32' | 'I8' | 'F16';

/** A tensor to encode. `data.length` must equal the product of `shape`. */
export interface NamedTensor {
  name: string;
  dtype: SafeDType;
  shape: number[];
  data: Float32Array | Int32Array | Int8Array | Uint16Array;
}

/** A decoded tensor; `data` is a fresh array (F32 → Float32Array, I32 → Int32Array, I8 → Int8Array, F16 → Uint16Array of bits). */
export interface DecodedTensor {
  dtype: SafeDType;
  shape: number[];
  data: Float32Array | Int32Array | Int8Array | Uint16Array;
}

/** A malformed or unsupported safetensors file; the message names the source and the problem. */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

/** Header JSON larger than this is refused: a corrupt length would otherwise make us allocate gigabytes. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/** Largest safetensors file read (2 GiB − 1, what Node's readFile could read whole before reads were bounded). */
export const MAX_FILE_BYTES = 2 ** 31 - 1;

const BYTES_PER_ELEMENT: Record<SafeDType, number> = { F32: 4, I32: 4, I8: 1, F16: 2 };
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The position of flat element `i` in `shape`, as "[2, 0, 1]". */
function elementIndex(i: number, shape: readonly number[]): string {
  const at = shape.map(() => 0);
  for (let d = shape.length - 1, rest = i; d >= 0; d--) {
    at[d] = rest % shape[d]!;
    rest = Math.floor(rest / shape[d]!);
  }
  return `[${at.join(', ')}]`;
}

/** Reverses each element's bytes in place (big-endian hosts only: the file is little-endian). */
function swapBytes(bytes: Uint8Array, dtype: SafeDType): void {
  if (dtype === 'F16') {
    for (let i = 0; i + 1 < bytes.length; i += 2) [bytes[i], bytes[i + 1]] = [bytes[i + 1]!, bytes[i]!];
  } else if (dtype !== 'I8') swap32(bytes);
}

/** Reverses each 4-byte group in place. */
function swap32(bytes: Uint8Array): void {
  for (let i = 0; i + 3 < bytes.length; i += 4) {
    const a = bytes[i]!, b = bytes[i + 1]!;
    bytes[i] = bytes[i + 3]!;
    bytes[i + 1] = bytes[i + 2]!;
    bytes[i + 2] = b;
    bytes[i + 3] = a;
  }
}

/**
 * Encodes tensors (in the given order) and optional string metadata as a safetensors file.
 * The header is padded with spaces to a multiple of 8 bytes so the data starts aligned, as
 * the reference implementation does.
 * @throws SafetensorsError on a duplicate name, a bad shape, or data of the wrong length.
 */
export function encodeSafetensors(tensors: NamedTensor[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    if (t.name === '__metadata__' || Object.hasOwn(header, t.name)) {
      throw new SafetensorsError(`cannot encode: duplicate or reserved tensor name "${t.name}"`);
    }
    if (!t.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new SafetensorsError(`cannot encode "${t.name}": bad shape [${t.shape.join(', ')}]`);
    }
    const expected = elementCount(t.shape);
    if (t.data.length !== expected) {
      throw new SafetensorsError(`cannot encode "${t.name}": shape [${t.shape.join(', ')}] needs ${expected} elements, data has ${t.data.length}`);
    }
    const size = expected * BYTES_PER_ELEMENT[t.dtype];
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  const jsonBytesLength = new TextEncoder().encode(json).length;
  json += ' '.repeat((8 - ((8 + jsonBytesLength) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);

  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerBytes.length, true);
  view.setUint32(4, Math.floor(headerBytes.length / 2 ** 32), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors) {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    out.set(bytes, at);
    if (!LITTLE_ENDIAN) swapBytes(out.subarray(at, at + bytes.length), t.dtype);
    at += bytes.length;
  }
  return out;
}

/**
 * Decodes a safetensors file, validating everything it relies on: header length, JSON,
 * dtypes, shapes, and that each tensor's byte range lies inside the data, matches its
 * shape × dtype size, and overlaps no other; every F32 value must be finite (a NaN weight
 * only ever yields NaN outputs). Data is copied into fresh aligned arrays.
 * @param source names the file in error messages (a path, a URL).
 * @throws SafetensorsError naming `source` and the problem.
 */
export function decodeSafetensors(
  bytes: Uint8Array,
  source = '<buffer>',
): { tensors: Map<string, DecodedTensor>; metadata: Record<string, string> } {
  // A declaration (not an arrow) so TypeScript narrows after each `fail(...)`.
  function fail(problem: string): never {
    throw new SafetensorsError(`${shownFile(source)}: ${problem}`);
  }
  if (bytes.length < 8) fail(`truncated file: ${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Exact as a BigInt: a text file's first 8 bytes read as a length are far past 2^53.
  const declared = view.getBigUint64(0, true);
  // A length past the file and a first header byte other than '{' is not a damaged safetensors file: it is another kind.
  const notSafetensors = bytes.length < 9 || bytes[8] !== 0x7b ? ' (not a safetensors file? Its first 8 bytes give the header length and its header starts with \'{\')' : '';
  if (declared > BigInt(MAX_HEADER_BYTES)) fail(`header length ${declared} exceeds the ${MAX_HEADER_BYTES}-byte limit${notSafetensors}`);
  if (BigInt(8) + declared > BigInt(bytes.length)) fail(`header length ${declared} runs past the end of the file (${bytes.length} bytes)${notSafetensors}`);
  const headerLength = Number(declared);

  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (err) {
    fail(`header is not valid JSON (${printable((err as Error).message)})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
  const entries = header as Record<string, unknown>;

  const metadata: Record<string, string> = {};
  const rawMeta = entries.__metadata__;
  if (rawMeta !== undefined) {
    if (typeof rawMeta !== 'object' || rawMeta === null || Array.isArray(rawMeta)) fail('__metadata__ is not an object');
    for (const [k, v] of Object.entries(rawMeta as object)) {
      if (typeof v !== 'string') fail(`__metadata__ value "${printable(k)}" is not a string`);
      metadata[k] = v as string;
    }
  }

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const ranges: { name: string; begin: number; end: number }[] = [];
  const specs = new Map<string, { dtype: SafeDType; shape: number[]; begin: number; end: number }>();
  for (const [name, value] of Object.entries(entries)) {
    if (name === '__metadata__') continue;
    const spec = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (typeof spec !== 'object' || spec === null) fail(`tensor "${printable(name)}" has no dtype/shape/data_offsets entry`);
    const { dtype, shape, data_offsets: offsets } = spec;
    if (dtype !== 'F32' && dtype !== 'I32' && dtype !== 'I8' && dtype !== 'F16') fail(`tensor "${printable(name)}" has unsupported dtype ${printable(JSON.stringify(dtype) ?? String(dtype))} (supported: F32, I32, I8, F16)`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`tensor "${printable(name)}" has an invalid shape ${printable(JSON.stringify(shape) ?? String(shape))}`);
    }
    if (
      !Array.isArray(offsets) || offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]
    ) {
      fail(`tensor "${printable(name)}" has invalid data_offsets ${printable(JSON.stringify(offsets) ?? String(offsets))}`);
    }
    const [begin, end] = offsets as [number, number];
    const expected = elementCount(shape as number[]) * BYTES_PER_ELEMENT[dtype as SafeDType];
    if (end - begin !== expected) {
      fail(`tensor "${printable(name)}" spans ${end - begin} bytes but shape ${printable(JSON.stringify(shape) ?? String(shape))} of ${dtype} needs ${expected}`);
    }
    if (end > dataLength) fail(`truncated file: tensor "${printable(name)}" ends at data byte ${end}, but the file holds ${dataLength} data bytes`);
    ranges.push({ name, begin, end });
    specs.set(name, { dtype: dtype as SafeDType, shape: shape as number[], begin, end });
  }

  // Overlap check: sorted by start, each non-empty range must begin at or after the previous end.
  ranges.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let prev: { name: string; end: number } | undefined;
  for (const r of ranges) {
    if (r.begin === r.end) continue;
    if (prev && r.begin < prev.end) fail(`tensors "${printable(prev.name)}" and "${printable(r.name)}" overlap in the data`);
    prev = r;
  }

  const tensors = new Map<string, DecodedTensor>();
  for (const [name, s] of specs) {
    // A fresh buffer at offset 0 keeps the typed array aligned; not slice(), which on a Node Buffer is a view.
    const copy = new Uint8Array(s.end - s.begin);
    copy.set(bytes.subarray(dataStart + s.begin, dataStart + s.end));
    if (!LITTLE_ENDIAN) swapBytes(copy, s.dtype);
    const data = s.dtype === 'F32' ? new Float32Array(copy.buffer) : s.dtype === 'I8' ? new Int8Array(copy.buffer) : s.dtype === 'F16' ? new Uint16Array(copy.buffer) : new Int32Array(copy.buffer);
    if (data instanceof Float32Array) {
      const bad = data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) fail(`tensor "${printable(name)}" element ${elementIndex(bad, s.shape)}: ${f32Problem(data[bad]!)}`);
    }
    if (data instanceof Uint16Array) {
      // An f16 exponent of all ones is infinity or NaN.
      const bad = data.findIndex((h) => (h & 0x7c00) === 0x7c00);
      if (bad >= 0) fail(`tensor "${printable(name)}" element ${elementIndex(bad, s.shape)}: ${data[bad]! & 0x3ff ? 'NaN' : 'infinity'} is not a finite number`);
    }
    tensors.set(name, { dtype: s.dtype, shape: [...s.shape], data });
  }
  return { tensors, metadata };
}
