// Valid data files for a model, built from small random arrays, in each format the CLI reads: CSV,
// .npy, .npz, IDX, and safetensors weights and checkpoints. Each format keeps its parts apart (CSV
// cells, a .npy header and body, zip members) so the mutations can edit one part and re-encode.
import type { Manifest } from '../compiler/artifact.ts';
import type { Rng } from '../runtime/random.ts';
import type { DataOptions } from '../cli/data.ts';
import { inputsOf, type SampleModel } from './fuzz-models.ts';
import { pick } from './fuzz-mutate.ts';

export type DataFormat = 'csv' | 'npy' | 'npz' | 'idx' | 'weights' | 'checkpoint';

/** One array as a .npy file: header text (the dict, padded) and little-/big-endian body. */
export interface NpyParts {
  version: 1 | 2 | 3;
  header: string;
  body: Uint8Array;
}

/** An array before encoding: its shape and row-major values. */
interface Values {
  shape: number[];
  values: number[];
}

/** What a .npy descr writes, and how. */
const NPY_WRITERS: Record<string, { bytes: number; set: (v: DataView, o: number, x: number) => void }> = {
  '<f4': { bytes: 4, set: (v, o, x) => v.setFloat32(o, x, true) },
  '>f4': { bytes: 4, set: (v, o, x) => v.setFloat32(o, x, false) },
  '<f8': { bytes: 8, set: (v, o, x) => v.setFloat64(o, x, true) },
  '<i2': { bytes: 2, set: (v, o, x) => v.setInt16(o, x, true) },
  '|u1': { bytes: 1, set: (v, o, x) => v.setUint8(o, x) },
  '<i4': { bytes: 4, set: (v, o, x) => v.setInt32(o, x, true) },
  '<i8': { bytes: 8, set: (v, o, x) => v.setBigInt64(o, BigInt(x), true) },
};

