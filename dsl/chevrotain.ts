// The parts of chevrotain the front end uses, imported from here only. `npm run build` replaces this
// module's compiled file (dist/dsl/chevrotain.js) with these bundled alone by esbuild: chevrotain 11
// imports lodash-es whole (about 640 modules, 30 MiB resident in every process that parses a
// program), of which the bundle keeps the few functions chevrotain calls.
export { CstParser, EOF, Lexer, createToken, tokenLabel, tokenMatcher } from 'chevrotain';
export type { CstNode, ILexingError, IParserErrorMessageProvider, IRecognitionException, IToken, TokenType } from 'chevrotain';
