// A CSV file streamed from disk: the same samples as parseCsv, batch by batch; shuffled through a
// seeded buffer, every sample once per epoch; bad rows refused with file and line, also past the
// first chunk and with a quoted newline across a chunk's end.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { streamCsv } from '../../runtime/data/csv-stream-node.ts';
import { parseCsv } from '../../runtime/data/csv.ts';
import type { SampleStream } from '../../runtime/fit.ts';
import type { TensorData } from '../../runtime/session.ts';

const m = compile(readFileSync('samples/blobs.dl', 'utf8'), { file: 'samples/blobs.dl' }).artifact!.manifest;
const dir = mkdtempSync(join(tmpdir(), 'dlc-csv-stream-'));

const all = (s: SampleStream, epoch: number, batch: number, shuffle: boolean): Record<string, TensorData>[] => {
  const out: Record<string, TensorData>[] = [];
  const it = s.batches(epoch, 1, batch, shuffle);
  // Copies: a stream refills a batch's arrays a few batches later.
  for (let r = it.next(); !r.done; r = it.next()) out.push(Object.fromEntries(Object.entries(r.value).map(([k, v]) => [k, v.slice()])));
  return out;
};

/** `n` rows whose first feature is the row's number: each sample is known by it. */
function numbered(n: number, pad = 0): string {
  const rows = ['x1,x2,label'];
  for (let i = 0; i < n; i++) rows.push(`${i},${(i * 0.001).toFixed(3)}${'0'.repeat(pad)},${i % 3}`);
  return `${rows.join('\n')}\n`;
}

describe('streamCsv', () => {
  it('unshuffled: the samples of parseCsv, in file order, in batches of 64 and a last one of 24', () => {
    const s = streamCsv('samples/blobs.csv', m);
    const whole = parseCsv(readFileSync('samples/blobs.csv', 'utf8'), 'samples/blobs.csv', m);
    expect(s.count).toBe(600);
    const b = all(s, 1, 64, false);
    expect(b.map((x) => x.label!.length)).toEqual([...Array(9).fill(64), 24]);
    const cat = (name: string, T: typeof Float32Array | typeof Int32Array) => {
      const parts = b.map((x) => x[name]!);
      const out = new T(parts.reduce((a, p) => a + p.length, 0));
      let at = 0;
      for (const p of parts) { out.set(p, at); at += p.length; }
      return out;
    };
    expect(cat('point', Float32Array)).toEqual(whole.tensors.point);
    expect(cat('label', Int32Array)).toEqual(whole.tensors.label);
  });

  it('shuffled: each sample once per epoch, seeded by the epoch (the same epoch again reads the same batches), across chunks of the file', () => {
    // 120,000 rows of about 40 bytes: the file spans two 4 MiB chunks, so rows are read on across a chunk's end.
    const file = join(dir, 'numbered.csv');
    writeFileSync(file, numbered(120_000, 20));
    const s = streamCsv(file, m);
    expect(s.count).toBe(120_000);
    const ids = (bs: Record<string, TensorData>[]): number[] => bs.flatMap((x) => Array.from({ length: x.label!.length }, (_, i) => x.point![2 * i]!));
    const e1 = ids(all(s, 1, 1000, true));
    expect([...e1].sort((a, b) => a - b)).toEqual(Array.from({ length: 120_000 }, (_, i) => i));
    expect(e1.slice(0, 50)).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(ids(all(s, 1, 1000, true))).toEqual(e1);
    expect(ids(all(s, 2, 1000, true))).not.toEqual(e1);
    // A label stays with its features.
    for (const x of all(s, 3, 1000, true)) for (let i = 0; i < x.label!.length; i++) expect(x.label![i]).toBe(x.point![2 * i]! % 3);
  }, 120_000);

  it('bad files are refused with the file and the line: a bad cell past the first chunk, too few fields, an unclosed quote, no rows', () => {
    const lines = numbered(120_000, 20).split('\n');
    lines[110_001] = '5,abc,1';
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, lines.join('\n'));
    expect(() => streamCsv(bad, m)).toThrow(`${bad}:110002: column 'x2': 'abc' is not a number`);
    const short = join(dir, 'short.csv');
    writeFileSync(short, 'x1,x2,label\n1,2,0\n3,4\n');
    expect(() => streamCsv(short, m)).toThrow(`${short}:3: 2 fields, but the header has 3 columns`);
    const quote = join(dir, 'quote.csv');
    writeFileSync(quote, 'x1,x2,label\n1,2,0\n"3,4,1\n');
    expect(() => streamCsv(quote, m)).toThrow(`${quote}:3: a quoted field is not closed`);
    const empty = join(dir, 'empty.csv');
    writeFileSync(empty, '');
    expect(() => streamCsv(empty, m)).toThrow(`${empty}: the file is empty`);
    const header = join(dir, 'header.csv');
    writeFileSync(header, 'x1,x2,label\n');
    expect(() => streamCsv(header, m)).toThrow(`${header}: no samples after the header row`);
    const label = join(dir, 'label.csv');
    writeFileSync(label, 'x1,x2,label\n1,2,7\n');
    expect(() => streamCsv(label, m)).toThrow(`${label}:2: column 'label': label 7 is out of range`);
  }, 120_000);

  it('a quoted cell holding a newline across the 4 MiB chunk boundary is read whole', () => {
    // The header names a quoted column; a row straddles byte 4 MiB with a newline inside its quotes.
    // The row starts 5 bytes before 4 MiB: the chunk's last newline is the one inside its quotes.
    const before = numbered(50_000, 20);
    const gap = 4 * 2 ** 20 - 5 - Buffer.byteLength(before);
    const k = Math.floor((gap - 8) / 11);
    const r = gap - 11 * k;
    let text = `${before}${'100000,1,0\n'.repeat(k)}0,1.${'0'.repeat(r - 7)},0\n`;
    expect(Buffer.byteLength(text)).toBe(4 * 2 ** 20 - 5);
    const line = text.split('\n').length;
    text += `"7\n",1,0\n5,1,2\n`;
    const file = join(dir, 'newline.csv');
    writeFileSync(file, text);
    // The cell "7\n" is not a number: the message points at the row where that cell starts.
    expect(() => streamCsv(file, m)).toThrow(`${file}:${line}: column 'x1': '7\\n' is not a number`);
  }, 120_000);

  it("the reader's memory does not grow with the file: the same read buffer, shuffle buffer and four batches' arrays for 10,000 rows as for 100,000", () => {
    const sizes = { chunkBytes: 16 * 1024, shuffleBytes: 64 * 1024 };
    const held = (rows: number) => {
      const file = join(dir, `rows-${rows}.csv`);
      writeFileSync(file, numbered(rows, 20));
      const s = streamCsv(file, m, {}, sizes);
      const arrays = new Set<ArrayBufferLike>();
      const it = s.batches(1, 1, 100, true);
      let samples = 0;
      for (let r = it.next(); !r.done; r = it.next()) {
        arrays.add(r.value.point!.buffer);
        samples += r.value.label!.length;
      }
      expect(samples).toBe(rows);
      return { ...s.memory, batchArrays: arrays.size };
    };
    // 64 KiB of samples of 12 bytes (two features and a label): 5,461 samples.
    const bounded = { readBuffer: 16 * 1024, shuffleBuffer: 5_461 * 12, batchArrays: 4 };
    expect(held(10_000)).toEqual(bounded);
    expect(held(100_000)).toEqual(bounded);
  }, 120_000);
});
