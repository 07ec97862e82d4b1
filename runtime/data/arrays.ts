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
import { describeInput, featureAndLabel, valuesPerSample } from './model-inputs.ts';

/** An n-dimensional array read from a file: row-major values as float64, and whether they are integers. */
export interface NdArray {
  shape: number[];
  data: Float64Array;
  integer: boolean;
}

const NPY_TYPES: Record<string, { bytes: number; integer: boolean; read: (v: DataView, o: number, le: boolean) => number }> = {
  f4: { bytes: 4, integer: false, read: (v, o, le) => v.getFloat32(o, le) },
  f8: { bytes: 8, integer: false, read: (v, o, le) => v.getFloat64(o, le) },
  i1: { bytes: 1, integer: true, read: (v, o) => v.getInt8(o) },
  u1: { bytes: 1, integer: true, read: (v, o) => v.getUint8(o) },
  i2: { bytes: 2, integer: true, read: (v, o, le) => v.getInt16(o, le) },
  u2: { bytes: 2, integer: true, read: (v, o, le) => v.getUint16(o, le) },
  i4: { bytes: 4, integer: true, read: (v, o, le) => v.getInt32(o, le) },
  u4: { bytes: 4, integer: true, read: (v, o, le) => v.getUint32(o, le) },
  i8: { bytes: 8, integer: true, read: (v, o, le) => Number(v.getBigInt64(o, le)) },
  u8: { bytes: 8, integer: true, read: (v, o, le) => Number(v.getBigUint64(o, le)) },
};

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

/** A NumPy .npy file (format versions 1–3, C order, numeric little- or big-endian dtypes). */
export function parseNpy(bytes: Uint8Array, name: string): NdArray {
  const file = shownFile(name);
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) throw new DataError(`${file}: not a NumPy .npy file (no \\x93NUMPY magic)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw new DataError(`${file}: .npy format version ${major} is not supported (1, 2 or 3)`);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (start + headerLen > bytes.length) throw new DataError(`${file}: the header (${headerLen} bytes) runs past the end of the file (${bytes.length} bytes)`);
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
  const n = checkedCount(shape, file);
  const begin = start + headerLen;
  if (begin + n * type.bytes > bytes.length) {
    throw new DataError(`${file}: the data is truncated: shape [${shape.join(', ')}] needs ${n * type.bytes} bytes, the file has ${bytes.length - begin}`);
  }
  const le = descr[1] !== '>';
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = type.read(view, begin + i * type.bytes, le);
  return { shape, data, integer: type.integer };
}

const IDX_TYPES: Record<number, { bytes: number; integer: boolean; read: (v: DataView, o: number) => number }> = {
  0x08: { bytes: 1, integer: true, read: (v, o) => v.getUint8(o) },
  0x09: { bytes: 1, integer: true, read: (v, o) => v.getInt8(o) },
  0x0b: { bytes: 2, integer: true, read: (v, o) => v.getInt16(o, false) },
  0x0c: { bytes: 4, integer: true, read: (v, o) => v.getInt32(o, false) },
  0x0d: { bytes: 4, integer: false, read: (v, o) => v.getFloat32(o, false) },
  0x0e: { bytes: 8, integer: false, read: (v, o) => v.getFloat64(o, false) },
};

/** An IDX file (the original MNIST format: big-endian, magic 0 0 type ndim, then the dimensions). */
export function parseIdx(bytes: Uint8Array, name: string): NdArray {
  const file = shownFile(name);
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new DataError(`${file}: not an IDX file (the first two bytes must be zero)`);
  const type = IDX_TYPES[bytes[2]!];
  if (!type) throw new DataError(`${file}: IDX type 0x${bytes[2]!.toString(16)} is not one of the IDX types`);
  const ndim = bytes[3]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (ndim === 0 || 4 + 4 * ndim > bytes.length) throw new DataError(`${file}: the IDX header is truncated`);
  const shape = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const n = checkedCount(shape, file);
  const begin = 4 + 4 * ndim;
  if (begin + n * type.bytes > bytes.length) {
    throw new DataError(`${file}: the data is truncated: shape [${shape.join(', ')}] needs ${n * type.bytes} bytes, the file has ${bytes.length - begin}`);
  }
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = type.read(view, begin + i * type.bytes);
  return { shape, data, integer: type.integer };
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
  opts: { scale?: number } = {},
): Samples {
  const { feature, target } = featureAndLabel(m, 'array data');
  const xFile = shownFile(x.file);
  const yFile = y ? shownFile(y.file) : '';
  const per = valuesPerSample(feature.shape);
  const count = x.array.shape[0] ?? 0;
  const got = valuesPerSample(x.array.shape);
  if (x.array.shape.length < 1 || count === 0) throw new DataError(`${xFile}: no samples (shape [${x.array.shape.join(', ')}])`);
  if (got !== per) throw new DataError(`${xFile}: samples of shape [${x.array.shape.slice(1).join(', ')}] (${got} values), but the model's input ${describeInput(feature)} takes ${per}`);
  const scale = opts.scale ?? 1;
  const xs = toF32(x.array.data.subarray(0, count * per), per, (sample, j) => `${xFile}: sample ${sample}, feature ${j}`, scale);
  const tensors: Samples['tensors'] = { [feature.name]: xs };
  if (y) {
    const n = y.array.shape[0] ?? 0;
    if (n !== count) throw new DataError(`${yFile}: ${n} labels for ${count} samples in ${xFile}`);
    const k = valuesPerSample(y.array.shape);
    if (target.classes !== undefined) {
      if (k !== 1) throw new DataError(`${yFile}: labels of shape [${y.array.shape.slice(1).join(', ')}], but ${describeInput(target)} takes one class index per sample`);
      const ys = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = y.array.data[i]!;
        if (!Number.isInteger(v) || v < 0 || v >= target.classes) throw new DataError(`${yFile}: label ${v} of sample ${i} is out of range; ${describeInput(target)} takes integers 0 to ${target.classes - 1}`);
        ys[i] = v;
      }
      tensors[target.name] = ys;
    } else {
      const want = valuesPerSample(target.shape);
      if (k !== want) throw new DataError(`${yFile}: targets of ${k} values per sample, but ${describeInput(target)} takes ${want}`);
      tensors[target.name] = toF32(y.array.data.subarray(0, n * k), k, (sample, j) => `${yFile}: sample ${sample}, target ${j}`);
    }
  }
  return { count, tensors };
}
