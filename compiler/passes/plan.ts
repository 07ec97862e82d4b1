// Memory plan: one buffer per persistent tensor; activations and gradients share buffers when their
// lifetimes over the whole compiled step (train_step, then eval) do not overlap.
import type { BufferSpec } from '../artifact.ts';
import { STEP_PARAMS_BYTES } from '../artifact.ts';
import type { Graph } from '../ir/graph.ts';
import { opDef } from '../ir/ops/index.ts';
import { numel } from '../ir/tensor.ts';
import type { ProgramName, ValueId } from '../ir/types.ts';

export interface MemoryPlan {
  buffers: BufferSpec[];
  bufferOf: Map<ValueId, number>;
  stepParamsBuffer: number;
}

const bytesOf = (g: Graph, v: ValueId): number => Math.max(4, numel(g.value(v).shape) * 4);

export function planMemory(g: Graph, order: ProgramName[] = ['train_step', 'eval']): MemoryPlan {
  const buffers: BufferSpec[] = [{ id: 0, size: STEP_PARAMS_BYTES, label: 'step_params', kind: 'uniform' }];
  const bufferOf = new Map<ValueId, number>();
  const newBuffer = (size: number, label: string): number => {
    buffers.push({ id: buffers.length, size, label, kind: 'storage' });
    return buffers.length - 1;
  };
  for (const v of g.values) {
    if (v.role === 'input' || v.role === 'param' || v.role === 'state') bufferOf.set(v.id, newBuffer(bytesOf(g, v.id), v.name));
  }
  // Views share their source's buffer; `root` follows them back.
  const root = (v: ValueId): ValueId => {
    const p = g.producer.get(v);
    if (p === undefined) return v;
    const n = g.nodes[p]!;
    return opDef(n.op).kind === 'view' ? root(n.inputs[0]!) : v;
  };
  // Linear schedule over all programs; last use of each root value.
  const seq: number[] = order.flatMap((p) => g.programs[p].nodes);
  const lastUse = new Map<ValueId, number>();
  let t = 0;
  for (const p of order) {
    const start = t;
    for (const id of g.programs[p].nodes) {
      for (const i of g.nodes[id]!.inputs) lastUse.set(root(i), Math.max(lastUse.get(root(i)) ?? -1, t));
      t++;
    }
    // Outputs are read back after the program: alive to its end.
    for (const o of g.programs[p].outputs) lastUse.set(root(o.value), Math.max(lastUse.get(root(o.value)) ?? -1, t - 1 + (t === start ? 0 : 0)));
  }
  const free = new Map<number, number[]>(); // size → free buffer ids
  const dying = new Map<number, ValueId[]>(); // time → roots whose last use it is
  for (const [v, when] of lastUse) {
    if (!dying.has(when)) dying.set(when, []);
    dying.get(when)!.push(v);
  }
  seq.forEach((id, time) => {
    const n = g.nodes[id]!;
    const out = n.output;
    if (out !== null && !bufferOf.has(out)) {
      if (opDef(n.op).kind === 'view') bufferOf.set(out, bufferOf.get(root(out))!);
      else {
        // Allocate before freeing this node's inputs: a kernel never writes a buffer it reads.
        const size = bytesOf(g, out);
        const pool = free.get(size);
        const buf = pool && pool.length ? pool.pop()! : newBuffer(size, g.value(out).name);
        bufferOf.set(out, buf);
      }
    }
    for (const v of dying.get(time) ?? []) {
      const role = g.value(v).role;
      if (role === 'input' || role === 'param' || role === 'state') continue;
      const buf = bufferOf.get(v);
      if (buf === undefined) continue;
      const size = buffers[buf]!.size;
      if (!free.has(size)) free.set(size, []);
      free.get(size)!.push(buf);
    }
  });
  return { buffers, bufferOf, stepParamsBuffer: 0 };
}
