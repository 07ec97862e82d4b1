// Binary array files for a model's inputs: NumPy .npy (and the arrays inside .npz), and the IDX
// format of the original MNIST files. Parsed from bytes with every size checked before anything is
// allocated; each error names the file. Then matched to the model like CSV data, every value
// checked to fit float32.
import type { Manifest } from '../../compiler/artifact.ts';
import { printable } from '../../dsl/printable.ts';
import type { Samples } from '../fit.ts';
import { DataError, shownFile } from './data-error.ts';
import { toF32 } from './f32.ts';
import { MAX_VALUES } from './limits.ts';
import { describeInput, featureAndLabel, toTokenIds, valuesPerSample } from './model-inputs.ts';

/**
 * The values of an array file as a typed array of the file's own element type: a view of the file's
 * bytes where their byte order and alignment allow (the usual case), else one copy of them. 64-bit
 * integers come as float64 (Number's precision; the same bytes as the file's). No reader widens the
 * whole array: the float32 conversion (arraysToSamples) reads these straight into its output, so
 * reading costs the file's bytes plus the float32 samples.
 */
export type ArrayValues = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

/** An n-dimensional array read from a file: row-major values, and whether they are integers. */
export interface NdArray {
  shape: number[];
  data: ArrayValues;
  integer: boolean;
}

type ViewOf = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => ArrayValues | BigInt64Array | BigUint64Array;

/** An element type: its width, whether it holds integers, and the typed array that views it. */
export interface ElementType {
  bytes: 1 | 2 | 4 | 8;
  integer: boolean;
  view: ViewOf;
}

const NPY_TYPES: Record<string, ElementType> = {
  f4: { bytes: 4, integer: false, view: Float32Array },
  f8: { bytes: 8, integer: false, view: Float64Array },
  i1: { bytes: 1, integer: true, view: Int8Array },
  u1: { bytes: 1, integer: true, view: Uint8Array },
  i2: { bytes: 2, integer: true, view: Int16Array },
  u2: { bytes: 2, integer: true, view: Uint16Array },
  i4: { bytes: 4, integer: true, view: Int32Array },
  u4: { bytes: 4, integer: true, view: Uint32Array },
  i8: { bytes: 8, integer: true, view: BigInt64Array },
  u8: { bytes: 8, integer: true, view: BigUint64Array },
};

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The `n` values of `type` at `begin` in `bytes` (bounds already checked): a view when the byte
 * order is the host's and the offset is aligned, else a copy (byte-swapped if need be) viewed.
 */
export function elements(bytes: Uint8Array, begin: number, n: number, type: ElementType, littleEndian: boolean): ArrayValues {
  let raw = bytes.subarray(begin, begin + n * type.bytes);
  const swap = type.bytes > 1 && littleEndian !== HOST_LITTLE_ENDIAN;
  if (swap || raw.byteOffset % type.bytes !== 0) {
    // A copy in a fresh buffer (offset 0, so aligned); Buffer's own slice would be a view.
    raw = new Uint8Array(raw);
    if (swap) swapBytes(raw, type.bytes);
  }
  const values = new type.view(raw.buffer, raw.byteOffset, n);
  if (!(values instanceof BigInt64Array || values instanceof BigUint64Array)) return values;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Number(values[i]!);
  return out;
}

/** Reverses the byte order of each `width`-byte element of `raw`, in place. */
function swapBytes(raw: Uint8Array, width: number): void {
  for (let o = 0; o < raw.length; o += width) {
    for (let a = o, b = o + width - 1; a < b; a++, b--) {
      const t = raw[a]!;
      raw[a] = raw[b]!;
      raw[b] = t;
    }
  }
}

/** Most dimensions an array may have (NumPy 2 allows 64); more is a corrupt header, not data. */
const MAX_DIMS = 64;

