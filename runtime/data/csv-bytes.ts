// CSV rows read straight from a file's bytes, for the streamed reader (csv-stream-node.ts): a cell
// that is a short plain decimal becomes its number without ever being a string, so reading a large
// file makes no garbage per cell. Anything else (a quote in the chunk, a long or odd cell) goes the
// string way (csvRows, cellValue), which defines the semantics; this file only takes shortcuts
// that give the same values.
import type { CsvCells } from './csv.ts';

const COMMA = 0x2c;
const NEWLINE = 0x0a;
const CR = 0x0d;
const ZERO = 0x30;
const DOT = 0x2e;

/** Powers of ten that float64 holds exactly (10^0 to 10^22). */
const EXACT_POWERS = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * Whether the cell `bytes[start, end)` is a plain decimal (the DECIMAL of csv.ts) of at most 15
 * significant digits and a decimal exponent within ±22; if so its value is written to `into[0]`
 * (an array, not a return value: a float returned from a call may be boxed, one allocation per
 * cell). False means "ask the string parser": the cell may still be a number, or a refused one.
 * Within those bounds the digits make an integer float64 holds exactly and 10^e is exact, so one
 * multiplication or division rounds once: the value is Number(text)'s, correctly rounded
 * (Clinger's fast path).
 */
export function plainDecimal(bytes: Uint8Array, start: number, end: number, into: Float64Array): boolean {
  let i = start;
  let c = i < end ? bytes[i]! : -1;
  const negative = c === 0x2d;
  if (negative || c === 0x2b) i++;
  let mantissa = 0;
  let significant = 0;
  let digits = 0;
  let exponent = 0;
  for (; i < end && (c = bytes[i]!) >= ZERO && c <= ZERO + 9; i++, digits++) {
    if (significant > 0 || c !== ZERO) significant++;
    mantissa = mantissa * 10 + (c - ZERO);
  }
  if (i < end && bytes[i] === DOT) {
    for (i++; i < end && (c = bytes[i]!) >= ZERO && c <= ZERO + 9; i++, digits++) {
      if (significant > 0 || c !== ZERO) significant++;
      mantissa = mantissa * 10 + (c - ZERO);
      exponent--;
    }
  }
  if (digits === 0 || significant > 15) return false;
  if (i < end && (bytes[i] === 0x65 || bytes[i] === 0x45)) {
    i++;
    c = i < end ? bytes[i]! : -1;
    const sign = c === 0x2d ? -1 : 1;
    if (c === 0x2d || c === 0x2b) i++;
    let e = 0;
    const first = i;
    // Past 4 digits the exponent is out of the fast range anyway; more digits only count as such.
    for (; i < end && (c = bytes[i]!) >= ZERO && c <= ZERO + 9; i++) if (e < 10_000) e = e * 10 + (c - ZERO);
    if (i === first) return false;
    exponent += sign * e;
  }
  if (i !== end) return false;
  if (mantissa === 0) {
    into[0] = negative ? -0 : 0;
    return true;
  }
  if (exponent < -22 || exponent > 22) return false;
  const signed = negative ? -mantissa : mantissa;
  into[0] = exponent >= 0 ? signed * EXACT_POWERS[exponent]! : signed / EXACT_POWERS[-exponent]!;
  return true;
}

/**
 * The rows of a chunk of CSV bytes that holds no quote character: split at newlines and commas, a
 * CR before a newline dropped (CRLF), a blank row skipped, as csvRows does. One CsvCells object is
 * reused for every row: read it before asking for the next.
 */
export class ByteRows implements CsvCells {
  line = 0;
  count = 0;
  private bytes: Uint8Array = new Uint8Array(0);
  private at = 0;
  private end = 0;
  /** Where each cell begins and ends; grown to the widest row. */
  private starts: Int32Array = new Int32Array(64);
  private ends: Int32Array = new Int32Array(64);
  private readonly decoder = new TextDecoder();

  /** Starts reading `bytes[0, end)`, whose first byte is on line `line`. */
  reset(bytes: Uint8Array, end: number, line: number): void {
    this.bytes = bytes;
    this.at = 0;
    this.end = end;
    this.line = line - 1;
  }

  /** Moves to the next row; false at the end of the chunk. */
  next(): boolean {
    const b = this.bytes;
    while (this.at < this.end) {
      this.line++;
      let stop = b.indexOf(NEWLINE, this.at);
      if (stop < 0 || stop >= this.end) stop = this.end;
      const rowEnd = stop > this.at && b[stop - 1] === CR && stop < this.end ? stop - 1 : stop;
      let n = 0;
      let cell = this.at;
      for (let k = this.at; k < rowEnd; k++) {
        if (b[k] !== COMMA) continue;
        this.push(n++, cell, k);
        cell = k + 1;
      }
      this.push(n++, cell, rowEnd);
      this.at = stop + 1;
      // One empty or blank cell is no row (csvRows: a row of one field that trims to nothing).
      if (n === 1 && this.text(0).trim() === '') continue;
      this.count = n;
      return true;
    }
    return false;
  }

  plainValue(k: number, into: Float64Array): boolean {
    return plainDecimal(this.bytes, this.starts[k]!, this.ends[k]!, into);
  }

  text(k: number): string {
    return this.decoder.decode(this.bytes.subarray(this.starts[k]!, this.ends[k]!));
  }

  private push(k: number, start: number, end: number): void {
    if (k === this.starts.length) {
      const grow = (a: Int32Array): Int32Array => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.starts = grow(this.starts);
      this.ends = grow(this.ends);
    }
    this.starts[k] = start;
    this.ends[k] = end;
  }
}
