// Front-end entry point: source text in, AST and diagnostics out; never throws.
import { EOF, type ILexingError, type IRecognitionException, type IToken } from 'chevrotain';
import type { Program } from './ast.ts';
import type { Diagnostic, Span } from './diagnostics.ts';
import { parser, visible } from './parser.ts';
import { toAst } from './to-ast.ts';
import { BadNumber, Block, Ident, LBracket, LCurly, LParen, lexer, Model, RBracket, RCurly, RParen, Train, UnterminatedString } from './tokens.ts';

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

export function parse(source: string, file: string): ParseResult {
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
  const lexed = lexer.tokenize(source);
  const diagnostics = lexed.errors.map((e) => lexDiagnostic(e, source, file));
  for (const t of lexed.tokens) {
    if (t.tokenType === UnterminatedString) diagnostics.push(syntax(`unterminated string: missing closing '"'`, tokenSpan(t, file)));
    if (t.tokenType === BadNumber) diagnostics.push(syntax(`invalid number '${t.image}': a name cannot start with a digit`, tokenSpan(t, file)));
  }
  const brackets = scanBrackets(lexed.tokens);
  if (brackets.tooDeep) {
    const message = `brackets are nested too deeply (more than ${MAX_NESTING} levels)`;
    return { program: undefined, diagnostics: finish([...diagnostics, syntax(message, tokenSpan(brackets.tooDeep, file))]) };
  }
  parser.input = lexed.tokens;
  const cst = parser.program();
  diagnostics.push(...withoutCascades(parser.errors, lexed.tokens, lexed.errors).map((e) => parseDiagnostic(e, brackets.unclosed, source, file)));
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
  const message = `unexpected ${e.length === 1 ? 'character' : 'characters'} '${visible(text)}'`;
  return syntax(message, { file, line, col, endLine: line, endCol: col + e.length, start: e.offset, end: e.offset + e.length });
}

interface Opener {
  token: IToken;
  /** How the construct is named in "missing to close ...": 'model mlp', 'dense(' or '['. */
  label: string;
}

/** Matches brackets over the token stream: finds the unclosed ones (for end-of-file messages) and excessive depth. */
function scanBrackets(tokens: IToken[]): { unclosed: Opener[]; tooDeep?: IToken } {
  const closerOf = new Map([[LParen, RParen], [LBracket, RBracket], [LCurly, RCurly]]);
  const stack: Opener[] = [];
  let header: string | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const prev = tokens[i - 1];
    if (stack.length === 0 && (t.tokenType === Model || t.tokenType === Block || t.tokenType === Train)) {
      const name = tokens[i + 1];
      header = name?.tokenType === Ident ? `${t.image} ${name.image}` : t.image;
    } else if (closerOf.has(t.tokenType)) {
      const named = t.tokenType !== LCurly && prev?.tokenType === Ident;
      const label = t.tokenType === LCurly && stack.length === 0 && header ? header : named ? `${prev!.image}${t.image}` : t.image;
      if (t.tokenType === LCurly) header = undefined;
      stack.push({ token: t, label });
      if (stack.length > MAX_NESTING) return { unclosed: stack, tooDeep: t };
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
 * or malformed number (the parser is missing what those were meant to be).
 */
function withoutCascades(errors: IRecognitionException[], tokens: IToken[], lexErrors: ILexingError[]): IRecognitionException[] {
  const index = new Map(tokens.map((t, i) => [t, i]));
  let last = -2;
  return errors.filter((e) => {
    const at = index.get(e.token);
    if (at === undefined) return true;
    const prev = tokens[at - 1];
    const afterPrev = prev ? prev.endOffset! + 1 : 0;
    const afterBadText = prev?.tokenType === UnterminatedString || prev?.tokenType === BadNumber ||
      lexErrors.some((l) => l.offset >= afterPrev && l.offset < e.token.startOffset);
    const cascade = (at === last + 1 && prev?.startLine === e.token.startLine) || afterBadText;
    last = at;
    return !cascade;
  });
}

function parseDiagnostic(e: IRecognitionException, unclosed: Opener[], source: string, file: string): Diagnostic {
  if (e.token.tokenType !== EOF) return syntax(e.message, tokenSpan(e.token, file));
  // At end of file the innermost unclosed bracket is the real cause, whatever token the parser wanted.
  const open = unclosed.at(-1);
  if (!open) return syntax(e.message, endSpan(source, file));
  const closer = { '(': ')', '[': ']', '{': '}' }[open.token.image] ?? '}';
  return syntax(`unexpected end of file: '${closer}' missing to close '${open.label}' opened at line ${open.token.startLine}`, endSpan(source, file));
}
