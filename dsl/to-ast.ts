// Turns the chevrotain CST into the AST of ast.ts, with spans, plus the checks the grammar cannot express.
import type { CstNode, IToken, TokenType } from './chevrotain.ts';
import type { Arg, Assign, BlockDecl, BlockParam, Decl, Expr, InputDecl, ModelDecl, ModelStmt, OutputDecl, Program, TrainDecl } from './ast.ts';
import type { Diagnostic, Span } from './diagnostics.ts';
import {
  Arrow, ClosedString, Colon, False, Ident, Input, LBracket, LParen, Minus, NumberLit, Output, RBracket, Return, RParen, Slash,
  Star, StringLit, True, UnterminatedString,
} from './tokens.ts';

/** Deeper expressions are rejected so that recursive passes after the parser cannot overflow the stack. */
export const MAX_EXPR_DEPTH = 200;

type BinOp = '+' | '-' | '*' | '/';

/** A real source token: error recovery may insert placeholder tokens with no text and NaN positions. */
function real(t: IToken | undefined): IToken | undefined {
  return t && !t.isInsertedInRecovery && !Number.isNaN(t.startOffset) ? t : undefined;
}

function exprChildren(e: Expr): Expr[] {
  switch (e.kind) {
    case 'list': return e.items;
    case 'call': return e.args.map((a) => a.value);
    case 'binary': return [e.left, e.right];
    case 'neg': return [e.x];
    case 'chain': return [e.head, ...e.stages];
    default: return [];
  }
}

/** Tree depth, computed with an explicit stack because the tree may be the pathological one. */
function exprDepth(root: Expr): number {
  let max = 0;
  const stack: [Expr, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [e, d] = stack.pop()!;
    if (d > max) max = d;
    for (const c of exprChildren(e)) stack.push([c, d + 1]);
  }
  return max;
}

export class AstBuilder {
  readonly diagnostics: Diagnostic[] = [];

  constructor(private readonly file: string, private readonly source: string) {}

  program(cst: CstNode): Program {
    const decls: Decl[] = [];
    for (const n of this.ordered(cst, ['modelDecl', 'blockDecl', 'trainDecl'])) {
      const d = n.name === 'modelDecl' ? this.model(n) : n.name === 'blockDecl' ? this.block(n) : this.train(n);
      if (d) decls.push(d);
    }
    return { file: this.file, decls };
  }

  // ---- CST access. Children are grouped by name, so mixed statement kinds are re-sorted by position.

  private nodes(n: CstNode, key: string): CstNode[] {
    return (n.children[key] ?? []) as CstNode[];
  }

  private tokens(n: CstNode, key: string): IToken[] {
    return (n.children[key] ?? []) as IToken[];
  }

  /** A real token by token type, or by the LABEL the grammar gave it. */
  private tok(n: CstNode, key: TokenType | string, i = 0): IToken | undefined {
    return real(this.tokens(n, typeof key === 'string' ? key : key.name)[i]);
  }

  /** The statements of a body in source order, unwrapped from their `statement` nodes. */
  private statements(n: CstNode): CstNode[] {
    return this.nodes(n, 'statement').flatMap((s) => this.ordered(s, ['inputDecl', 'outputDecl', 'assign', 'returnStmt']));
  }

  /** Reports a statement kind the enclosing body does not allow, at its leading keyword. */
  private reject(stmt: CstNode, message: string): void {
    const keyword = this.tok(stmt, Input) ?? this.tok(stmt, Output) ?? this.tok(stmt, Return);
    if (keyword) this.error('E-SYNTAX', message, this.tokenSpan(keyword));
  }

  private ordered(n: CstNode, keys: string[]): CstNode[] {
    const all = keys.flatMap((k) => this.nodes(n, k));
    return all.sort((a, b) => (a.location?.startOffset ?? 0) - (b.location?.startOffset ?? 0));
  }

  // ---- Spans. chevrotain positions are 1-based with inclusive ends; Span ends are exclusive.

  private tokenSpan(t: IToken): Span {
    return {
      file: this.file, line: t.startLine!, col: t.startColumn!, endLine: t.endLine!, endCol: t.endColumn! + 1,
      start: t.startOffset, end: t.endOffset! + 1,
    };
  }

  private nodeSpan(n: CstNode): Span | undefined {
    const l = n.location;
    if (!l || [l.startOffset, l.endOffset, l.startLine, l.endLine].some((v) => v === undefined || Number.isNaN(v))) return undefined;
    return {
      file: this.file, line: l.startLine!, col: l.startColumn!, endLine: l.endLine!, endCol: l.endColumn! + 1,
      start: l.startOffset, end: l.endOffset! + 1,
    };
  }