function checkedCount(shape: number[], file: string): number {
  if (shape.length > MAX_DIMS) throw new DataError(`${file}: ${shape.length} dimensions, more than ${MAX_DIMS}`);
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new DataError(`${file}: bad dimension ${d} in shape [${shape.join(', ')}]`);
    n *= d;
  }
  if (n > MAX_VALUES) throw new DataError(`${file}: shape [${shape.join(', ')}] holds ${n} values, more than dlc reads (${MAX_VALUES})`);
  return n;
}

/** A .npy header: the shape, element type and byte order, and where the values begin. */
export interface NpyHeader {
  shape: number[];
  type: ElementType;
  littleEndian: boolean;
  /** Offset of the first value. */
  begin: number;
  /** Number of values (the shape's product, checked against MAX_VALUES). */
  count: number;
}

/**
 * The header of a .npy file. `bytes` may be a prefix of the file (`prefix`: a member still being
 * inflated): then null when it ends before the header does; for a whole file that is an error.
 */
export function parseNpyHeader(bytes: Uint8Array, name: string, prefix = false): NpyHeader | null {
  const file = shownFile(name);
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  const noMagic = (): DataError => new DataError(`${file}: not a NumPy .npy file (no \\x93NUMPY magic)`);
  if (magic.some((b, i) => i < bytes.length && bytes[i] !== b)) throw noMagic();
  if (bytes.length < 10) {
    if (prefix) return null;
    throw noMagic();
  }
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw new DataError(`${file}: .npy format version ${major} is not supported (1, 2 or 3)`);
  const start = major === 1 ? 10 : 12;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = bytes.length < start ? undefined : major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLen === undefined || start + headerLen > bytes.length) {
    if (prefix) return null;
    throw new DataError(`${file}: the header (${headerLen ?? 'its length'} bytes) runs past the end of the file (${bytes.length} bytes)`);
  }
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([<>|=])([a-z]\d+)'/.exec(header);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shapeText) throw new DataError(`${file}: malformed .npy header '${printable(header.trim())}'`);
  const type = NPY_TYPES[descr[2]!];
  if (!type) throw new DataError(`${file}: dtype '${printable(descr[1]! + descr[2]!)}' is not supported (float32/64, signed or unsigned integers)`);
  if (fortran[1] === 'True') throw new DataError(`${file}: Fortran-ordered arrays are not supported; save it with numpy.ascontiguousarray`);
  const dims = shapeText[1]!.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = dims.find((d) => !/^\d+L?$/.test(d));
  if (bad !== undefined) throw new DataError(`${file}: bad dimension '${printable(bad)}' in the .npy header's shape`);
  const shape = dims.map((d) => Number(d.replace('L', '')));
  return { shape, type, littleEndian: descr[1] !== '>', begin: start + headerLen, count: checkedCount(shape, file) };
}

/**
 * A NumPy .npy file (format versions 1–3, C order, numeric little- or big-endian dtypes). Its `data`
 * is usually a view of `bytes` (see ArrayValues).
 */
export function parseNpy(bytes: Uint8Array, name: string): NdArray {
  const h = parseNpyHeader(bytes, name)!;
  if (h.begin + h.count * h.type.bytes > bytes.length) throw truncated(name, h, bytes.length);
  return { shape: h.shape, data: elements(bytes, h.begin, h.count, h.type, h.littleEndian), integer: h.type.integer };
}

const IDX_TYPES: Record<number, ElementType> = {
  0x08: NPY_TYPES.u1!,
  0x09: NPY_TYPES.i1!,
  0x0b: NPY_TYPES.i2!,
  0x0c: NPY_TYPES.i4!,
  0x0d: NPY_TYPES.f4!,
  0x0e: NPY_TYPES.f8!,
};

