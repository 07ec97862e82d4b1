// Source text as the front end sees it: without a leading byte-order mark, and split into lines once.

/** The byte-order mark some editors write at the start of a UTF-8 file. */
export const BOM = '\ufeff';

/**
 * The text the lexer reads: a leading byte-order mark is dropped (it is an encoding marker, not part
 * of the program). Every position in a diagnostic is an offset into this text, so whatever shows a
 * diagnostic's line must drop it too.
 */
export function withoutBom(source: string): string {
  return source.startsWith(BOM) ? source.slice(BOM.length) : source;
}

/**
 * The lines of a source text, found with one scan: `line(n)` is then constant time, where splitting
 * the whole text for each diagnostic made printing n diagnostics quadratic. Only '\n' ends a line,
 * as in the lexer; a '\r' before it is not part of the line.
 */
export class SourceLines {
  /** Offset of the first character of each line. */
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) this.starts.push(at + 1);
  }

  /** Number of lines (an empty text has one, empty). */
  get count(): number {
    return this.starts.length;
  }

  /** The text of 1-based line `n` without its line break; '' past the end. */
  line(n: number): string {
    const start = this.starts[n - 1];
    if (start === undefined) return '';
    const next = this.starts[n];
    let end = next === undefined ? this.text.length : next - 1;
    if (end > start && this.text[end - 1] === '\r') end--;
    return this.text.slice(start, end);
  }
}