/** The header dict numpy writes, padded with spaces to a multiple of 64 bytes with the prefix. */
export function npyHeader(descr: string, shape: readonly (number | string)[], version: 1 | 2 | 3 = 1, fortran = 'False'): string {
  const dict = `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const prefix = version === 1 ? 10 : 12;
  return dict + ' '.repeat((64 - ((prefix + dict.length + 1) % 64)) % 64) + '\n';
}

function npyParts(a: Values, descr: string, version: 1 | 2 | 3 = 1): NpyParts {
  const w = NPY_WRITERS[descr]!;
  const body = new DataView(new ArrayBuffer(a.values.length * w.bytes));
  a.values.forEach((x, i) => w.set(body, i * w.bytes, x));
  return { version, header: npyHeader(descr, a.shape, version), body: new Uint8Array(body.buffer) };
}

/** The bytes of a .npy file (the header length field as the version writes it). */
export function encodeNpy(p: NpyParts): Uint8Array {
  const header = new TextEncoder().encode(p.header);
  const prefix = p.version === 1 ? 10 : 12;
  const out = new Uint8Array(prefix + header.length + p.body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, p.version, 0]);
  const v = new DataView(out.buffer);
  if (p.version === 1) v.setUint16(8, header.length & 0xffff, true);
  else v.setUint32(8, header.length, true);
  out.set(header, prefix);
  out.set(p.body, prefix + header.length);
  return out;
}

/** An IDX file: zero, zero, type byte, dimension count, big-endian dimensions, big-endian values. */
export interface IdxParts {
  type: number;
  shape: number[];
  body: Uint8Array;
}

function idxParts(a: Values, type: 0x08 | 0x0d): IdxParts {
  const width = type === 0x0d ? 4 : 1;
  const body = new DataView(new ArrayBuffer(a.values.length * width));
  a.values.forEach((x, i) => (type === 0x0d ? body.setFloat32(i * 4, x, false) : body.setUint8(i, x)));
  return { type, shape: a.shape, body: new Uint8Array(body.buffer) };
}

export function encodeIdx(p: IdxParts): Uint8Array {
  const out = new Uint8Array(4 + 4 * p.shape.length + p.body.length);
  const v = new DataView(out.buffer);
  out.set([0, 0, p.type & 0xff, p.shape.length & 0xff]);
  p.shape.forEach((d, i) => v.setUint32(4 + 4 * i, d >>> 0, false));
  out.set(p.body, 4 + 4 * p.shape.length);
  return out;
}

/** A generated data set, before mutation: the file under test in its parts, and how the CLI is told to read it. */
export interface DataCase {
  format: DataFormat;
  model: SampleModel;
  /** The file's name (its extension picks the reader). */
  name: string;
  csv?: string[][];
  npy?: NpyParts;
  idx?: IdxParts;
  /** .npz members: name → .npy parts. */
  npz?: { name: string; npy: NpyParts; method: 0 | 8; zip64: boolean }[];
  /** safetensors (weights and checkpoints) as encoded. */
  bytes?: Uint8Array;
  /** Labels of .npy / IDX features, a valid file beside it. */
  labels?: { name: string; bytes: Uint8Array };
  opts: DataOptions;
  labelsOptional: boolean;
}

/** Random features (integers when `integer`) and labels (class indices or real targets) for `n` samples. */
function arrays(m: Manifest, n: number, rng: Rng, integer: boolean): { x: Values; y: Values } {
  const { feature, target, perSample, perLabel } = inputsOf(m);
  // Token inputs take ids in [0, vocab): valid ids, small enough for every integer dtype written.
  const value = feature.vocab !== undefined ? () => rng.int(Math.min(feature.vocab!, 256))
    : () => (integer ? rng.int(256) : Math.round((rng.next() * 4 - 2) * 1e4) / 1e4);
  const x = { shape: [n, ...feature.shape.slice(1)], values: Array.from({ length: n * perSample }, value) };
  const y = target.classes !== undefined
    ? { shape: [n], values: Array.from({ length: n }, () => rng.int(target.classes!)) }
    : { shape: [n, ...target.shape.slice(1)], values: Array.from({ length: n * perLabel }, () => Math.round((rng.next() * 2 - 1) * 1e4) / 1e4) };
  return { x, y };
}

/**
 * A valid data file for `model` in `format`, with `rows` samples. Features of CSV files are named
 * f0, f1, ...; a model with several targets per sample names its label columns with --label.
 */
export function makeDataCase(model: SampleModel, format: DataFormat, rows: number, rng: Rng): DataCase {
  const m = model.artifact.manifest;
  const { feature, target, perLabel } = inputsOf(m);
  const base = { format, model, opts: {}, labelsOptional: false };
  if (format === 'weights' || format === 'checkpoint') return { ...base, name: `${format}.safetensors`, bytes: format === 'weights' ? model.weights : model.checkpoint };
  const integer = feature.vocab !== undefined || (format === 'idx' ? rng.next() < 0.5 : rng.next() < 0.2);
  const { x, y } = arrays(m, rows, rng, integer);
  if (format === 'csv') {
    const per = x.values.length / rows;
    const labelNames = perLabel === 1 ? [target.name] : Array.from({ length: perLabel }, (_, i) => `t${i}`);
    const header = [...Array.from({ length: per }, (_, i) => `f${i}`), ...labelNames];
    const cells = Array.from({ length: rows }, (_, r) => [
      ...x.values.slice(r * per, (r + 1) * per).map(String),
      ...y.values.slice(r * perLabel, (r + 1) * perLabel).map(String),
    ]);
    return { ...base, name: 'data.csv', csv: [header, ...cells], opts: perLabel === 1 ? {} : { label: labelNames } };
  }
  const labelDescr = target.classes !== undefined ? pick(rng, ['<i8', '|u1', '<i4']) : pick(rng, ['<f4', '<f8']);
  if (format === 'npz') {
    const method = rng.next() < 0.5 ? 0 : 8;
    const zip64 = rng.next() < 0.5;
    const [xn, yn] = rng.next() < 0.5 ? [feature.name, target.name] : ['x', 'y'];
    const featureDescr = integer ? pick(rng, ['|u1', '<i2']) : pick(rng, ['<f4', '<f8', '>f4']);
    return { ...base, name: 'data.npz', npz: [{ name: `${xn}.npy`, npy: npyParts(x, featureDescr), method, zip64 }, { name: `${yn}.npy`, npy: npyParts(y, labelDescr), method, zip64 }] };
  }
  if (format === 'npy') {
    const featureDescr = integer ? pick(rng, ['|u1', '<i2']) : pick(rng, ['<f4', '<f8', '>f4']);
    const labels = { name: 'labels.npy', bytes: encodeNpy(npyParts(y, labelDescr)) };
    return { ...base, name: 'features.npy', npy: npyParts(x, featureDescr, pick(rng, [1, 1, 2, 3] as const)), labels, opts: { labels: 'labels.npy' } };
  }
  const labels = target.classes !== undefined
    ? { name: 'labels-idx1-ubyte', bytes: encodeIdx(idxParts(y, 0x08)) }
    : { name: 'labels-idx2-ubyte', bytes: encodeIdx(idxParts(y, 0x0d)) };
  return { ...base, name: 'images-idx3-ubyte', idx: idxParts(x, integer ? 0x08 : 0x0d), labels, opts: { labels: labels.name } };
}
