// Front-end entry point: source text in, AST and diagnostics out; never throws.
import { EOF, type ILexingError, type IRecognitionException, type IToken } from './chevrotain.ts';
import type { Program } from './ast.ts';
import type { Diagnostic, Span } from './diagnostics.ts';
import { MAX_SYNTAX_ERRORS, parser, TooManySyntaxErrors } from './parser.ts';
import { printable } from './printable.ts';
import { BOM, withoutBom } from './source.ts';
import { toAst } from './to-ast.ts';
import { tokenize } from './lex.ts';
import { BadNumber, Block, Ident, LBracket, LCurly, LParen, Minus, Model, RBracket, RCurly, RParen, Train, UnterminatedString } from './tokens.ts';

export type { Program } from './ast.ts';

/**
 * Deeper bracket nesting is refused before parsing: the recursive-descent parser would overflow the stack.
 * Nested calls cost the most stack; a cold (not yet JIT-compiled) parse overflows past about 250 of them.
 */
export const MAX_NESTING = 100;

export interface ParseResult {
  /** Present whenever a syntax tree could be built, even after recovering from errors. */
  program: Program | undefined;
  /** Sorted by position; non-empty whenever the program has errors. */
  diagnostics: Diagnostic[];
}

/**
 * Parses a .dl source. A leading byte-order mark is ignored (see withoutBom): spans are offsets into
 * the text without it.
 */
export function parse(fileText: string, file: string): ParseResult {
  const source = withoutBom(fileText);
  try {
    return parseOrThrow(source, file);
  } catch (e) {
    // The contract is "diagnostics, not exceptions" for every input. A stack overflow despite MAX_NESTING
    // (a caller with little stack left) is still the input's nesting; anything else is a bug in dlc.
    const span = endSpan(source, file);
    if (e instanceof RangeError) return { program: undefined, diagnostics: [syntax('program is nested too deeply to parse', span)] };
    const message = `internal error while parsing: ${e instanceof Error ? e.message : String(e)}`;
    return { program: undefined, diagnostics: [{ code: 'E-INTERNAL', message, span }] };
  }
}

function parseOrThrow(source: string, file: string): ParseResult {
  const lexed = tokenize(source, MAX_SYNTAX_ERRORS);
  const diagnostics = lexed.errors.map((e) => lexDiagnostic(e, source, file));
  for (const t of lexed.tokens) {
    if (t.tokenType === UnterminatedString) diagnostics.push(syntax(`unterminated string: missing closing '"'`, tokenSpan(t, file)));
    if (t.tokenType === BadNumber) diagnostics.push(syntax(`invalid number '${t.image}': a name cannot start with a digit`, tokenSpan(t, file)));
  }
  if (lexed.stoppedAt) {
    const { offset, line = 1, column: col = 1 } = lexed.stoppedAt;
    const first = finish(diagnostics).slice(0, MAX_SYNTAX_ERRORS);
    return { program: undefined, diagnostics: [...first, tooManyErrors({ file, line, col, endLine: line, endCol: col + 1, start: offset, end: offset + 1 })] };
  }
  const brackets = scanBrackets(lexed.tokens);
  if (brackets.tooDeep) {
    const { token, minuses } = brackets.tooDeep;
    const message = minuses ? `'-' is repeated too many times in a row (more than ${MAX_NESTING})` : `brackets are nested too deeply (more than ${MAX_NESTING} levels)`;
    return { program: undefined, diagnostics: finish([...diagnostics, syntax(message, tokenSpan(token, file))]) };
  }
  parser.input = lexed.tokens;
  let cst;
  try {
    cst = parser.program();
  } catch (e) {
    if (!(e instanceof TooManySyntaxErrors)) throw e;
  }
  // Finding the end of the text scans all of it: once per parse, however many errors point there.
  let atEnd: Span | undefined;
  const end = (): Span => (atEnd ??= endSpan(source, file));
  for (const e of withoutCascades(parser.errors, lexed.tokens, lexed.errors)) diagnostics.push(parseDiagnostic(e, brackets.unclosed, end, file));
  if (!cst) {
    // Problems past the point where parsing stopped are not looked for; lexing ones are left out too.
    const last = parser.errors.at(-1)!.token;
    const where = last.tokenType === EOF || Number.isNaN(last.startOffset) ? end() : tokenSpan(last, file);
    return { program: undefined, diagnostics: [...finish(diagnostics).filter((d) => d.span.start < where.start), tooManyErrors(where)] };
  }
  const built = toAst(cst, file, source);
  return { program: built.program, diagnostics: finish([...diagnostics, ...built.diagnostics]) };
}

/** Source order, and one diagnostic per position: recovery can report the same spot more than once. */
function finish(diags: Diagnostic[]): Diagnostic[] {
  const seen = new Set<number>();
  return diags
    .map((d, i) => ({ d, i }))
    .sort((a, b) => a.d.span.start - b.d.span.start || a.i - b.i)
    .map(({ d }) => d)
    .filter((d) => !seen.has(d.span.start) && seen.add(d.span.start));
}

/** The last diagnostic when reading stopped early (see MAX_SYNTAX_ERRORS): what came after was not checked. */
function tooManyErrors(span: Span): Diagnostic {
  return syntax(`too many syntax errors (more than ${MAX_SYNTAX_ERRORS}); the file was read up to here`, span);
}

