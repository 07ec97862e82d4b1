// A .npy feature file too large to hold, with its labels (.npy or IDX), read from disk each epoch:
// the headers parsed once, then rows read by byte offset a chunk at a time, so memory is bounded by
// the chunk, the shuffle buffer and a few batches, whatever the file's size. Opening it reads both
// files through once, checking every value as the in-memory reader does (arraysToSamples: the
// same messages, naming the file and the sample). Shuffling and batches: sample-stream.ts.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Manifest } from '../../compiler/artifact.ts';
import type { SampleStream } from '../fit.ts';
import type { TensorData } from '../session.ts';
import { arrayLayout, checkSampleShapes, elements, parseIdxHeader, parseNpyHeader, truncated, type ArrayValues, type NpyHeader } from './arrays.ts';
import { DataError, shownFile } from './data-error.ts';
import { MAX_HEADER_BYTES } from './limits.ts';
import { bufferedBatches, CHUNK_BYTES, sampleCopier, SHUFFLE_BUFFER_BYTES, type BatchSource, type StreamBuffers, type StreamMemory } from './sample-stream.ts';

/** An array file's header and its rows' size (a row: one sample's values). */
interface ArrayFile {
  path: string;
  header: NpyHeader;
  rowValues: number;
  rowBytes: number;
}

/** The header of an array file (.npy or IDX), refused when the file is shorter than its shape needs. */
function arrayFile(path: string, format: 'npy' | 'idx'): ArrayFile {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const prefix = new Uint8Array(Math.min(size, MAX_HEADER_BYTES));
    readSync(fd, prefix, 0, prefix.length, 0);
    const whole = prefix.length === size;
    const header = format === 'npy' ? parseNpyHeader(prefix, path, !whole) : parseIdxHeader(prefix, path);
    if (!header) throw new DataError(`${shownFile(path)}: the .npy header is longer than ${MAX_HEADER_BYTES} bytes`);
    if (header.begin + header.count * header.type.bytes > size) throw truncated(path, header, size);
    const rows = header.shape[0] ?? 0;
    const rowValues = rows === 0 ? 0 : header.count / rows;
    return { path, header, rowValues, rowBytes: rowValues * header.type.bytes };
  } finally {
    closeSync(fd);
  }
}

/** Samples `first` to `first + n - 1` of each file, read into its buffer: a chunk of rows as values. */
interface Chunk {
  first: number;
  n: number;
  xs: ArrayValues;
  ys: ArrayValues;
}

/**
 * Opens a .npy feature file and its labels file as a stream of samples for `m`: reads them through
 * once (every value checked, as arraysToSamples does); `batches` then reads them again for each
 * epoch. `memory` reports the bytes the reader holds, which do not grow with the files.
 */
export function streamArrays(xPath: string, yPath: string, yFormat: 'npy' | 'idx', m: Manifest, opts: { scale?: number } = {}, sizes: StreamBuffers = {}): SampleStream & { memory: StreamMemory } {
  const x = arrayFile(xPath, 'npy');
  const y = arrayFile(yPath, yFormat);
  checkSampleShapes(m, { shape: x.header.shape, file: xPath }, { shape: y.header.shape, file: yPath });
  const count = x.header.shape[0]!;
  const layout = arrayLayout(m, xPath, yPath, opts.scale ?? 1);
  const rowsPerChunk = Math.max(1, Math.floor((sizes.chunkBytes ?? CHUNK_BYTES) / Math.max(1, x.rowBytes)));
  const memory: StreamMemory = { readBuffer: 0, shuffleBuffer: 0 };
  /** The files' rows a chunk at a time, read into two buffers reused for every chunk. */
  function* chunks(): Generator<Chunk> {
    const files = [x, y].map((f) => ({ f, fd: openSync(f.path, 'r'), bytes: new Uint8Array(rowsPerChunk * f.rowBytes) }));
    memory.readBuffer = Math.max(memory.readBuffer, files.reduce((a, f) => a + f.bytes.length, 0));
    try {
      for (let first = 0; first < count; first += rowsPerChunk) {
        const n = Math.min(rowsPerChunk, count - first);
        const [xs, ys] = files.map(({ f, fd, bytes }) => {
          const want = n * f.rowBytes;
          const got = readSync(fd, bytes, 0, want, f.header.begin + first * f.rowBytes);
          // The file changed since it was checked.
          if (got !== want) throw new DataError(`${shownFile(f.path)}: the file ended early, at sample ${first}; it was changed while training read it`);
          return elements(bytes, 0, n * f.rowValues, f.header.type, f.header.littleEndian);
        });
        yield { first, n, xs: xs!, ys: ys! };
      }
    } finally {
      for (const { fd } of files) closeSync(fd);
    }
  }
  // The first pass checks every value, a chunk of samples at a time into one chunk's arrays.
  const converted = layout.alloc(rowsPerChunk);
  memory.readBuffer = Math.max(memory.readBuffer, Object.values(converted).reduce((a, v) => a + v.byteLength, 0));
  for (const c of chunks()) layout.fill(c.xs, c.ys, c.first, c.n, converted, 0);
  const copy = sampleCopier(layout.alloc(1));
  const cursor = { i: 0, put: (to: Record<string, TensorData>, j: number) => copy(converted, cursor.i, to, j) };
  const source: BatchSource = {
    count,
    alloc: layout.alloc,
    shuffleBytes: sizes.shuffleBytes ?? SHUFFLE_BUFFER_BYTES,
    memory,
    *samples() {
      for (const c of chunks()) {
        layout.fill(c.xs, c.ys, c.first, c.n, converted, 0);
        for (cursor.i = 0; cursor.i < c.n; cursor.i++) yield cursor;
      }
    },
  };
  return {
    count,
    names: Object.keys(converted),
    memory,
    batches: (epoch, seed, batch, shuffle) => bufferedBatches(source, epoch, seed, batch, shuffle),
  };
}
