// The chevrotain grammar of .dl (a recovering CstParser) and its human-readable syntax error messages.
import { CstParser, EOF, tokenLabel, tokenMatcher, type IParserErrorMessageProvider, type IRecognitionException, type IToken, type TokenType } from './chevrotain.ts';
import {
  allTokens, Arrow, Block, Colon, Comma, Equals, False, Ident, Input, LBracket, LCurly, LParen, Minus, Model,
  NumberLit, Output, Plus, RBracket, RCurly, Return, RParen, Semi, Slash, Star, StringLit, Train, True,
} from './tokens.ts';
import { printable } from './printable.ts';

/** How an offending token is named in a message: its source text (shortened), or "end of file". */
export function describeToken(t: IToken): string {
  if (t.tokenType === EOF) return 'end of file';
  const text = t.image.length > 24 ? `${t.image.slice(0, 21)}...` : t.image;
  return `'${printable(text, Infinity)}'`;
}

/** What an expected identifier means at this point of the grammar, so messages say "a model name", not "Ident". */
function identRole(rule: string, previous: IToken): string {
  switch (rule) {
    case 'modelDecl': return 'a model name';
    case 'blockDecl': return 'a block name';
    case 'trainDecl': return 'the name of the model to train';
    case 'param': return 'a parameter name';
    case 'inputDecl': return previous.tokenType === Colon ? "an element type such as 'f32'" : 'an input name';
    case 'outputDecl': return 'an output name';
    case 'chainStage': return 'a layer name or call';
    default: return 'a name';
  }
}

function expectedText(expected: TokenType, rule: string, previous: IToken): string {
  if (expected === Ident) return identRole(rule, previous);
  if (expected === EOF) return "'model', 'block' or 'train'";
  if (expected === RCurly && rule.endsWith('Decl')) return "a statement or '}'";
  // After a comma the list could have gone on; say so rather than only naming the closing bracket.
  if (previous.tokenType === Comma && (expected === RParen || expected === RBracket)) {
    return `${rule === 'callArgs' ? 'an argument' : 'an expression'} or ${tokenLabel(expected)}`;
  }
  return tokenLabel(expected);
}

/** "expected X after 'p', found 'f'"; at end of file "unexpected end of file: expected X after 'p'". */
function sentence(what: string, actual: IToken, previous?: IToken): string {
  // In-repetition recovery reports the token it skipped to as "previous"; only a token before `actual` counts.
  const hasPrevious = previous && previous.tokenType !== EOF && !previous.isInsertedInRecovery &&
    (actual.tokenType === EOF || previous.startOffset < actual.startOffset);
  const after = hasPrevious ? ` after ${describeToken(previous)}` : '';
  if (actual.tokenType === EOF) return `unexpected end of file: expected ${what}${after}`;
  return `expected ${what}${after}, found ${describeToken(actual)}`;
}

function oneOf(items: string[]): string {
  const unique = [...new Set(items)];
  return unique.length <= 1 ? (unique[0] ?? 'something else') : `${unique.slice(0, -1).join(', ')} or ${unique.at(-1)}`;
}

export const syntaxMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, previous, ruleName }) {
    return sentence(expectedText(expected, ruleName, previous), actual, previous);
  },
  // No "after" here: the offending token itself is the problem ("expected an expression, found '}'").
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, customUserDescription }) {
    const what = customUserDescription ?? oneOf(expectedPathsPerAlt.flat().map((path) => tokenLabel(path[0]!)));
    return sentence(what, actual[0]!);
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, customUserDescription }) {
    const what = customUserDescription ?? oneOf(expectedIterationPaths.map((path) => tokenLabel(path[0]!)));
    return sentence(what, actual[0]!);
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return sentence(expectedText(EOF, 'program', firstRedundant), firstRedundant);
  },
};

/**
 * Syntax errors recorded before the parser gives up. Each recovery may rescan the tokens ahead, so on
 * a garbage file parsing to the end took minutes; a real file with this many errors has its cause
 * among the first of them.
 */
export const MAX_SYNTAX_ERRORS = 100;

/** Thrown out of the parser when it has recorded MAX_SYNTAX_ERRORS errors. */
export class TooManySyntaxErrors extends Error {
  override name = 'TooManySyntaxErrors';
}

/** Tokens looked at, after a syntax error, for a point where parsing can resume (see findReSyncTokenType). */
export const RESYNC_WINDOW = 1000;

/** chevrotain's own error-recovery methods that DlParser refines (they are not in its typings). */
const recovery = CstParser.prototype as unknown as {
  SAVE_ERROR(e: IRecognitionException): IRecognitionException;
  flattenFollowSet(): TokenType[];
};