/** The header of an IDX file (magic 0 0 type ndim, then the dimensions, big-endian); `bytes` may be the file or its first bytes. */
export function parseIdxHeader(bytes: Uint8Array, name: string): NpyHeader {
  const file = shownFile(name);
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new DataError(`${file}: not an IDX file (the first two bytes must be zero)`);
  const type = IDX_TYPES[bytes[2]!];
  if (!type) throw new DataError(`${file}: IDX type 0x${bytes[2]!.toString(16)} is not one of the IDX types`);
  const ndim = bytes[3]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (ndim === 0 || 4 + 4 * ndim > bytes.length) throw new DataError(`${file}: the IDX header is truncated`);
  const shape = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  return { shape, type, littleEndian: false, begin: 4 + 4 * ndim, count: checkedCount(shape, file) };
}

/** The error for a file shorter than its header's shape needs. */
export const truncated = (name: string, h: NpyHeader, fileBytes: number): DataError =>
  new DataError(`${shownFile(name)}: the data is truncated: shape [${h.shape.join(', ')}] needs ${h.count * h.type.bytes} bytes, the file has ${fileBytes - h.begin}`);

/** An IDX file (the original MNIST format: big-endian, magic 0 0 type ndim, then the dimensions); bytes are views of `bytes`, wider types a byte-swapped copy. */
export function parseIdx(bytes: Uint8Array, name: string): NdArray {
  const h = parseIdxHeader(bytes, name);
  if (h.begin + h.count * h.type.bytes > bytes.length) throw truncated(name, h, bytes.length);
  return { shape: h.shape, data: elements(bytes, h.begin, h.count, h.type, false), integer: h.type.integer };
}

/**
 * Checks that arrays of these shapes fit the model's feature and label inputs (the first axis is
 * the sample), before their values are read: an .npz checks its members' headers before it
 * inflates them. Each error names the file.
 */
export function checkSampleShapes(m: Manifest, x: { shape: number[]; file: string }, y: { shape: number[]; file: string } | undefined): void {
  const { feature, target } = featureAndLabel(m, 'array data');
  const xFile = shownFile(x.file);
  const count = x.shape[0] ?? 0;
  const got = valuesPerSample(x.shape);
  if (x.shape.length < 1 || count === 0) throw new DataError(`${xFile}: no samples (shape [${x.shape.join(', ')}])`);
  const per = valuesPerSample(feature.shape);
  if (got !== per) throw new DataError(`${xFile}: samples of shape [${x.shape.slice(1).join(', ')}] (${got} values), but the model's input ${describeInput(feature)} takes ${per}`);
  // Same count, other arrangement: (N, 3, 8, 8) for an [8, 8, 3] input would train on scrambled
  // pixels. A flat [N, values] array is taken as it is; otherwise the axes must match, size-1 axes
  // aside (MNIST's (N, 28, 28) fills f32[1, 28, 28]).
  const squeeze = (dims: number[]): number[] => dims.filter((d) => d !== 1);
  const sample = x.shape.slice(1);
  const want = squeeze(feature.shape.slice(1));
  if (sample.length > 1 && squeeze(sample).join(',') !== want.join(',')) {
    throw new DataError(`${xFile}: samples of shape [${sample.join(', ')}], but the model's input ${describeInput(feature)} takes [${feature.shape.slice(1).join(', ')}]: the same ${per} values in another arrangement would be read scrambled; transpose the array (for images, or declare the input's layout: channels_last or channels_first), or flatten it to [N, ${per}]`);
  }
  if (!y) return;
  const yFile = shownFile(y.file);
  const n = y.shape[0] ?? 0;
  if (n !== count) throw new DataError(`${yFile}: ${n} labels for ${count} samples in ${xFile}`);
  const k = valuesPerSample(y.shape);
  if (target.classes !== undefined) {
    if (k !== 1) throw new DataError(`${yFile}: labels of shape [${y.shape.slice(1).join(', ')}], but ${describeInput(target)} takes one class index per sample`);
  } else {
    const want = valuesPerSample(target.shape);
    if (k !== want) throw new DataError(`${yFile}: targets of ${k} values per sample, but ${describeInput(target)} takes ${want}`);
  }
}

/**
 * Features (and labels, unless optional) from arrays whose first axis is the sample: sizes, counts,
 * float32 range and label ranges checked, each error naming the file, the first bad sample and the
 * value's index in it. `scale` multiplies every feature (1/255 turns MNIST's bytes into [0, 1]).
 */
