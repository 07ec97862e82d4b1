// Memory plan: where every value lives. Parameters, their gradients and each optimizer state sit in
// arenas (one buffer each, every tensor at the same 256-byte-aligned offset) so one kernel can update
// them all; inputs and other state get a buffer each; activations and gradients share buffers when
// their lifetimes over the whole compiled step (train_step, then eval) do not overlap.
import { optimizerRow } from '../ir/ops/optimizers.ts';
import { sharedUpdateOperands } from '../ir/ops/update.ts';

import type { BufferSpec } from '../artifact.ts';
import { PRUNE_OWNER, STEP_PARAMS_BYTES } from '../artifact.ts';
import { bufferBytes } from '../ir/dtype.ts';
import type { Graph } from '../ir/graph.ts';
import { opDef } from '../ir/ops/index.ts';
import { numel } from '../ir/tensor.ts';
import type { Node, ProgramName, ValueId } from '../ir/types.ts';

export interface MemoryPlan {
  buffers: BufferSpec[];
  bufferOf: Map<ValueId, number>;
  /** Byte offset of a value inside its buffer (arena members); absent means 0. */
  offsetOf: Map<ValueId, number>;
  stepParamsBuffer: number;
  /**
   * Weights stored as int8 (dlc quantize, passes/quantize-weights.ts), each with the bytes it takes
   * in its own buffer: its values packed four to a word, then one f32 scale per output channel.
   */
  int8?: Map<ValueId, number>;
  /** Of those, the ones whose kernels quantise their input activations too (dlc quantize --calibrate). */
  int8Activations?: Set<ValueId>;
  /** Weights stored as f16 (dlc export --precision f16, passes/half-weights.ts), each in a buffer of its own. */
  f16?: Set<ValueId>;
}

export interface PlanOptions {
  /** Put parameters, gradients and optimizer state in arenas (default on). */
  arenas?: boolean;
  /** Let values whose lifetimes do not overlap share buffers (default on). */
  reuse?: boolean;
}

/** Bindings at an offset must start at a multiple of minStorageBufferOffsetAlignment (256). */
export const ARENA_ALIGN = 256;

const bytesOf = (g: Graph, v: ValueId): number => bufferBytes(g.value(v).dtype, numel(g.value(v).shape));
const alignUp = (n: number): number => Math.ceil(n / ARENA_ALIGN) * ARENA_ALIGN;

/** The value a view chain reads from: views share their source's buffer. */
export function viewRoot(g: Graph, v: ValueId): ValueId {
  // A loop, not recursion: a chain of views may be arbitrarily long.
  for (;;) {
    const p = g.producer.get(v);
    const n = p === undefined ? undefined : g.nodes[p]!;
    if (!n || opDef(n.op).kind !== 'view') return v;
    v = n.inputs[0]!;
  }
}

/**
 * viewRoot that remembers every value it walked through, for a pass that asks about every value:
 * one walk per view chain instead of one per value read. Make one per pass; passes change producers.
 */
export function viewRoots(g: Graph): (v: ValueId) => ValueId {
  const known = new Map<ValueId, ValueId>();
  return (v) => {
    const walked: ValueId[] = [];
    let at = v;
    for (;;) {
      const root = known.get(at);
      if (root !== undefined) { at = root; break; }
      const p = g.producer.get(at);
      const n = p === undefined ? undefined : g.nodes[p]!;
      if (!n || opDef(n.op).kind !== 'view') break;
      walked.push(at);
      at = n.inputs[0]!;
    }
    for (const w of walked) known.set(w, at);
    return at;
  };
}

/**
 * The buffers free for reuse, grouped by size. `take` finds the smallest that fits (or the largest)
 * by binary search over the distinct sizes, where a scan of every free buffer made planning
 * quadratic in program length. Among equal sizes the one freed first wins, as in a scan.
 */
class FreePool {
  /** Free buffers of each size, in the order they were freed. */
  private readonly bySize = new Map<number, Set<number>>();
  /** The sizes in bySize, ascending. */
  private readonly sizes: number[] = [];
  /** Where each free buffer is filed. */
  private readonly sizeOf = new Map<number, number>();