export class DlParser extends CstParser {
  constructor() {
    super(allTokens, { recoveryEnabled: true, nodeLocationTracking: 'full', maxLookahead: 3, errorMessageProvider: syntaxMessages });
    this.performSelfAnalysis();
  }

  /** Records a syntax error as chevrotain does, and stops the parse at MAX_SYNTAX_ERRORS (see there). */
  SAVE_ERROR(error: IRecognitionException): IRecognitionException {
    const saved = recovery.SAVE_ERROR.call(this, error);
    if (this.errors.length >= MAX_SYNTAX_ERRORS) throw new TooManySyntaxErrors();
    return saved;
  }

  /**
   * The token type where parsing resumes after an error: the first token that may follow one of the
   * rules being parsed, as chevrotain finds it, but looking at most RESYNC_WINDOW tokens ahead (then
   * the end of file). chevrotain looks as far as it takes, and at top level only the end of file may
   * follow, so every error in a garbage file rescanned the rest of the file: quadratic time.
   */
  findReSyncTokenType(): TokenType {
    const follow = recovery.flattenFollowSet.call(this);
    for (let k = 1; k <= RESYNC_WINDOW; k++) {
      const token = this.LA(k);
      const found = follow.find((type) => tokenMatcher(token, type));
      if (found) return found;
      if (token.tokenType === EOF) break;
    }
    return EOF;
  }

  // `;` is accepted (and ignored) between declarations and statements.
  program = this.RULE('program', () => {
    this.MANY(() => this.OR({
      DEF: [
        { ALT: () => this.SUBRULE(this.modelDecl) },
        { ALT: () => this.SUBRULE(this.blockDecl) },
        { ALT: () => this.SUBRULE(this.trainDecl) },
        { ALT: () => this.CONSUME(Semi) },
      ],
      ERR_MSG: "'model', 'block' or 'train'",
    }));
  });

  modelDecl = this.RULE('modelDecl', () => {
    this.CONSUME(Model);
    this.CONSUME(Ident);
    this.CONSUME(LCurly);
    this.MANY(() => this.OR([
      { ALT: () => this.SUBRULE(this.statement) },
      { ALT: () => this.CONSUME(Semi) },
    ]));
    this.CONSUME(RCurly);
  });

