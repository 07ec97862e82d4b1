// Shared state of one lowering: the graph, diagnostics, name counters, and parameter reuse across modes.
import type { BlockDecl } from '../../dsl/ast.ts';
import type { Diagnostic, Span } from '../../dsl/diagnostics.ts';
import type { Graph } from '../ir/graph.ts';
import type { ValueId } from '../ir/types.ts';
import type { Val } from './values.ts';

/** One row of the Keras-style summary `dlc check` prints. */
export interface SummaryRow {
  name: string;
  type: string;
  shape: number[];
  params: number;
}

/** A name the program gave a tensor (`h = x -> dense(8)`), for the summary; `block` when it was a block's local. */
export interface Binding {
  name: string;
  value: ValueId;
  block?: string;
}

export class Lowering {
  readonly diagnostics: Diagnostic[] = [];
  readonly summary: SummaryRow[] = [];
  /** The training lowering's named tensors, in program order. */
  readonly bindings: Binding[] = [];
  /** Parameters by full name, so the eval lowering reuses the training lowering's. */
  readonly paramsByName = new Map<string, ValueId>();
  readonly inputsByName = new Map<string, ValueId>();
  /** Number of classes of each class-typed input. */
  readonly classCount = new Map<ValueId, number>();
  private counters = new Map<string, number>();
  dropoutSalt = 0;
  /** The block calls being lowered, outermost first: stops recursion and says where a block's error came from. */
  readonly blockCalls: { name: string; span: Span }[] = [];

  constructor(
    readonly graph: Graph,
    readonly blocks: Map<string, BlockDecl>,
    public batch: number,
    public training: boolean,
  ) {}

  /** Starts the next mode (training, then eval): same layer names, same parameters. */
  restart(training: boolean): void {
    this.training = training;
    this.counters.clear();
    this.dropoutSalt = 0;
  }

  /** Keras-style unique layer names: dense_1, dense_2, ... */
  layerName(type: string): string {
    const n = (this.counters.get(type) ?? 0) + 1;
    this.counters.set(type, n);
    return `${type}_${n}`;
  }

  error(code: string, message: string, span: Span, notes?: string[]): undefined {
    // The eval lowering repeats the training one; report each problem once.
    if (!this.training) return undefined;
    // A block used several times repeats the errors of its body; the first call's report is enough.
    if (this.diagnostics.some((d) => d.code === code && d.message === message && d.span.start === span.start && d.span.end === span.end)) return undefined;
    const all = [...(notes ?? []), ...[...this.blockCalls].reverse().map((c) => `in block '${c.name}' called at line ${c.span.line}`)];
    this.diagnostics.push(all.length ? { code, message, span, notes: all } : { code, message, span });
    return undefined;
  }
}

/** Names visible to an expression: the model's, or a block's parameters and locals. */
export class Scope {
  private readonly names = new Map<string, { val: Val; span: Span }>();
  constructor(readonly parent?: Scope) {}

  lookup(name: string): { val: Val; span: Span } | undefined {
    return this.names.get(name) ?? this.parent?.lookup(name);
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  define(name: string, val: Val, span: Span): void {
    this.names.set(name, { val, span });
  }

  allNames(): string[] {
    return [...this.names.keys(), ...(this.parent?.allNames() ?? [])];
  }
}

/** Shapes in messages show the batch axis by name: [batch, 128]. */
export function userShape(shape: number[]): string {
  return shape.length === 0 ? '[] (a scalar)' : `[batch${shape.slice(1).map((d) => `, ${d}`).join('')}]`;
}