  add(buffer: number, size: number): void {
    if (this.sizeOf.has(buffer)) return;
    this.sizeOf.set(buffer, size);
    let group = this.bySize.get(size);
    if (!group) {
      group = new Set();
      this.bySize.set(size, group);
      this.sizes.splice(this.lowerBound(size), 0, size);
    }
    group.add(buffer);
  }

  /** Removes and returns the smallest free buffer of at least `size` bytes, else the largest; undefined when none is free. */
  take(size: number): number | undefined {
    if (this.sizes.length === 0) return undefined;
    const at = Math.min(this.lowerBound(size), this.sizes.length - 1);
    const chosen = this.sizes[at]!;
    const group = this.bySize.get(chosen)!;
    const buffer = group.values().next().value!;
    group.delete(buffer);
    this.sizeOf.delete(buffer);
    if (group.size === 0) {
      this.bySize.delete(chosen);
      this.sizes.splice(at, 1);
    }
    return buffer;
  }

  /** The index of the first size not below `size`. */
  private lowerBound(size: number): number {
    let lo = 0;
    let hi = this.sizes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sizes[mid]! < size) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Trailing inputs of an optimizer update that every parameter shares (see the update op). */
export const sharedUpdateInputs = (n: Node): number => sharedUpdateOperands(n.attrs);
/** The optimizer state inputs of an update: after the parameter and gradient, before shared inputs. */
const updateStates = (n: Node): ValueId[] => n.inputs.slice(2, n.inputs.length - sharedUpdateInputs(n));

/**
 * The optimizer update of each parameter, when every parameter has exactly one and each gradient
 * and state belongs to one update: the condition for arenas.
 */
export function optimizerUpdates(g: Graph, rootOf = viewRoots(g)): Node[] | undefined {
  const updates = g.programs.train_step.nodes.map((id) => g.nodes[id]!).filter((n) => optimizerRow(n.op));
  if (updates.length === 0 || updates.length !== g.params.length) return undefined;
  const params = new Set(updates.map((n) => n.inputs[0]!));
  if (params.size !== g.params.length || g.params.some((p) => !params.has(p.value))) return undefined;
  const seen = new Set<ValueId>();
  for (const n of updates) {
    for (const v of [rootOf(n.inputs[1]!), ...updateStates(n)]) {
      if (seen.has(v)) return undefined;
      seen.add(v);
    }
    const grad = g.value(rootOf(n.inputs[1]!));
    if (grad.role !== 'activation' && grad.role !== 'grad') return undefined;
  }
  return updates;
}

export function planMemory(g: Graph, order: ProgramName[] = ['train_step', 'eval'], opts: PlanOptions = {}): MemoryPlan {
  const buffers: BufferSpec[] = [{ id: 0, size: STEP_PARAMS_BYTES, label: 'step_params', kind: 'uniform' }];
  const bufferOf = new Map<ValueId, number>();
  const offsetOf = new Map<ValueId, number>();
  const pinned = new Set<ValueId>(); // values in arenas: never returned to the free pool
  const newBuffer = (size: number, label: string, arena?: BufferSpec['arena']): number => {
    buffers.push({ id: buffers.length, size, label, kind: 'storage', ...(arena ? { arena } : {}) });
    return buffers.length - 1;
  };

  const rootOf = viewRoots(g);
  const updates = opts.arenas === false ? undefined : optimizerUpdates(g, rootOf);
  if (updates) {
    const offsets = new Map<ValueId, number>();
    let end = 0;
    for (const p of g.params) {
      offsets.set(p.value, end);
      end = alignUp(end + bytesOf(g, p.value));
    }
    const place = (arena: number, v: ValueId, off: number): void => {
      bufferOf.set(v, arena);
      offsetOf.set(v, off);
      pinned.add(v);
    };
    const params = newBuffer(end, 'arena: parameters', 'params');
    for (const p of g.params) place(params, p.value, offsets.get(p.value)!);
    const grads = newBuffer(end, 'arena: gradients', 'grads');
    for (const n of updates) place(grads, rootOf(n.inputs[1]!), offsets.get(n.inputs[0]!)!);
    // A loop, not Math.max(...list): spreading a list of one entry per parameter overflows the stack.
    const states = updates.reduce((most, n) => Math.max(most, updateStates(n).length), 0);
    for (let k = 0; k < states; k++) {
      const owner = g.state.find((s) => s.value === updateStates(updates[0]!)[k])?.owner;
      const arena = newBuffer(end, owner === PRUNE_OWNER ? 'arena: pruning masks' : `arena: ${updates[0]!.op} state ${k}`, 'optimizer_state');
      for (const n of updates) if (updateStates(n)[k] !== undefined) place(arena, updateStates(n)[k]!, offsets.get(n.inputs[0]!)!);
    }
  }
  for (const v of g.values) {
    if ((v.role === 'input' || v.role === 'param' || v.role === 'state') && !bufferOf.has(v.id)) bufferOf.set(v.id, newBuffer(bytesOf(g, v.id), v.name));
  }
  // Linear schedule over all programs; last use of each root value.
  const seq: number[] = order.flatMap((p) => g.programs[p].nodes);
  const lastUse = new Map<ValueId, number>();
  let t = 0;
  for (const p of order) {
    for (const id of g.programs[p].nodes) {
      for (const i of g.nodes[id]!.inputs) lastUse.set(rootOf(i), Math.max(lastUse.get(rootOf(i)) ?? -1, t));
      t++;
    }
    // Outputs are read back after the program: alive to its end.
    for (const o of g.programs[p].outputs) lastUse.set(rootOf(o.value), Math.max(lastUse.get(rootOf(o.value)) ?? -1, t - 1));
  }
  // Free buffers; a value takes the smallest that fits, or grows the largest free one (sizes are
  // only fixed when the plan is done), or gets a new buffer when none is free.
  const free = new FreePool();
  const take = (size: number, label: string): number => {
    const pick = opts.reuse === false ? undefined : free.take(size);
    if (pick === undefined) return newBuffer(size, label);
    buffers[pick]!.size = Math.max(buffers[pick]!.size, size);
    return pick;
  };
  const dying = new Map<number, ValueId[]>(); // time → roots whose last use it is
  for (const [v, when] of lastUse) {
    if (!dying.has(when)) dying.set(when, []);
    dying.get(when)!.push(v);
  }
  seq.forEach((id, time) => {
    const n = g.nodes[id]!;
    const out = n.output;
    if (out !== null && !bufferOf.has(out)) {
      if (opDef(n.op).kind === 'view') {
        const r = rootOf(out);
        bufferOf.set(out, bufferOf.get(r)!);
        if (offsetOf.has(r)) offsetOf.set(out, offsetOf.get(r)!);
      } else {
        // Allocate before freeing this node's inputs: a kernel never writes a buffer it reads.
        bufferOf.set(out, take(bytesOf(g, out), g.value(out).name));
      }
    }
    for (const v of dying.get(time) ?? []) {
      const role = g.value(v).role;
      if (role === 'input' || role === 'param' || role === 'state' || pinned.has(v)) continue;
      const buf = bufferOf.get(v);
      if (buf !== undefined) free.add(buf, buffers[buf]!.size);
    }
  });
  return { buffers, bufferOf, offsetOf, stepParamsBuffer: 0 };
}

/** The plan as text: each buffer (size, kind, arena), then where each value lives. */
export function printPlan(g: Graph, plan: MemoryPlan): string {
  const lines = plan.buffers.map((b) => `buffer ${b.id} ${b.size} B ${b.kind}${b.arena ? ` arena=${b.arena}` : ''}  # ${b.label}`);
  for (const v of g.values) {
    const b = plan.bufferOf.get(v.id);
    if (b === undefined) continue;
    const off = plan.offsetOf.get(v.id);
    lines.push(`%${v.id} ${v.name} -> buffer ${b}${off ? ` +${off}` : ''}`);
  }
  return lines.join('\n');
}