  // Models, blocks and train sections share one statement syntax; to-ast rejects the kinds a body does not allow,
  // which reads better ("'return' is only allowed in a block") than a parse error and a cascade after it.
  statement = this.RULE('statement', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.inputDecl) },
      { ALT: () => this.SUBRULE(this.outputDecl) },
      { ALT: () => this.SUBRULE(this.assign) },
      { ALT: () => this.SUBRULE(this.returnStmt) },
    ]);
  });

  blockDecl = this.RULE('blockDecl', () => {
    this.CONSUME(Block);
    this.CONSUME(Ident);
    this.CONSUME(LParen);
    this.OPTION(() => {
      this.SUBRULE(this.param);
      this.MANY(() => { this.CONSUME(Comma); this.SUBRULE2(this.param); });
    });
    this.CONSUME(RParen);
    this.CONSUME(LCurly);
    this.MANY2(() => this.OR([
      { ALT: () => this.SUBRULE(this.statement) },
      { ALT: () => this.CONSUME(Semi) },
    ]));
    this.CONSUME(RCurly);
  });

  param = this.RULE('param', () => {
    this.CONSUME(Ident);
    this.OPTION(() => { this.CONSUME(Colon); this.SUBRULE(this.expression); });
  });

  // Entries may also be separated by `,` here, as in `{ loss = ..., batch = 128 }`.
  trainDecl = this.RULE('trainDecl', () => {
    this.CONSUME(Train);
    this.CONSUME(Ident);
    this.CONSUME(LCurly);
    this.MANY(() => this.OR([
      { ALT: () => this.SUBRULE(this.statement) },
      { ALT: () => this.CONSUME(Semi) },
      { ALT: () => this.CONSUME(Comma) },
    ]));
    this.CONSUME(RCurly);
  });

  // Dimensions are parsed as general expressions, and may even be missing, so that `f32[2.5]` or `f32`
  // get a precise type error from to-ast rather than a syntax error with a cascade after it.
  inputDecl = this.RULE('inputDecl', () => {
    this.CONSUME(Input);
    this.CONSUME(Ident, { LABEL: 'name' });
    this.CONSUME(Colon);
    this.CONSUME2(Ident, { LABEL: 'dtype' });
    this.OPTION(() => {
      this.CONSUME(LBracket);
      this.OPTION2(() => {
        this.SUBRULE(this.expression);
        this.MANY(() => { this.CONSUME(Comma); this.SUBRULE2(this.expression); });
      });
      this.CONSUME(RBracket);
    });
    // `layout: channels_last`: the data's axis order, when it is not dlc's (Keras' data_format).
    // The gate looks past the name: the next statement also starts with one (`x = …`).
    this.OPTION3({
      GATE: () => this.LA(2).tokenType === Colon,
      DEF: () => {
        this.CONSUME3(Ident, { LABEL: 'optionName' });
        this.CONSUME2(Colon);
        this.CONSUME4(Ident, { LABEL: 'optionValue' });
      },
    });
  });

  outputDecl = this.RULE('outputDecl', () => {
    this.CONSUME(Output);
    this.CONSUME(Ident);
    this.MANY(() => { this.CONSUME(Comma); this.CONSUME2(Ident); });
  });

  assign = this.RULE('assign', () => {
    this.CONSUME(Ident);
    this.CONSUME(Equals);
    this.SUBRULE(this.expression);
  });

  returnStmt = this.RULE('returnStmt', () => {
    this.CONSUME(Return);
    this.SUBRULE(this.expression);
  });

  // Expressions are kept flat — operands and operators (`+ - * / ->`, all labelled `op`) in source order —
  // and to-ast applies precedence. Few rules per nesting level keep the parser's stack use low. An
  // operator after a chain stage (`x -> relu + y`) parses here so that to-ast can explain the fix.
  expression = this.RULE('expression', () => {
    this.SUBRULE(this.primary, { LABEL: 'operand' });
    this.MANY(() => this.OR([
      {
        ALT: () => {
          this.OR2([
            { ALT: () => this.CONSUME(Plus, { LABEL: 'op' }) },
            { ALT: () => this.CONSUME(Minus, { LABEL: 'op' }) },
            { ALT: () => this.CONSUME(Star, { LABEL: 'op' }) },
            { ALT: () => this.CONSUME(Slash, { LABEL: 'op' }) },
          ]);
          this.SUBRULE2(this.primary, { LABEL: 'operand' });
        },
      },
      { ALT: () => { this.CONSUME(Arrow, { LABEL: 'op' }); this.SUBRULE(this.chainStage, { LABEL: 'operand' }); } },
    ]));
  });

  chainStage = this.RULE('chainStage', () => {
    this.CONSUME(Ident);
    this.OPTION(() => this.SUBRULE(this.callArgs));
  });

  // `-2` is a negative number literal; `-x` negates any other operand, binding tighter than `*` and `/`.
  primary = this.RULE('primary', () => {
    this.OR({
      DEF: [
        { ALT: () => { this.CONSUME(Minus); this.CONSUME(NumberLit, { LABEL: 'negative' }); } },
        { ALT: () => { this.CONSUME2(Minus, { LABEL: 'negate' }); this.SUBRULE(this.primary, { LABEL: 'negated' }); }, IGNORE_AMBIGUITIES: true },
        { ALT: () => this.CONSUME2(NumberLit) },
        { ALT: () => this.CONSUME(StringLit) },
        { ALT: () => this.CONSUME(True) },
        { ALT: () => this.CONSUME(False) },
        { ALT: () => this.SUBRULE(this.list) },
        { ALT: () => this.SUBRULE(this.paren) },
        { ALT: () => { this.CONSUME(Ident); this.OPTION(() => this.SUBRULE(this.callArgs)); } },
      ],
      ERR_MSG: 'an expression',
    });
  });

  list = this.RULE('list', () => {
    this.CONSUME(LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.expression);
      this.MANY(() => { this.CONSUME(Comma); this.SUBRULE2(this.expression); });
      this.OPTION2(() => this.CONSUME2(Comma));
    });
    this.CONSUME(RBracket);
  });

  paren = this.RULE('paren', () => {
    this.CONSUME(LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(RParen);
  });

  callArgs = this.RULE('callArgs', () => {
    this.CONSUME(LParen);
    this.OPTION(() => {
      this.SUBRULE(this.arg);
      this.MANY(() => { this.CONSUME(Comma); this.SUBRULE2(this.arg); });
      this.OPTION2(() => this.CONSUME2(Comma));
    });
    this.CONSUME(RParen);
  });

  // `name: value` needs two tokens of lookahead to tell it from a positional `name` or `name(...)`.
  arg = this.RULE('arg', () => {
    this.OR([
      { ALT: () => { this.CONSUME(Ident); this.CONSUME(Colon); this.SUBRULE(this.expression); } },
      { ALT: () => this.SUBRULE2(this.expression) },
    ]);
  });
}

/** One shared instance: building a chevrotain parser runs a grammar analysis, so it is done once. */
export const parser = new DlParser();
