// Diagnostics as data: every user error is collected with a code, a message and a span, never thrown.

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

/**
 * Formats diagnostics the way compilers do:
 *   file:line:col: error: message
 *     12 |   x = dens(10)
 *        |       ^^^^
 */
export function formatDiagnostics(diags: Diagnostic[], sources: Map<string, string> | string): string {
  const out: string[] = [];
  for (const d of diags) {
    const text = typeof sources === 'string' ? sources : sources.get(d.span.file);
    out.push(`${d.span.file}:${d.span.line}:${d.span.col}: error: ${d.message}`);
    if (text !== undefined) {
      const lines = text.split(/\r?\n/);
      const src = lines[d.span.line - 1] ?? '';
      const gutter = String(d.span.line);
      const pad = ' '.repeat(gutter.length);
      const width = d.span.endLine === d.span.line ? Math.max(1, d.span.endCol - d.span.col) : Math.max(1, src.length - d.span.col + 1);
      out.push(` ${gutter} | ${src}`);
      out.push(` ${pad} | ${' '.repeat(Math.max(0, d.span.col - 1))}${'^'.repeat(width)}`);
    }
    for (const n of d.notes ?? []) out.push(`  note: ${n}`);
  }
  return out.join('\n');
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
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestD) { bestD = d; best = c; }
  }
  const limit = Math.max(1, Math.floor(name.length / 3));
  return bestD <= limit ? best : undefined;
}

/** " did you mean 'x'?" or "" */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const s = suggest(name, candidates);
  return s ? `; did you mean '${s}'?` : '';
}
