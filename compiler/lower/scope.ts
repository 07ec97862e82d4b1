// Shared state of one lowering: the graph, diagnostics, name counters, and parameter reuse across modes.
import type { BlockDecl } from '../../dsl/ast.ts';
import { didYouMean, type Diagnostic, type Span } from '../../dsl/diagnostics.ts';
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
  /** What was reported (code, span, message), so a repeated report costs one lookup. */
  private readonly reported = new Set<string>();
  readonly summary: SummaryRow[] = [];
  /** The training lowering's named tensors, in program order. */
  readonly bindings: Binding[] = [];
  /** Parameters by full name, so the eval lowering reuses the training lowering's. */
  readonly paramsByName = new Map<string, ValueId>();
  /** Number of parameter values each layer created, for its summary row. */
  readonly paramValues = new Map<string, number>();
  readonly inputsByName = new Map<string, ValueId>();
  /** Number of classes of each class-typed input. */
  readonly classCount = new Map<ValueId, number>();
  /** Vocabulary size (ids 0 to V − 1) of each token input. */
  readonly vocabSize = new Map<ValueId, number>();
  private counters = new Map<string, number>();
  dropoutSalt = 0;
  /** The block calls being lowered, outermost first: stops recursion and says where a block's error came from. */
  readonly blockCalls: { name: string; span: Span }[] = [];
  /** How many expression evaluations are in progress, one inside another (see MAX_EVAL_DEPTH). */
  evalDepth = 0;
  /** Whether evaluation went past MAX_EVAL_DEPTH (reported once). */
  tooDeep = false;
  /** Whether the model went past MAX_MODEL_OPS (reported once; later layers are not lowered). */
  tooLarge = false;
  /** Graph nodes before this mode's lowering began: the training and eval lowerings are counted apart. */
  modeStart = 0;
  /** "Did you mean" searches left (see didYouMean). */
  private suggestionsLeft = MAX_SUGGESTIONS;
  /** Layers with weights by their final name (training lowering), where each was written: two may not share one. */
  readonly weightedLayers = new Map<string, Span>();
  /** Positional name (dense_2) → the name given by `name:` (encoder): weight files written before it load by the positional one. */
  readonly renamed = new Map<string, string>();
  /** The model-level binding being lowered and the names of the layers with weights it created so far (in blocks too). */
  binding: { name: string; layers: string[] } | undefined;
  /** The train section's `freeze` list: layer or binding names, where each was written. */
  freeze = new Map<string, Span>();
  /** Final names of the frozen layers (freeze list or trainable: false). */
  readonly frozenLayers = new Set<string>();
  /** Model-level bindings → the layers with weights written in them (freeze may name a binding). */
  readonly layerGroups = new Map<string, string[]>();

  constructor(
    readonly graph: Graph,
    readonly blocks: Map<string, BlockDecl>,
    public batch: number,
    public training: boolean,
  ) {}

  /** Starts the next mode (training, then eval): same layer names, same parameters. */
  restart(training: boolean): void {
    this.training = training;
    this.modeStart = this.graph.nodes.length;
    this.counters.clear();
    this.dropoutSalt = 0;
  }

  /**
   * "; did you mean 'x'?" for a name not found among `candidates` (a thunk: listing every name in
   * scope costs as much as the search). Each search reads every candidate, so a program with
   * thousands of unknown names was quadratic: after MAX_SUGGESTIONS searches, messages go without.
   */
  didYouMean(name: string, candidates: () => Iterable<string>): string {
    if (this.suggestionsLeft <= 0) return '';
    this.suggestionsLeft--;
    return didYouMean(name, candidates());
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
    const key = `${code} ${span.start} ${span.end} ${message}`;
    if (this.reported.has(key)) return undefined;
    this.reported.add(key);
    const all = [...(notes ?? []), ...callNotes(this.blockCalls)];
    this.diagnostics.push(all.length ? { code, message, span, notes: all } : { code, message, span });
    return undefined;
  }
}

/**
 * The most operations a model's forward pass may have (its train step has several kernels per
 * operation). A model past it is refused when lowering reaches it, in about a second, instead of
 * compiling for minutes a step no device would run: a 20,000-layer dense chain has 40,000.
 */
export const MAX_MODEL_OPS = 50_000;

/** "Did you mean" searches per compile: more than the diagnostics printed (MAX_SHOWN_DIAGNOSTICS). */
const MAX_SUGGESTIONS = 100;

/** Innermost block calls shown in full under a diagnostic; deeper stacks are summarised. */
const SHOWN_CALLS = 5;

/** "in block 'b' called at line 7" for each call, innermost first; a deep stack shows its ends and a count. */
function callNotes(calls: readonly { name: string; span: Span }[]): string[] {
  const note = (c: { name: string; span: Span }): string => `in block '${c.name}' called at line ${c.span.line}`;
  const inward = [...calls].reverse();
  if (inward.length <= SHOWN_CALLS + 2) return inward.map(note);
  const hidden = inward.length - SHOWN_CALLS - 1;
  return [...inward.slice(0, SHOWN_CALLS).map(note), `... ${hidden} more block calls ...`, note(inward.at(-1)!)];
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
