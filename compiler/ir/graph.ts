// The IR graph: values, nodes in topological order, parameters, state and the three programs.
import type { Span } from '../../dsl/diagnostics.ts';
import { opDef, type GradBuilder, type OpName, type TensorType } from './ops/index.ts';
import { broadcastShapes, numel, sameShape as shapesEqual, shapeStr } from './tensor.ts';
import type { Attrs, DType, Initializer, Node, ParamInfo, Phase, Program, ProgramName, Role, StateInfo, Value, ValueId } from './types.ts';
import { arityAccepts, ShapeError } from './ops/def.ts';

/** Where new nodes go and what they are tagged with. */
export interface Emit {
  phase: Phase;
  span?: Span;
  layer?: string;
  /** Role of the values the nodes define (activation by default, grad in the backward pass). */
  role?: Role;
}

/** The most values one tensor may hold (2^28: 1 GiB of f32), so every index fits u32 arithmetic. */
export const MAX_TENSOR_ELEMENTS = 2 ** 28;

export class Graph {
  readonly values: Value[] = [];
  readonly nodes: Node[] = [];
  /** Model inputs; `classes` is set for class-label inputs (class[n]), `vocab` for token inputs (tokens[V, T]). */
  readonly inputs: { name: string; value: ValueId; classes?: number; vocab?: number }[] = [];
  readonly params: ParamInfo[] = [];
  readonly state: StateInfo[] = [];
  private readonly programsByName: Record<ProgramName, Program> = {
    train_step: { nodes: [], outputs: [] },
    eval: { nodes: [], outputs: [] },
    forward: { nodes: [], outputs: [] },
  };
  /**
   * Replacements made by replaceNodes and not yet applied to the programs. Rewriting every program
   * on each replacement made fusion quadratic in program length; they are applied together, in one
   * pass over each program, when the programs are next read.
   */
  private pendingReplacements: { last: number; node: number; members: number[] }[] = [];
  /** Every node named by a pending replacement, to apply them first when a new one overlaps. */
  private readonly pendingMembers = new Set<number>();
  /** The node that defines each value (absent for inputs, params and state). */
  readonly producer = new Map<ValueId, number>();

  /** The train_step, eval and forward programs, with every replacement made so far applied. */
  get programs(): Record<ProgramName, Program> {
    this.applyReplacements();
    return this.programsByName;
  }

  value(id: ValueId): Value {
    const v = this.values[id];
    if (!v) throw new Error(`internal error: no value %${id}`);
    return v;
  }

  newValue(dtype: DType, shape: number[], role: Role, name: string): ValueId {
    const id = this.values.length;
    this.values.push({ id, dtype, shape: [...shape], role, name });
    return id;
  }

  addInput(name: string, dtype: DType, shape: number[], classes?: number, vocab?: number): ValueId {
    const v = this.newValue(dtype, shape, 'input', name);
    this.inputs.push({ name, value: v, ...(classes !== undefined ? { classes } : {}), ...(vocab !== undefined ? { vocab } : {}) });
    return v;
  }

  addParam(name: string, shape: number[], init: Initializer, layer: string, regularize: boolean, penalty?: { l1: number; l2: number }): ValueId {
    const v = this.newValue('f32', shape, 'param', name);
    this.params.push({ value: v, init, layer, regularize, ...(penalty ? { penalty } : {}) });
    return v;
  }

  addState(name: string, shape: number[], init: Initializer, owner: string): ValueId {
    const v = this.newValue('f32', shape, 'state', name);
    this.state.push({ value: v, init, owner });
    return v;
  }

  /** The output type of `op` on these inputs; throws ShapeError with the op's message or when a tensor is too large. */
  inferType(op: string, inputs: ValueId[], attrs: Attrs): TensorType | null {
    const t = this.inferShape(op, inputs, attrs);
    // Kernels index with u32 and devices bind at most a few GiB: refuse tensors beyond MAX_TENSOR_ELEMENTS.
    for (const s of [...inputs.map((i) => this.value(i).shape), ...(t ? [t.shape] : [])]) {
      if (numel(s) > MAX_TENSOR_ELEMENTS) throw new ShapeError(`a tensor of shape ${shapeStr(s)} holds ${numel(s)} values, more than dlc supports (${MAX_TENSOR_ELEMENTS}, 1 GiB of f32)`);
    }
    return t;
  }

