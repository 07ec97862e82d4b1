// A CSV file too large to hold, read from disk in chunks each epoch: memory bounded by the chunk,
// the shuffle buffer and one batch, whatever the file's size. Opening it reads it once through,
// checking every row (errors name the file, line and column, as parseCsv's) and counting samples.
// Shuffling and batches: sample-stream.ts.
// Rows go from the file's bytes into float32 without strings (csv-bytes.ts): reading makes almost
// no garbage, so the process's memory stays flat however long the file.
import { closeSync, openSync, readSync } from 'node:fs';
import type { Manifest } from '../../compiler/artifact.ts';
import type { SampleStream } from '../fit.ts';
import type { TensorData } from '../session.ts';
import { ByteRows } from './csv-bytes.ts';
import { csvLayout, csvRows, FieldCells, type CsvCells, type CsvOptions } from './csv.ts';
import { DataError, shownFile } from './data-error.ts';
import { bufferedBatches, CHUNK_BYTES, SHUFFLE_BUFFER_BYTES, type BatchSource, type StreamBuffers, type StreamMemory } from './sample-stream.ts';

/** Most bytes one row may have (a chunk grows to hold it; a longer row is refused). */
const MAX_ROW_BYTES = 64 * 2 ** 20;

const QUOTE = 0x22;
const NEWLINE = 0x0a;

/**
 * The file's rows (the header row first) as cells, one reused object: read each before asking for
 * the next. The file is read `chunkBytes` at a time into one buffer. A chunk of plain bytes is read
 * row by row in place (ByteRows); the first chunk (the header) and any chunk with a quote character
 * go through csvRows, whose strings are dropped with the chunk.
 */
function* rowsOf(path: string, chunkBytes: number, memory: StreamMemory): Generator<CsvCells> {
  const fd = openSync(path, 'r');
  try {
    let buffer = Buffer.allocUnsafe(chunkBytes);
    memory.readBuffer = Math.max(memory.readBuffer, buffer.length);
    const bytes = new ByteRows();
    const fields = new FieldCells();
    /** Bytes in `buffer` not yet handed out as rows, from its start. */
    let held = 0;
    let line = 1;
    let eof = false;
    let first = true;
    /** A buffer twice as large, holding what this one holds: for a row longer than the buffer. */
    const grow = (): void => {
      if (buffer.length >= MAX_ROW_BYTES) throw new DataError(`${shownFile(path)}:${line}: a row longer than ${MAX_ROW_BYTES} bytes`);
      const larger = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(larger, 0, 0, held);
      buffer = larger;
      memory.readBuffer = Math.max(memory.readBuffer, buffer.length);
    };
    for (;;) {
      if (!eof) {
        if (held === buffer.length) grow();
        const n = readSync(fd, buffer, held, buffer.length - held, null);
        if (n === 0) eof = true;
        held += n;
      }
      if (held === 0) return;
      // Up to the last newline: a UTF-8 sequence never contains the byte 0x0A, so no character is cut.
      const cut = eof ? held : buffer.lastIndexOf(NEWLINE, held - 1) + 1;
      if (cut === 0) continue;
      const piece = buffer.subarray(0, cut);
      if (first || piece.includes(QUOTE)) {
        let rows: { line: number; fields: string[] }[];
        try {
          rows = csvRows(piece.toString('utf8'), path);
        } catch (err) {
          if (!(err instanceof DataError)) throw err;
          // A quoted field with a newline inside may cross the cut: read on, unless the file ended.
          if (eof || held >= MAX_ROW_BYTES) throw new DataError(err.message.replace(/:(\d+):/, (_, l: string) => `:${Number(l) + line - 1}:`));
          continue;
        }
        for (const r of rows) {
          r.line += line - 1;
          yield fields.of(r);
        }
      } else {
        bytes.reset(piece, cut, line);
        while (bytes.next()) yield bytes;
      }
      first = false;
      for (let k = piece.indexOf(NEWLINE); k >= 0; k = piece.indexOf(NEWLINE, k + 1)) line++;
      buffer.copy(buffer, 0, cut, held);
      held -= cut;
    }
  } finally {
    closeSync(fd);
  }
}

/** A row's cells as strings (the header row). */
const textsOf = (row: CsvCells): string[] => Array.from({ length: row.count }, (_, k) => row.text(k));

/**
 * Opens a CSV file as a stream of samples for `m`: reads it through once (every row checked, the
 * samples counted); `batches` then reads it again for each epoch. `memory` reports the bytes the
 * reader holds, which do not grow with the file.
 */
export function streamCsv(path: string, m: Manifest, opts: CsvOptions = {}, sizes: StreamBuffers = {}): SampleStream & { memory: StreamMemory } {
  const chunkBytes = sizes.chunkBytes ?? CHUNK_BYTES;
  const shuffleBytes = sizes.shuffleBytes ?? SHUFFLE_BUFFER_BYTES;
  const memory: StreamMemory = { readBuffer: 0, shuffleBuffer: 0 };
  const rows = rowsOf(path, chunkBytes, memory);
  const head = rows.next();
  if (head.done) throw new DataError(`${shownFile(path)}: the file is empty; expected a header row of column names, then one row per sample`);
  const layout = csvLayout([{ line: head.value.line, fields: textsOf(head.value) }], path, m, opts);
  // One sample's arrays, reused: the first pass checks each row by filling it.
  const one = layout.alloc(1);
  let count = 0;
  for (const row of rows) {
    layout.fillCells(row, 0, one);
    count++;
  }
  if (count === 0) throw new DataError(`${shownFile(path)}: no samples after the header row`);
  const cursor = { row: undefined as CsvCells | undefined, put: (to: Record<string, TensorData>, j: number) => layout.fillCells(cursor.row!, j, to) };
  const source: BatchSource = {
    count,
    alloc: layout.alloc,
    shuffleBytes,
    memory,
    *samples() {
      const fileRows = rowsOf(path, chunkBytes, memory);
      fileRows.next(); // the header
      for (const row of fileRows) {
        cursor.row = row;
        yield cursor;
      }
    },
  };
  return {
    count,
    names: Object.keys(one),
    memory,
    batches: (epoch, seed, batch, shuffle) => bufferedBatches(source, epoch, seed, batch, shuffle),
  };
}