export function arraysToSamples(
  m: Manifest,
  x: { array: NdArray; file: string },
  y: { array: NdArray; file: string } | undefined,
  opts: { scale?: number; weights?: { array: NdArray; file: string } } = {},
): Samples {
  checkSampleShapes(m, { shape: x.array.shape, file: x.file }, y ? { shape: y.array.shape, file: y.file } : undefined);
  const count = x.array.shape[0]!;
  const layout = arrayLayout(m, x.file, y?.file, opts.scale ?? 1);
  const tensors = layout.alloc(count);
  layout.fill(x.array.data, y?.array.data, 0, count, tensors, 0);
  const { weight } = featureAndLabel(m, 'array data');
  if (weight && opts.weights) {
    const wFile = shownFile(opts.weights.file);
    const { shape } = opts.weights.array;
    if ((shape[0] ?? 0) !== count || valuesPerSample(shape) !== 1) {
      throw new DataError(`${wFile}: sample weights of shape [${shape.join(', ')}], but ${count} samples need one weight each ([${count}] or [${count}, 1])`);
    }
    tensors[weight.name] = toF32(opts.weights.array.data.subarray(0, count), 1, (sample) => `${wFile}: sample ${sample}`);
  }
  return { count, tensors };
}

/** How array files' samples fill the model's inputs: arrays for `n` samples, and samples converted into them. */
export interface ArrayLayout {
  /** Arrays for `n` samples, by input name (the labels' only when there is a labels file). */
  alloc(n: number): Samples['tensors'];
  /**
   * Checks samples `first` to `first + n - 1`, whose values are `xs` and `ys` (the labels'), and
   * writes them as samples `at` onwards of `out`; errors name the file and the sample.
   */
  fill(xs: ArrayLike<number>, ys: ArrayLike<number> | undefined, first: number, n: number, out: Samples['tensors'], at: number): void;
}

/** The layout of array data for `m` (shapes already checked: checkSampleShapes); `scale` multiplies the features. */
export function arrayLayout(m: Manifest, xName: string, yName: string | undefined, scale: number): ArrayLayout {
  const { feature, target } = featureAndLabel(m, 'array data');
  const xFile = shownFile(xName);
  const yFile = yName === undefined ? undefined : shownFile(yName);
  const per = valuesPerSample(feature.shape);
  const k = target.classes !== undefined ? 1 : valuesPerSample(target.shape);
  return {
    alloc: (n) => {
      const tensors: Samples['tensors'] = { [feature.name]: feature.vocab !== undefined ? new Int32Array(n * per) : new Float32Array(n * per) };
      if (yFile !== undefined) tensors[target.name] = target.classes !== undefined ? new Int32Array(n) : new Float32Array(n * k);
      return tensors;
    },
    fill: (xs, ys, first, n, out, at) => {
      const x = out[feature.name]!;
      if (feature.vocab !== undefined) toTokenIds(xs, { ...feature, vocab: feature.vocab }, (sample, j) => `${xFile}: sample ${first + sample}, position ${j}`, x as Int32Array, at * per);
      else toF32(xs, per, (sample, j) => `${xFile}: sample ${first + sample}, feature ${j}`, scale, x as Float32Array, at * per);
      if (yFile === undefined || !ys) return;
      const y = out[target.name]!;
      if (target.classes !== undefined) {
        for (let i = 0; i < n; i++) {
          const v = ys[i]!;
          if (!Number.isInteger(v) || v < 0 || v >= target.classes) throw new DataError(`${yFile}: label ${v} of sample ${first + i} is out of range; ${describeInput(target)} takes integers 0 to ${target.classes - 1}`);
          y[at + i] = v;
        }
      } else {
        toF32(ys, k, (sample, j) => `${yFile}: sample ${first + sample}, target ${j}`, 1, y as Float32Array, at * k);
      }
    },
  };
}
