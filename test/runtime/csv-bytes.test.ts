// CSV cells read from bytes (the streamed reader's way) give what the string parser gives: the
// value Number() gives a plain decimal, bit for bit, and for anything else (no value known from
// the bytes) the string path decides; rows split as csvRows splits them (CRLF, blank rows).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { ByteRows, plainDecimal } from '../../runtime/data/csv-bytes.ts';
import { streamCsv } from '../../runtime/data/csv-stream-node.ts';
import { csvRows, parseCsv } from '../../runtime/data/csv.ts';
import { Rng } from '../../runtime/random.ts';
import type { TensorData } from '../../runtime/session.ts';

const m = compile(readFileSync('samples/blobs.dl', 'utf8'), { file: 'samples/blobs.dl' }).artifact!.manifest;
const dir = mkdtempSync(join(tmpdir(), 'dlc-csv-bytes-'));
const bytesOf = (s: string): Uint8Array => new TextEncoder().encode(s);
const decimal = (s: string): number | undefined => {
  const into = new Float64Array(1);
  return plainDecimal(bytesOf(s), 0, bytesOf(s).length, into) ? into[0] : undefined;
};

describe('plainDecimal', () => {
  it("is Number()'s value, bit for bit, for plain decimals within its bounds", () => {
    for (const s of ['0', '-0', '+0', '-0.000', '0e5', '1', '-1', '+1.5', '.5', '-.25', '1.', '007', '3.14159', '1e5', '1E-5', '2.5e+3', '-1.234e-7', '123456789012345', '0.000000000000000000001', '1e22', '1e-22', '999999999999999e22']) {
      const v = decimal(s);
      expect(v, s).toBeDefined();
      expect(Object.is(v, Number(s)), `${s}: ${v} vs ${Number(s)}`).toBe(true);
    }
  });

  it('leaves to the string parser what is not a plain decimal or lies beyond its exact bounds', () => {
    for (const s of ['', '-', '+', '.', 'e5', '1e', '1e+', '--1', '1.2.3', '1,5', ' 1', '1 ', '0x1', '1_0', 'nan', 'inf', '-Infinity', '1\r', '1234567890123456', '1e23', '1e-23', '1e400', '0.1234567890123456789']) {
      expect(decimal(s), JSON.stringify(s)).toBeUndefined();
    }
  });

  it('agrees with Number() on 20,000 random decimals of every length and exponent', () => {
    const rng = new Rng(3);
    let fast = 0;
    for (let t = 0; t < 20_000; t++) {
      const digits = (n: number): string => Array.from({ length: n }, () => String(rng.int(10))).join('');
      const sign = ['', '-', '+'][rng.int(3)]!;
      const int = digits(rng.int(12));
      const frac = rng.int(3) === 0 ? '' : `.${digits(rng.int(12))}`;
      const exp = rng.int(3) === 0 ? `e${['', '-', '+'][rng.int(3)]}${rng.int(40)}` : '';
      const s = `${sign}${int}${frac}${exp}`;
      const v = decimal(s);
      if (v === undefined) continue;
      fast++;
      expect(Object.is(v, Number(s)), `${s}: ${v} vs ${Number(s)}`).toBe(true);
    }
    expect(fast).toBeGreaterThan(10_000);
  });
});

describe('ByteRows', () => {
  it('splits rows and cells as csvRows does: CRLF, a lone CR kept, blank rows skipped, no newline at the end', () => {
    const text = 'a,b,c\r\n1,2,3\n\n  \r\n4,,6\r\n7,8\r9\n10,11,12';
    const rows = new ByteRows();
    rows.reset(bytesOf(text), bytesOf(text).length, 1);
    const got: { line: number; fields: string[] }[] = [];
    while (rows.next()) got.push({ line: rows.line, fields: Array.from({ length: rows.count }, (_, k) => rows.text(k)) });
    expect(got).toEqual(csvRows(text, 'x.csv'));
  });
});

describe('the streamed reader against parseCsv', () => {
  /** Rows of every cell form, `n` of them, each known by its first feature. */
  function mixed(n: number): string {
    const rng = new Rng(9);
    const forms = [(i: number) => `${i}`, (i: number) => `${i}.0`, (i: number) => `+${i}e0`, (i: number) => `${i}.00000000000000000001`, (i: number) => `${i}E-0`];
    const lines = ['x1,x2,label'];
    for (let i = 0; i < n; i++) {
      const x2 = [`${rng.normal().toFixed(4)}`, `${rng.normal()}`, `-0`, `.5`, `1.`, `3.4e38`, `-1.5e-45`, `123456789.123456789`][rng.int(8)];
      lines.push(`${forms[rng.int(forms.length)]!(i)},${x2},${i % 3}${rng.int(5) === 0 ? '\r' : ''}`);
      if (rng.int(50) === 0) lines.push('');
    }
    return `${lines.join('\n')}\n`;
  }

  it('reads the same samples, bit for bit, across many small chunks', () => {
    const file = join(dir, 'mixed.csv');
    const text = mixed(20_000);
    writeFileSync(file, text);
    const whole = parseCsv(text, file, m);
    const s = streamCsv(file, m, {}, { chunkBytes: 4096 });
    expect(s.count).toBe(20_000);
    const point = new Float32Array(2 * s.count);
    const label = new Int32Array(s.count);
    let at = 0;
    const it = s.batches(1, 1, 1000, false);
    for (let r = it.next(); !r.done; r = it.next()) {
      const b = r.value as Record<string, TensorData>;
      point.set(b.point!, 2 * at);
      label.set(b.label!, at);
      at += b.label!.length;
    }
    expect(at).toBe(20_000);
    expect(new Uint32Array(point.buffer)).toEqual(new Uint32Array((whole.tensors.point as Float32Array).buffer));
    expect(label).toEqual(whole.tensors.label);
  }, 120_000);

  it('refuses a bad cell with the message parseCsv gives, past the first chunk', () => {
    const lines = mixed(5_000).split('\n');
    for (const bad of ['1e39', 'nan', ' 2', '0x10', '', '1e400']) {
      const copy = [...lines];
      copy[4_000] = `5,${bad},1`;
      const file = join(dir, 'bad.csv');
      writeFileSync(file, copy.join('\n'));
      let expected = '';
      try {
        parseCsv(copy.join('\n'), file, m);
      } catch (err) {
        expected = (err as Error).message;
      }
      expect(expected).toContain(`${file}:`);
      expect(() => streamCsv(file, m, {}, { chunkBytes: 4096 })).toThrow(expected);
    }
  }, 120_000);
});
