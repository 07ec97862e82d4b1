// The abstract syntax tree of a .dl program: what the parser produced, with a span on every node.
import type { Span } from './diagnostics.ts';

export type Expr =
  | { kind: 'num'; value: number; isInt: boolean; span: Span }
  | { kind: 'str'; value: string; span: Span }
  | { kind: 'bool'; value: boolean; span: Span }
  | { kind: 'list'; items: Expr[]; span: Span }
  | { kind: 'ident'; name: string; span: Span }
  /** `callee(args)`; in a chain stage the piped value becomes the first positional input. */
  | { kind: 'call'; callee: string; calleeSpan: Span; args: Arg[]; span: Span }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/'; left: Expr; right: Expr; span: Span }
  /** `-x` for an operand other than a number literal (`-2` is a `num`). */
  | { kind: 'neg'; x: Expr; span: Span }
  /** `head -> s1 -> s2`; every stage is an `ident` (e.g. `relu`) or a `call` (e.g. `dense(10)`). */
  | { kind: 'chain'; head: Expr; stages: Expr[]; span: Span };

/** A call argument, positional (`10`) or named (`kernel: 3`). */
export interface Arg {
  name?: string;
  nameSpan?: Span;
  value: Expr;
  span: Span;
}

/** `input image: f32[1, 28, 28]`, `input label: class[10]` or `input image: f32[28, 28, 1] layout: channels_last`; dims exclude the batch. */
export interface InputDecl {
  kind: 'input';
  name: string;
  nameSpan: Span;
  dtype: string;
  dtypeSpan: Span;
  dims: number[];
  /** `layout: channels_last` after the type: the option's name and value as written. */
  layout?: { name: string; nameSpan: Span; value: string; valueSpan: Span };
  span: Span;
}

/** `name = expr` */
export interface Assign {
  kind: 'assign';
  name: string;
  nameSpan: Span;
  value: Expr;
  span: Span;
}

/** `output a, b` */
export interface OutputDecl {
  kind: 'output';
  names: { name: string; span: Span }[];
  span: Span;
}

export type ModelStmt = InputDecl | Assign | OutputDecl;

export interface ModelDecl {
  kind: 'model';
  name: string;
  nameSpan: Span;
  body: ModelStmt[];
  span: Span;
}

export interface BlockParam {
  name: string;
  span: Span;
  default?: Expr;
}

/** `block name(x, width, act: relu) { ...assignments...; return expr }` */
export interface BlockDecl {
  kind: 'block';
  name: string;
  nameSpan: Span;
  params: BlockParam[];
  body: Assign[];
  result: Expr;
  resultSpan: Span;
  span: Span;
}

/** One `key = value` line of a train section. */
export interface TrainEntry {
  key: string;
  keySpan: Span;
  value: Expr;
  span: Span;
}

/** `train model_name { loss = ..., optimizer = ..., batch = 128 ... }` */
export interface TrainDecl {
  kind: 'train';
  model: string;
  modelSpan: Span;
  entries: TrainEntry[];
  span: Span;
}

export type Decl = ModelDecl | BlockDecl | TrainDecl;

export interface Program {
  file: string;
  decls: Decl[];
}