  private merge(a: Span, b: Span): Span {
    return { ...a, endLine: b.endLine, endCol: b.endCol, end: b.end };
  }

  private error(code: string, message: string, span: Span): void {
    this.diagnostics.push({ code, message, span });
  }

  // ---- Declarations. A declaration or statement missing a required part (after a reported syntax error) is dropped.

  private model(n: CstNode): ModelDecl | undefined {
    const name = this.tok(n, Ident);
    const span = this.nodeSpan(n);
    if (!name || !span) return undefined;
    const body: ModelStmt[] = [];
    for (const s of this.statements(n)) {
      if (s.name === 'returnStmt') {
        this.reject(s, "'return' is only allowed in a block; a model names its results with 'output'");
        continue;
      }
      const stmt = s.name === 'inputDecl' ? this.input(s) : s.name === 'outputDecl' ? this.output(s) : this.assign(s);
      if (stmt) body.push(stmt);
    }
    return { kind: 'model', name: name.image, nameSpan: this.tokenSpan(name), body, span };
  }

  private input(n: CstNode): InputDecl | undefined {
    const name = this.tok(n, 'name');
    const dtype = this.tok(n, 'dtype');
    const span = this.nodeSpan(n);
    if (!name || !dtype || !span) return undefined;
    const dims: number[] = [];
    const dimNodes = this.nodes(n, 'expression');
    for (const d of dimNodes) {
      const e = this.expression(d);
      if (!e) continue;
      if (e.kind === 'num' && e.isInt && e.value > 0 && Number.isSafeInteger(e.value)) dims.push(e.value);
      else this.error('E-TYPE', `input dimension must be a positive integer, got ${this.source.slice(e.span.start, e.span.end)}`, e.span);
    }
    const open = this.tok(n, LBracket);
    const close = this.tok(n, RBracket);
    if (dimNodes.length === 0 && !n.recoveredNode) {
      const where = open && close ? this.merge(this.tokenSpan(open), this.tokenSpan(close)) : this.tokenSpan(dtype);
      this.error('E-TYPE', `input '${name.image}' needs at least one dimension, e.g. '${dtype.image}[10]'`, where);
    }
    const optName = this.tok(n, 'optionName');
    const optValue = this.tok(n, 'optionValue');
    const layout = optName && optValue ? { layout: { name: optName.image, nameSpan: this.tokenSpan(optName), value: optValue.image, valueSpan: this.tokenSpan(optValue) } } : {};
    return { kind: 'input', name: name.image, nameSpan: this.tokenSpan(name), dtype: dtype.image, dtypeSpan: this.tokenSpan(dtype), dims, ...layout, span };
  }

  private output(n: CstNode): OutputDecl | undefined {
    const span = this.nodeSpan(n);
    if (!span) return undefined;
    const names = this.tokens(n, Ident.name).filter((t) => real(t)).map((t) => ({ name: t.image, span: this.tokenSpan(t) }));
    return { kind: 'output', names, span };
  }

  private assign(n: CstNode): Assign | undefined {
    const name = this.tok(n, Ident);
    const value = this.topExpression(this.nodes(n, 'expression')[0]);
    const span = this.nodeSpan(n);
    if (!name || !value || !span) return undefined;
    return { kind: 'assign', name: name.image, nameSpan: this.tokenSpan(name), value, span };
  }

  private block(n: CstNode): BlockDecl | undefined {
    const name = this.tok(n, Ident);
    const span = this.nodeSpan(n);
    if (!name || !span) return undefined;
    const params: BlockParam[] = [];
    for (const p of this.nodes(n, 'param')) {
      const pname = this.tok(p, Ident);
      if (!pname) continue;
      const param: BlockParam = { name: pname.image, span: this.tokenSpan(pname) };
      if (p.children[Colon.name]) {
        const d = this.topExpression(this.nodes(p, 'expression')[0]);
        if (!d) continue;
        param.default = d;
      }
      params.push(param);
    }
    const body: Assign[] = [];
    const statements = this.statements(n);
    const returns = statements.filter((s) => s.name === 'returnStmt');
    const last = returns.at(-1);
    for (const s of statements) {
      if (s.name === 'inputDecl') this.reject(s, "'input' is only allowed in a model; a block receives values as parameters");
      if (s.name === 'outputDecl') this.reject(s, "'output' is only allowed in a model; a block gives its result with 'return'");
      const a = s.name === 'assign' && this.assign(s);
      if (a) body.push(a);
    }
    const firstReturn = returns[0];
    if (firstReturn && (returns.length > 1 || statements.at(-1) !== firstReturn)) {
      this.reject(firstReturn, `'return' must be the last statement of block '${name.image}'`);
    }
    if (!last) {
      // Only worth saying when the block was parsed to its end; otherwise a syntax error already explains it.
      if (!n.recoveredNode) this.error('E-SYNTAX', `block '${name.image}' must end with 'return <expression>'`, this.tokenSpan(name));
      return undefined;
    }
    const result = this.topExpression(this.nodes(last, 'expression')[0]);
    const resultSpan = this.nodeSpan(last);
    if (!result || !resultSpan) return undefined;
    return { kind: 'block', name: name.image, nameSpan: this.tokenSpan(name), params, body, result, resultSpan, span };
  }