  private inferShape(op: string, inputs: ValueId[], attrs: Attrs): TensorType | null {
    const def = opDef(op);
    const ins = inputs.map((i) => ({ shape: this.value(i).shape, dtype: this.value(i).dtype }));
    if (!arityAccepts(def, ins.length)) throw new Error(`internal error: ${op} takes ${def.arity} inputs, got ${ins.length}`);
    // An int input past the ones given is optional (masked_softmax's token ids).
    for (const k of (def.intInputs ?? []).filter((i) => i < ins.length)) {
      if (ins[k]!.dtype !== 'i32') throw new ShapeError(`${op} needs class labels (i32) as input ${k + 1}, got ${ins[k]!.dtype}`);
    }
    ins.forEach((t, k) => {
      if (t.dtype === 'i32' && !(def.intInputs ?? []).includes(k)) throw new ShapeError(`${op} needs f32 input, got class labels ${shapeStr(t.shape)}`);
    });
    switch (def.kind) {
      case 'elementwise': {
        if (def.shape) return def.shape(ins, attrs);
        let shape: number[] | undefined = ins[0]!.shape;
        for (const t of ins.slice(1)) {
          const next: number[] | undefined = broadcastShapes(shape!, t.shape);
          if (!next) throw new ShapeError(`shapes ${shapeStr(shape!)} and ${shapeStr(t.shape)} do not broadcast`);
          shape = next;
        }
        return { shape: shape!, dtype: 'f32' };
      }
      case 'kernel':
      case 'view':
        return def.shape(ins, attrs);
      case 'update':
        def.check(ins, attrs);
        return def.output ? def.output(ins, attrs) : null;
    }
  }

  /** Appends a node (shape-checked) and returns the value it defines (-1 for updates). */
  add<O extends string>(op: OpName<O>, inputs: ValueId[], attrs: Attrs, at: Emit, name?: string): ValueId {
    const t = this.inferType(op, inputs, attrs);
    let out: ValueId | null = null;
    if (t) out = this.newValue(t.dtype, t.shape, at.role ?? 'activation', name ?? `${op}_${this.values.length}`);
    const node: Node = { id: this.nodes.length, op, inputs, output: out, attrs, phase: at.phase };
    if (at.span) node.span = at.span;
    if (at.layer) node.layer = at.layer;
    this.nodes.push(node);
    if (out !== null) this.producer.set(out, node.id);
    return out ?? -1;
  }

  /**
   * Replaces the nodes `members` (which must end with the one defining `output`) by one new node
   * of `op` that defines the same value, in every program that runs that last node. Used by the
   * fusion passes; the programs are rewritten lazily (see pendingReplacements).
   */
  replaceNodes<O extends string>(members: number[], op: OpName<O>, inputs: ValueId[], attrs: Attrs): Node {
    const last = this.nodes[members[members.length - 1]!]!;
    const t = this.inferType(op, inputs, attrs);
    if (!t || last.output === null || !shapesEqual(t.shape, this.value(last.output).shape)) throw new Error(`internal error: ${op} does not define ${last.output}`);
    const node: Node = { id: this.nodes.length, op, inputs, output: last.output, attrs, phase: last.phase };
    if (last.span) node.span = last.span;
    if (last.layer) node.layer = last.layer;
    this.nodes.push(node);
    this.producer.set(last.output, node.id);
    // Overlapping replacements keep their one-at-a-time meaning: the earlier ones are applied first.
    if (members.some((m) => this.pendingMembers.has(m))) this.applyReplacements();
    this.pendingReplacements.push({ last: last.id, node: node.id, members });
    for (const m of members) this.pendingMembers.add(m);
    return node;
  }

  /** Applies the pending replacements: one pass over each program, whatever their number. */
  private applyReplacements(): void {
    if (this.pendingReplacements.length === 0) return;
    const edits = this.pendingReplacements;
    this.pendingReplacements = [];
    this.pendingMembers.clear();
    for (const p of Object.values(this.programsByName)) {
      const present = new Set(p.nodes);
      const replacedBy = new Map<number, number>();
      const gone = new Set<number>();
      for (const e of edits) {
        // A program that does not run the last member is left alone, as before.
        if (!present.has(e.last)) continue;
        for (const m of e.members) gone.add(m);
        replacedBy.set(e.last, e.node);
      }
      if (replacedBy.size === 0) continue;
      const nodes: number[] = [];
      for (const id of p.nodes) {
        const by = replacedBy.get(id);
        if (by !== undefined) nodes.push(by);
        else if (!gone.has(id)) nodes.push(id);
      }
      p.nodes = nodes;
    }
  }

  /** A copy that later passes do not change (what `dlc viz` draws: the graph before fusion). */
  snapshot(): Graph {
    const c = new Graph();
    // Loops, not push(...list): a program of 100,000 layers overflows the stack with a spread.
    for (const v of this.values) c.values.push({ ...v, shape: [...v.shape] });
    for (const n of this.nodes) c.nodes.push({ ...n, inputs: [...n.inputs], attrs: { ...n.attrs } });
    for (const i of this.inputs) c.inputs.push({ ...i });
    for (const p of this.params) c.params.push({ ...p });
    for (const st of this.state) c.state.push({ ...st });
    for (const [k, p] of Object.entries(this.programs)) c.programs[k as ProgramName] = { nodes: [...p.nodes], outputs: p.outputs.map((o) => ({ ...o })) };
    for (const [v, n] of this.producer) c.producer.set(v, n);
    return c;
  }

  /** A GradBuilder that emits into this graph with the given tags. */
  builder(at: Emit): GradBuilder {
    return {
      op: (op, inputs, attrs = {}) => this.add(op, inputs, attrs, at),
      shape: (v) => this.value(v).shape,
      dtype: (v) => this.value(v).dtype,
    };
  }
}
