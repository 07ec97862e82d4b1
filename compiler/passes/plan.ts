// Memory plan: where every value lives. Parameters, their gradients and each optimizer state sit in
// arenas (one buffer each, every tensor at the same 256-byte-aligned offset) so one kernel can update
// them all; inputs and other state get a buffer each; activations and gradients share buffers when
// their lifetimes over the whole compiled step (train_step, then eval) do not overlap.
import { optimizerRow } from '../ir/ops/optimizers.ts';
import { sharedUpdateOperands } from '../ir/ops/update.ts';
import type { BufferSpec } from '../artifact.ts';
import { STEP_PARAMS_BYTES } from '../artifact.ts';
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
  const p = g.producer.get(v);
  if (p === undefined) return v;
  const n = g.nodes[p]!;
  return opDef(n.op).kind === 'view' ? viewRoot(g, n.inputs[0]!) : v;
}

/** Trailing inputs of an optimizer update that every parameter shares (see the update op). */
export const sharedUpdateInputs = (n: Node): number => sharedUpdateOperands(n.attrs);
/** The optimizer state inputs of an update: after the parameter and gradient, before shared inputs. */
const updateStates = (n: Node): ValueId[] => n.inputs.slice(2, n.inputs.length - sharedUpdateInputs(n));

/**
 * The optimizer update of each parameter, when every parameter has exactly one and each gradient
 * and state belongs to one update: the condition for arenas.
 */
export function optimizerUpdates(g: Graph): Node[] | undefined {
  const updates = g.programs.train_step.nodes.map((id) => g.nodes[id]!).filter((n) => optimizerRow(n.op));
  if (updates.length === 0 || updates.length !== g.params.length) return undefined;
  const params = new Set(updates.map((n) => n.inputs[0]!));
  if (params.size !== g.params.length || g.params.some((p) => !params.has(p.value))) return undefined;
  const seen = new Set<ValueId>();
  for (const n of updates) {
    for (const v of [viewRoot(g, n.inputs[1]!), ...updateStates(n)]) {
      if (seen.has(v)) return undefined;
      seen.add(v);
    }
    const grad = g.value(viewRoot(g, n.inputs[1]!));
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

  const updates = opts.arenas === false ? undefined : optimizerUpdates(g);
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
    for (const n of updates) place(grads, viewRoot(g, n.inputs[1]!), offsets.get(n.inputs[0]!)!);
    const states = Math.max(...updates.map((n) => updateStates(n).length));
    for (let k = 0; k < states; k++) {
      const arena = newBuffer(end, `arena: ${updates[0]!.op} state ${k}`, 'optimizer_state');
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
      for (const i of g.nodes[id]!.inputs) lastUse.set(viewRoot(g, i), Math.max(lastUse.get(viewRoot(g, i)) ?? -1, t));
      t++;
    }
    // Outputs are read back after the program: alive to its end.
    for (const o of g.programs[p].outputs) lastUse.set(viewRoot(g, o.value), Math.max(lastUse.get(viewRoot(g, o.value)) ?? -1, t - 1));
  }
  // Free buffers; a value takes the smallest that fits, or grows the largest free one (sizes are
  // only fixed when the plan is done), or gets a new buffer when none is free.
  const free = new Set<number>();
  const take = (size: number, label: string): number => {
    let best: number | undefined;
    let largest: number | undefined;
    for (const b of free) {
      const bs = buffers[b]!.size;
      if (bs >= size && (best === undefined || bs < buffers[best]!.size)) best = b;
      if (largest === undefined || bs > buffers[largest]!.size) largest = b;
    }
    const pick = best ?? largest;
    if (pick === undefined || opts.reuse === false) return newBuffer(size, label);
    free.delete(pick);
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
        const r = viewRoot(g, out);
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
      if (buf !== undefined) free.add(buf);
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