  private train(n: CstNode): TrainDecl | undefined {
    const model = this.tok(n, Ident);
    const span = this.nodeSpan(n);
    if (!model || !span) return undefined;
    const entries = this.statements(n).flatMap((s) => {
      if (s.name !== 'assign') this.reject(s, "a train section holds only 'name = value' entries");
      const a = s.name === 'assign' && this.assign(s);
      return a ? [{ key: a.name, keySpan: a.nameSpan, value: a.value, span: a.span }] : [];
    });
    return { kind: 'train', model: model.image, modelSpan: this.tokenSpan(model), entries, span };
  }

  // ---- Expressions

  /** An expression in statement position, rejected when its tree is too deep for later passes. */
  private topExpression(n: CstNode | undefined): Expr | undefined {
    const e = n && this.expression(n);
    if (!e) return undefined;
    if (exprDepth(e) > MAX_EXPR_DEPTH) {
      this.error('E-SYNTAX', `expression is nested too deeply (more than ${MAX_EXPR_DEPTH} levels)`, e.span);
      return undefined;
    }
    return e;
  }

  /**
   * The flat `operand (op operand)*` sequence with precedence applied: `* /` over `+ -`, and `->` loosest.
   * Split at the arrows, the first segment is the chain head and each later one starts with a stage;
   * arithmetic after a stage is an error production, folded as if the chain had been parenthesised.
   */
  private expression(n: CstNode): Expr | undefined {
    const ops = this.tokens(n, 'op');
    const operands = this.nodes(n, 'operand').map((o) => (o.name === 'chainStage' ? this.identOrCall(o) : this.primary(o)));
    if (operands.length !== ops.length + 1 || operands.some((o) => !o)) return undefined;
    const segments: { first: Expr; rest: [IToken, Expr][] }[] = [{ first: operands[0]!, rest: [] }];
    ops.forEach((op, i) => {
      if (op.tokenType === Arrow) segments.push({ first: operands[i + 1]!, rest: [] });
      else segments.at(-1)!.rest.push([op, operands[i + 1]!]);
    });
    let acc = this.arithmetic(segments[0]!.first, segments[0]!.rest);
    let stages: Expr[] = [];
    const close = (): Expr => (stages.length === 0 ? acc : { kind: 'chain', head: acc, stages, span: this.merge(acc.span, stages.at(-1)!.span) });
    for (const seg of segments.slice(1)) {
      stages.push(seg.first);
      const misplaced = seg.rest[0]?.[0];
      if (!misplaced) continue;
      this.error('E-SYNTAX', `'->' binds loosest: put the chain in parentheses to use it with '${misplaced.image}'`, this.tokenSpan(misplaced));
      acc = this.arithmetic(close(), seg.rest);
      stages = [];
    }
    return close();
  }

  /** Left-associative `+ - * /` with `*` and `/` binding tighter, over `first (op operand)*`. */
  private arithmetic(first: Expr, rest: [IToken, Expr][]): Expr {
    const bin = (op: IToken, left: Expr, right: Expr): Expr =>
      ({ kind: 'binary', op: op.image as BinOp, left, right, span: this.merge(left.span, right.span) });
    let sum: Expr | undefined;
    let sumOp: IToken | undefined;
    let term = first;
    for (const [op, value] of rest) {
      if (op.tokenType === Star || op.tokenType === Slash) { term = bin(op, term, value); continue; }
      sum = sum && sumOp ? bin(sumOp, sum, term) : term;
      sumOp = op;
      term = value;
    }
    return sum && sumOp ? bin(sumOp, sum, term) : term;
  }

  private number(t: IToken, negative = false): Expr & { kind: 'num' } {
    // parseFloat reads the numeric prefix of a BadNumber such as `2x` (already reported).
    return { kind: 'num', value: (negative ? -1 : 1) * parseFloat(t.image), isInt: /^\d+$/.test(t.image), span: this.tokenSpan(t) };
  }

