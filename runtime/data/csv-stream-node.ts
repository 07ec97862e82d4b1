// A CSV file too large to hold, read from disk in chunks each epoch: memory bounded by the chunk,
// the shuffle buffer and one batch, whatever the file's size. Opening it reads it once through,
// checking every row (errors name the file, line and column, as parseCsv's) and counting samples.
// Shuffling: a seeded shuffle buffer (as tf.data's shuffle(buffer_size)), each epoch's stream
// seeded by (seed, epoch), so a resumed run reads the same batches as an uninterrupted one.
import { closeSync, openSync, readSync } from 'node:fs';
import type { Manifest } from '../../compiler/artifact.ts';
import type { SampleStream } from '../fit.ts';
import type { TensorData } from '../session.ts';
import { Rng } from '../random.ts';
import { csvLayout, csvRows, type CsvLayout, type CsvOptions } from './csv.ts';
import { DataError, shownFile } from './data-error.ts';

/** Bytes read from disk at a time. */
const CHUNK_BYTES = 2 ** 20;
/** Most bytes one row may have (a chunk grows to hold it; a longer row is refused). */
const MAX_ROW_BYTES = 64 * 2 ** 20;
/** Bytes of samples the shuffle buffer holds (its rows: at least 16 batches). */
const SHUFFLE_BUFFER_BYTES = 32 * 2 ** 20;

type Row = { line: number; fields: string[] };

/**
 * The file's rows (the header row first), a chunk at a time. A chunk's rows are meant to be turned
 * into samples at once: their strings then die young, and the process's memory stays flat.
 */
function* chunksOf(path: string): Generator<Row[]> {
  const fd = openSync(path, 'r');
  try {
    let carry = Buffer.alloc(0);
    let line = 1;
    let eof = false;
    let want = CHUNK_BYTES;
    while (!eof || carry.length > 0) {
      let piece = carry;
      if (!eof) {
        const chunk = Buffer.allocUnsafe(want);
        const n = readSync(fd, chunk, 0, want, null);
        if (n === 0) eof = true;
        piece = Buffer.concat([carry, chunk.subarray(0, n)]);
      }
      // Up to the last newline: a UTF-8 sequence never contains the byte 0x0A, so no character is cut.
      const cut = eof ? piece.length : piece.lastIndexOf(0x0a) + 1;
      if (cut === 0) {
        if (piece.length > MAX_ROW_BYTES) throw new DataError(`${shownFile(path)}:${line}: a row longer than ${MAX_ROW_BYTES} bytes`);
        carry = piece;
        want *= 2;
        continue;
      }
      const text = piece.subarray(0, cut).toString('utf8');
      let rows: Row[];
      try {
        rows = csvRows(text, path);
      } catch (err) {
        if (!(err instanceof DataError)) throw err;
        // A quoted field with a newline inside may cross the cut: read on, unless the file ended.
        if (eof || piece.length > MAX_ROW_BYTES) throw new DataError(err.message.replace(/:(\d+):/, (_, l: string) => `:${Number(l) + line - 1}:`));
        carry = piece;
        want *= 2;
        continue;
      }
      for (const r of rows) r.line += line - 1;
      yield rows;
      for (let k = text.indexOf('\n'); k >= 0; k = text.indexOf('\n', k + 1)) line++;
      carry = piece.subarray(cut);
      want = CHUNK_BYTES;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens a CSV file as a stream of samples for `m`: reads it through once (every row checked, the
 * samples counted); `batches` then reads it again for each epoch.
 */
export function streamCsv(path: string, m: Manifest, opts: CsvOptions = {}): SampleStream {
  let layout: CsvLayout | undefined;
  let count = 0;
  // One sample's arrays, reused: the first pass checks each row by filling it.
  let one: Record<string, TensorData> | undefined;
  for (const rows of chunksOf(path)) {
    for (const row of rows) {
      if (!layout) {
        layout = csvLayout([row], path, m, opts);
        one = layout.alloc(1);
        continue;
      }
      layout.fill(row, 0, one!);
      count++;
    }
  }
  if (!layout) throw new DataError(`${shownFile(path)}: the file is empty; expected a header row of column names, then one row per sample`);
  if (count === 0) throw new DataError(`${shownFile(path)}: no samples after the header row`);
  const rowLayout = layout;
  const perSample = Object.fromEntries(Object.entries(one!).map(([k, v]) => [k, v.length]));
  const bytesPerSample = Object.values(perSample).reduce((a, b) => a + b, 0) * 4;
  return {
    count,
    names: Object.keys(perSample),
    *batches(epoch: number, seed: number, batch: number, shuffle: boolean): Generator<Record<string, TensorData>> {
      const size = shuffle ? Math.min(count, Math.max(16 * batch, Math.floor(SHUFFLE_BUFFER_BYTES / bytesPerSample))) : 0;
      const buffer = rowLayout.alloc(Math.max(size, 1));
      const rng = new Rng((Math.imul(seed, 1_000_003) + epoch) >>> 0);
      let held = 0;
      let out = rowLayout.alloc(batch);
      let inBatch = 0;
      const ready: Record<string, TensorData>[] = [];
      /** Appends sample `i` of `from` to the batch being filled; a full batch is ready. */
      const take = (from: Record<string, TensorData>, i: number): void => {
        for (const [k, n] of Object.entries(perSample)) out[k]!.set(from[k]!.subarray(i * n, i * n + n), inBatch * n);
        if (++inBatch === batch) {
          ready.push(out);
          out = rowLayout.alloc(batch);
          inBatch = 0;
        }
      };
      let header = true;
      for (const rows of chunksOf(path)) {
        // The chunk's rows become samples before anything is handed out (see chunksOf).
        const first = header ? 1 : 0;
        header = false;
        const chunk = rowLayout.alloc(rows.length - first);
        for (let r = first; r < rows.length; r++) rowLayout.fill(rows[r]!, r - first, chunk);
        for (let r = 0; r < rows.length - first; r++) {
          if (!shuffle) {
            take(chunk, r);
          } else if (held < size) {
            for (const [k, n] of Object.entries(perSample)) buffer[k]!.set(chunk[k]!.subarray(r * n, r * n + n), held * n);
            held++;
          } else {
            // A full buffer: a random sample of it goes out, the new one takes its place.
            const j = rng.int(size);
            take(buffer, j);
            for (const [k, n] of Object.entries(perSample)) buffer[k]!.set(chunk[k]!.subarray(r * n, r * n + n), j * n);
          }
        }
        yield* ready.splice(0);
      }
      // The buffer's rest, in random order.
      for (const j of rng.shuffle(Array.from({ length: held }, (_, i) => i))) take(buffer, j);
      yield* ready.splice(0);
      if (inBatch > 0) yield Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.subarray(0, inBatch * perSample[k]!)]));
    },
  };
}
