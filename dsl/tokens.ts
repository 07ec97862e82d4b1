// Token definitions for the .dl language; every token has a LABEL so error messages read like source text.
import { createToken, Lexer, type TokenType } from './chevrotain.ts';

// Newlines are plain whitespace: every statement starts with a keyword or `name =`, so the grammar needs no terminators.
export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n\f\v]+/, group: Lexer.SKIPPED, line_breaks: true, label: 'whitespace' });
export const Comment = createToken({ name: 'Comment', pattern: /#[^\n]*/, group: Lexer.SKIPPED, label: 'a comment' });

export const Ident = createToken({ name: 'Ident', pattern: /[A-Za-z_][A-Za-z0-9_]*/, label: 'a name' });

function keyword(word: string): TokenType {
  return createToken({ name: `Kw_${word}`, pattern: word, longer_alt: Ident, label: `'${word}'` });
}
export const Model = keyword('model');
export const Block = keyword('block');
export const Train = keyword('train');
export const Input = keyword('input');
export const Output = keyword('output');
export const Return = keyword('return');
export const True = keyword('true');
export const False = keyword('false');

// `.5`, `128`, `1e-3`, `2.5E+4`. A number run into letters (`2x`, `1e`) is one BadNumber token, reported
// once by the front end and parsed as a number, rather than a number and a name that confuse the parser.
const numberRe = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const badNumberRe = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?[A-Za-z_][A-Za-z0-9_]*/y;
export const NumberLit = createToken({ name: 'NumberLit', pattern: new RegExp(numberRe.source), label: 'a number' });
export const BadNumber = createToken({
  name: 'BadNumber',
  label: 'a number',
  categories: [NumberLit],
  start_chars_hint: [...'0123456789.'],
  line_breaks: false,
  // Letters must follow the longest number (a plain regex would backtrack and read `1e5` as `1` + `e5`).
  pattern: {
    exec(text: string, offset: number): RegExpExecArray | null {
      numberRe.lastIndex = offset;
      const num = numberRe.exec(text);
      if (!num || !/[A-Za-z_]/.test(text[offset + num[0].length] ?? '')) return null;
      badNumberRe.lastIndex = offset;
      return badNumberRe.exec(text);
    },
  },
});

// Both string kinds share the StringLit category so the parser accepts either; an unterminated string is
// reported once by the front end and then parsed as if it were closed, avoiding a cascade of errors.
export const StringLit = createToken({ name: 'StringLit', pattern: Lexer.NA, label: 'a string' });
export const ClosedString = createToken({ name: 'ClosedString', pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*"/, categories: [StringLit], label: 'a string' });
export const UnterminatedString = createToken({ name: 'UnterminatedString', pattern: /"[^\r\n]*/, categories: [StringLit], label: 'a string' });

function punct(name: string, text: string): TokenType {
  return createToken({ name, pattern: text, label: `'${text}'` });
}
export const Arrow = punct('Arrow', '->');
export const Minus = punct('Minus', '-');
export const Plus = punct('Plus', '+');
export const Star = punct('Star', '*');
export const Slash = punct('Slash', '/');
export const Equals = punct('Equals', '=');
export const Colon = punct('Colon', ':');
export const Comma = punct('Comma', ',');
export const Semi = punct('Semi', ';');
export const LParen = punct('LParen', '(');
export const RParen = punct('RParen', ')');
export const LBracket = punct('LBracket', '[');
export const RBracket = punct('RBracket', ']');
export const LCurly = punct('LCurly', '{');
export const RCurly = punct('RCurly', '}');

// Order matters (first match wins): keywords before Ident, BadNumber before NumberLit, `->` before `-`,
// closed strings before unterminated ones.
export const allTokens: TokenType[] = [
  WhiteSpace, Comment,
  Model, Block, Train, Input, Output, Return, True, False, Ident,
  BadNumber, NumberLit, StringLit, ClosedString, UnterminatedString,
  Arrow, Minus, Plus, Star, Slash, Equals, Colon, Comma, Semi,
  LParen, RParen, LBracket, RBracket, LCurly, RCurly,
];

// Only '\n' ends a line, matching how formatDiagnostics splits source lines.
export const lexer = new Lexer(allTokens, {
  lineTerminatorsPattern: /\n/g,
  lineTerminatorCharacters: ['\n'],
  ensureOptimizations: false,
  positionTracking: 'full',
});
