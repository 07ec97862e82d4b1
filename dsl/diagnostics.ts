// Diagnostics as data: every user error is collected with a code, a message and a span, never thrown.
import { groupDigits } from './group-digits.ts';
import { printable } from './printable.ts';
import { SourceLines, withoutBom } from './source.ts';

/** A position range in one source file; lines and columns are 1-based. */
export interface Span {
  file: string;
  line: number;
  col: number;
  endLine: number;
  endCol: number;
  /** Offsets into the source text, end exclusive. */
  start: number;
  end: number;
}

export interface Diagnostic {
  /** Stable code, e.g. "E-SYNTAX", "E-UNKNOWN-LAYER", "E-SHAPE". */
  code: string;
  message: string;
  span: Span;
  /** Extra lines printed after the caret, e.g. "did you mean 'dense'?" is part of the message instead. */
  notes?: string[];
}

/** Thrown only to abort a compile after diagnostics were collected; carries them. */
export class CompileError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => d.message).join('\n'));
    this.name = 'CompileError';
  }
}

/** An invariant of the compiler itself failed: a bug in dlc, not in the user's program. */
export class InternalError extends Error {
  constructor(message: string) {
    super(`internal error: ${message}`);
    this.name = 'InternalError';
  }
}

/** Diagnostics printed in full; the rest are counted in one closing line, so a garbage file prints at once. */
export const MAX_SHOWN_DIAGNOSTICS = 50;
/** A source line up to this long is shown whole; a longer one only around the span, cut with '…'. */
const WHOLE_LINE = 160;
/** Characters shown either side of the span on a cut line. */
const LINE_CONTEXT = 60;
/** The most characters of one span shown (a span can run to the end of a megabyte-long line). */
const SPAN_SHOWN = 120;
/** Longest message, note or file name printed before it is cut with '…'. */
const MESSAGE_LIMIT = 400;

/**
 * Formats diagnostics the way compilers do:
 *   file:line:col: error: message
 *     12 |   x = dens(10)
 *        |       ^^^^
 * Everything that came from a file (the name, the line, text quoted in the message) is shown through
 * printable(), so control characters are escaped; the caret stays under the span. At most `limit`
 * diagnostics are shown, then "… and N more errors". Time is linear in the source and the diagnostics.
 */
export function formatDiagnostics(diags: Diagnostic[], sources: Map<string, string> | string, limit = MAX_SHOWN_DIAGNOSTICS): string {
  const out: string[] = [];
  const indexed = new Map<string, SourceLines>();
  const linesOf = (file: string): SourceLines | undefined => {
    const text = typeof sources === 'string' ? sources : sources.get(file);
    if (text === undefined) return undefined;
    const key = typeof sources === 'string' ? '' : file;
    let lines = indexed.get(key);
    if (!lines) indexed.set(key, (lines = new SourceLines(withoutBom(text))));
    return lines;
  };
  for (const d of diags.slice(0, limit)) {
    out.push(`${printable(d.span.file, MESSAGE_LIMIT)}:${d.span.line}:${d.span.col}: error: ${printable(d.message, MESSAGE_LIMIT)}`);
    const lines = linesOf(d.span.file);
    if (lines) {
      const text = lines.line(d.span.line);
      const start = Math.max(0, d.span.col - 1);
      const end = d.span.endLine === d.span.line ? d.span.endCol - 1 : text.length;
      const shown = excerpt(text, start, Math.max(start, end));
      const gutter = String(d.span.line);
      out.push(` ${gutter} | ${shown.text}`);
      out.push(` ${' '.repeat(gutter.length)} | ${' '.repeat(shown.caret)}${'^'.repeat(shown.width)}`);
    }
    for (const n of d.notes ?? []) out.push(`  note: ${printable(n, MESSAGE_LIMIT)}`);
  }
  const hidden = diags.length - limit;
  if (hidden > 0) out.push(`… and ${groupDigits(hidden)} more error${hidden === 1 ? '' : 's'}`);
  return out.join('\n');
}

/** Line text as shown: tabs as four spaces (so the caret line can match them), then printable. */
function shownText(text: string): string {
  return printable(text.replace(/\t/g, '    '), Infinity);
}

/**
 * The part of `line` shown for the span [start, end) (0-based, end exclusive): the whole line when it
 * is short, else the span with some context, cut with '…'. `caret` and `width` say where the span is
 * in the shown text, escapes counted.
 */
function excerpt(line: string, start: number, end: number): { text: string; caret: number; width: number } {
  const whole = line.length <= WHOLE_LINE;
  const spanEnd = whole ? end : Math.min(end, start + SPAN_SHOWN);
  const from = whole ? 0 : Math.max(0, start - LINE_CONTEXT);
  const to = whole ? line.length : Math.min(line.length, spanEnd + LINE_CONTEXT);
  const before = `${from > 0 ? '…' : ''}${shownText(line.slice(from, start))}`;
  const marked = shownText(line.slice(start, spanEnd));
  const after = `${shownText(line.slice(spanEnd, to))}${to < line.length ? '…' : ''}`;
  return { text: before + marked + after, caret: before.length, width: Math.max(1, marked.length) };
}

/**
 * Edit distance with adjacent transpositions (optimal string alignment), for "did you mean"
 * suggestions: "lable" is one edit from "label", as a typist would count it.
 */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

/** The closest candidate within a small edit distance, or undefined. */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(1, Math.floor(name.length / 3));
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    // The distance is at least the difference in length: such a candidate can neither be within the
    // limit nor beat the best so far, so its distance is not computed.
    if (Math.abs(c.length - name.length) > Math.min(limit, bestD)) continue;
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestD) { bestD = d; best = c; }
  }
  return bestD <= limit ? best : undefined;
}

/** " did you mean 'x'?" or "" */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const s = suggest(name, candidates);
  return s ? `; did you mean '${s}'?` : '';
}