function syntax(message: string, span: Span): Diagnostic {
  return { code: 'E-SYNTAX', message, span };
}

function tokenSpan(t: IToken, file: string): Span {
  return { file, line: t.startLine!, col: t.startColumn!, endLine: t.endLine!, endCol: t.endColumn! + 1, start: t.startOffset, end: t.endOffset! + 1 };
}

/** End of file is shown at the end of the last non-blank line, where the missing text belongs. */
function endSpan(source: string, file: string): Span {
  const end = source.trimEnd().length;
  const before = source.slice(0, end);
  const line = before.split('\n').length;
  const col = end - (before.lastIndexOf('\n') + 1) + 1;
  return { file, line, col, endLine: line, endCol: col, start: end, end };
}

function lexDiagnostic(e: ILexingError, source: string, file: string): Diagnostic {
  const text = source.slice(e.offset, e.offset + e.length);
  const line = e.line ?? 1;
  const col = e.column ?? 1;
  const quoted = `'${printable(text)}'`;
  const message = text === BOM ? `unexpected byte-order mark ${quoted}: it may only start the file`
    : `unexpected ${e.length === 1 ? 'character' : 'characters'} ${quoted}`;
  return syntax(message, { file, line, col, endLine: line, endCol: col + e.length, start: e.offset, end: e.offset + e.length });
}

interface Opener {
  token: IToken;
  /** How the construct is named in "missing to close ...": 'model mlp', 'dense(' or '['. */
  label: string;
}

/**
 * Matches brackets over the token stream: finds the unclosed ones (for end-of-file messages) and excessive
 * depth. A run of '-' nests too (each is a unary minus around the rest), so a long run counts as too deep.
 */
function scanBrackets(tokens: IToken[]): { unclosed: Opener[]; tooDeep?: { token: IToken; minuses: boolean } } {
  const closerOf = new Map([[LParen, RParen], [LBracket, RBracket], [LCurly, RCurly]]);
  const stack: Opener[] = [];
  let header: string | undefined;
  let minusRun = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const prev = tokens[i - 1];
    minusRun = t.tokenType === Minus ? minusRun + 1 : 0;
    if (minusRun > MAX_NESTING) return { unclosed: stack, tooDeep: { token: t, minuses: true } };
    if (stack.length === 0 && (t.tokenType === Model || t.tokenType === Block || t.tokenType === Train)) {
      const name = tokens[i + 1];
      header = name?.tokenType === Ident ? `${t.image} ${name.image}` : t.image;
    } else if (closerOf.has(t.tokenType)) {
      const named = t.tokenType !== LCurly && prev?.tokenType === Ident;
      const label = t.tokenType === LCurly && stack.length === 0 && header ? header : named ? `${prev!.image}${t.image}` : t.image;
      if (t.tokenType === LCurly) header = undefined;
      stack.push({ token: t, label });
      if (stack.length > MAX_NESTING) return { unclosed: stack, tooDeep: { token: t, minuses: false } };
    } else if (t.tokenType === RParen || t.tokenType === RBracket || t.tokenType === RCurly) {
      // A stray closer closes the nearest matching opener, discarding unmatched ones above it.
      let at = stack.length - 1;
      while (at >= 0 && closerOf.get(stack[at]!.token.tokenType) !== t.tokenType) at--;
      if (at >= 0) stack.length = at;
    }
  }
  return { unclosed: stack };
}

/**
 * Drops errors that only echo an earlier problem: one on the token right after the previous error's token,
 * on the same line (recovery guessed wrong, e.g. inserted a ')' before a stray '+'; a new line usually
 * starts an unrelated statement), and one right after skipped bad characters or an unterminated string
 * or malformed number (the parser is missing what those were meant to be). Linear in the tokens and errors.
 */
function withoutCascades(errors: IRecognitionException[], tokens: IToken[], lexErrors: ILexingError[]): IRecognitionException[] {
  let last = -2;
  return errors.filter((e) => {
    const at = firstAtOrAfter(tokens, e.token.startOffset);
    if (tokens[at] !== e.token) return true; // a token inserted by recovery
    const prev = tokens[at - 1];
    const afterPrev = prev ? prev.endOffset! + 1 : 0;
    const afterBadText = prev?.tokenType === UnterminatedString || prev?.tokenType === BadNumber ||
      (lexErrors[firstAtOrAfter(lexErrors, afterPrev)]?.offset ?? Infinity) < e.token.startOffset;
    const cascade = (at === last + 1 && prev?.startLine === e.token.startLine) || afterBadText;
    last = at;
    return !cascade;
  });
}

/** Index of the first token or lexing error at or after `offset` (both lists are in source order). */
function firstAtOrAfter(items: readonly (IToken | ILexingError)[], offset: number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const item = items[mid]!;
    if (('startOffset' in item ? item.startOffset : item.offset) < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function parseDiagnostic(e: IRecognitionException, unclosed: Opener[], end: () => Span, file: string): Diagnostic {
  if (e.token.tokenType !== EOF) return syntax(e.message, tokenSpan(e.token, file));
  // At end of file the innermost unclosed bracket is the real cause, whatever token the parser wanted.
  const open = unclosed.at(-1);
  if (!open) return syntax(e.message, end());
  const closer = { '(': ')', '[': ']', '{': '}' }[open.token.image] ?? '}';
  return syntax(`unexpected end of file: '${closer}' missing to close '${open.label}' opened at line ${open.token.startLine}`, end());
}