  private primary(n: CstNode): Expr | undefined {
    const minus = this.tok(n, Minus);
    const negative = this.tok(n, 'negative');
    if (minus) return negative && { ...this.number(negative, true), span: this.merge(this.tokenSpan(minus), this.tokenSpan(negative)) };
    const negate = this.tok(n, 'negate');
    if (negate) {
      const negated = this.nodes(n, 'negated')[0];
      const inner = negated && this.primary(negated);
      return inner && { kind: 'neg', x: inner, span: this.merge(this.tokenSpan(negate), inner.span) };
    }
    const num = this.tok(n, NumberLit);
    if (num) return this.number(num);
    const str = this.tok(n, StringLit);
    if (str) return { kind: 'str', value: this.stringValue(str), span: this.tokenSpan(str) };
    const bool = this.tok(n, True) ?? this.tok(n, False);
    if (bool) return { kind: 'bool', value: bool.tokenType === True, span: this.tokenSpan(bool) };
    const list = this.nodes(n, 'list')[0];
    if (list) return this.list(list);
    const paren = this.nodes(n, 'paren')[0];
    if (paren) return this.paren(paren);
    return this.identOrCall(n);
  }

  /** Decodes `\"`, `\\`, `\n` and `\t`; any other escape is reported and kept as written. */
  private stringValue(t: IToken): string {
    const body = t.tokenType === ClosedString ? t.image.slice(1, -1) : t.tokenType === UnterminatedString ? t.image.slice(1) : t.image;
    const escapes: Record<string, string> = { '"': '"', '\\': '\\', n: '\n', t: '\t' };
    return body.replace(/\\(.?)/g, (whole, c: string, at: number) => {
      if (c in escapes) return escapes[c]!;
      const start = t.startOffset + 1 + at;
      const span: Span = { ...this.tokenSpan(t), col: t.startColumn! + 1 + at, endCol: t.startColumn! + 1 + at + whole.length, start, end: start + whole.length };
      this.error('E-SYNTAX', `unknown escape '${whole}' in string; use '\\\\' for a backslash`, span);
      return whole;
    });
  }

  private list(n: CstNode): Expr | undefined {
    const span = this.nodeSpan(n);
    const items: Expr[] = [];
    for (const item of this.nodes(n, 'expression')) {
      const e = this.expression(item);
      if (!e) return undefined;
      items.push(e);
    }
    return span && { kind: 'list', items, span };
  }

  /** `(e)` is `e` itself, with its span widened to include the parentheses. */
  private paren(n: CstNode): Expr | undefined {
    const inner = this.nodes(n, 'expression')[0];
    const e = inner && this.expression(inner);
    const open = this.tok(n, LParen);
    const close = this.tok(n, RParen);
    if (!e || !open || !close) return e;
    return { ...e, span: this.merge(this.tokenSpan(open), this.tokenSpan(close)) };
  }

  /** `name` or `name(args)`, in a primary or a chain stage. */
  private identOrCall(n: CstNode): Expr | undefined {
    const name = this.tok(n, Ident);
    if (!name) return undefined;
    const nameSpan = this.tokenSpan(name);
    const argsNode = this.nodes(n, 'callArgs')[0];
    if (!argsNode) return { kind: 'ident', name: name.image, span: nameSpan };
    const args = this.args(argsNode);
    const argsSpan = this.nodeSpan(argsNode);
    return args && { kind: 'call', callee: name.image, calleeSpan: nameSpan, args, span: argsSpan ? this.merge(nameSpan, argsSpan) : nameSpan };
  }

  private args(n: CstNode): Arg[] | undefined {
    const args: Arg[] = [];
    let seenNamed = false;
    for (const a of this.nodes(n, 'arg')) {
      const valueNode = this.nodes(a, 'expression')[0];
      const value = valueNode && this.expression(valueNode);
      const span = this.nodeSpan(a);
      if (!value || !span) return undefined;
      const name = a.children[Colon.name] ? this.tok(a, Ident) : undefined;
      if (name) {
        seenNamed = true;
        args.push({ name: name.image, nameSpan: this.tokenSpan(name), value, span });
      } else {
        if (seenNamed) this.error('E-SYNTAX', 'positional argument after named argument', span);
        args.push({ value, span });
      }
    }
    return args;
  }
}

export function toAst(cst: CstNode, file: string, source: string): { program: Program; diagnostics: Diagnostic[] } {
  const builder = new AstBuilder(file, source);
  const program = builder.program(cst);
  return { program, diagnostics: builder.diagnostics };
}
