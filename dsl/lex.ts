// Lexing in chunks of whole lines, so that a file of garbage stops being read after enough errors.
import type { ILexingError, IToken } from './chevrotain.ts';
import { lexer } from './tokens.ts';

/** Characters lexed at a time (rounded up to the end of a line). */
const CHUNK_CHARS = 1 << 16;

export interface Lexed {
  tokens: IToken[];
  errors: ILexingError[];
  /** The first error not reported, where reading stopped; absent when the whole text was read. */
  stoppedAt?: ILexingError;
}

/**
 * Tokenizes `source` as the lexer would in one call, but a chunk of lines at a time, stopping after
 * `maxErrors` lexing errors: the lexer is slow on characters it cannot match (it tries every token
 * at each one), and a 5 MB binary file took half a minute. No token spans a '\n' (strings and comments
 * end at one, and whitespace is skipped), so cutting after a '\n' changes nothing but positions, which
 * are shifted back to whole-file values.
 */
export function tokenize(source: string, maxErrors: number): Lexed {
  const tokens: IToken[] = [];
  const errors: ILexingError[] = [];
  let start = 0;
  let linesBefore = 0;
  while (start < source.length) {
    const newline = source.indexOf('\n', Math.min(source.length, start + CHUNK_CHARS) - 1);
    const end = newline < 0 ? source.length : newline + 1;
    const chunk = source.slice(start, end);
    const lexed = lexer.tokenize(chunk);
    for (const t of lexed.tokens) tokens.push(start === 0 ? t : shiftToken(t, start, linesBefore));
    for (const e of lexed.errors) {
      errors.push(start === 0 ? e : { ...e, offset: e.offset + start, ...(e.line !== undefined ? { line: e.line + linesBefore } : {}) });
      if (errors.length > maxErrors) {
        const stoppedAt = errors[maxErrors]!;
        errors.length = maxErrors;
        while (tokens.length > 0 && tokens[tokens.length - 1]!.startOffset >= stoppedAt.offset) tokens.pop();
        return { tokens, errors, stoppedAt };
      }
    }
    for (let at = chunk.indexOf('\n'); at >= 0; at = chunk.indexOf('\n', at + 1)) linesBefore++;
    start = end;
  }
  return { tokens, errors };
}

/** A token of a chunk with whole-file positions (columns are unchanged: chunks start at a line start). */
function shiftToken(t: IToken, offset: number, lines: number): IToken {
  t.startOffset += offset;
  if (t.endOffset !== undefined) t.endOffset += offset;
  if (t.startLine !== undefined) t.startLine += lines;
  if (t.endLine !== undefined) t.endLine += lines;
  return t;
}
