// The codegen pass: one kernel per non-view node of each program, bound to the memory plan's
// buffers. Each op describes its kernel (a KernelSpec); codegen/render.ts turns that into WGSL. A
// run of optimizer updates over arena members becomes one kernel over the whole arenas.
import { DISPATCH_PARAMS_BYTES, DISPATCH_SLOT_BYTES, type BindingSpec, type BufferSpec, type KernelEntry } from '../artifact.ts';
import { renderKernel } from '../codegen/render.ts';
import { bufferBytes, DTYPES } from '../ir/dtype.ts';
import type { Graph } from '../ir/graph.ts';
import type { BindingDecl, KernelIO, KernelSpec, KernelTarget } from '../ir/kernel-spec.ts';
import { chainLabel, stepLabel } from '../ir/ops/fused.ts';
import { opDef, opKernel, opUsesStep, updateWrites } from '../ir/ops/index.ts';
import { optimizerRow } from '../ir/ops/optimizers.ts';
import type { Attrs, DType, Node, ProgramName, ValueId } from '../ir/types.ts';
import { numel } from '../ir/tensor.ts';
import { sharedUpdateInputs, type MemoryPlan } from './plan.ts';

export interface Codegen {
  kernels: KernelEntry[];
  shaders: Record<string, string>;
  /** Kernel indices of each program, in dispatch order. */
  programs: Record<ProgramName, number[]>;
  /** The per-dispatch uniform buffer (one 256-byte slot per kernel with params), after the plan's buffers; none when no kernel has params. */
  paramsBuffer?: BufferSpec;
}

/** Where kernels with per-dispatch values bind them: the buffer, and the next free 256-byte slot. */
export interface ParamSlots {
  buffer: number;
  next(): number;
}

/** A tensor a kernel reads or writes: a buffer range with its shape. */
interface Operand {
  buffer: number;
  offset: number;
  bytes: number;
  shape: number[];
  dtype: DType;
  int8Activations?: true;
}

/** A hash of the WGSL text: identical kernels share one file (and one pipeline at run time). */
function shortHash(s: string): string {
  let h1 = 0x811c9dc5, h2 = 0x01000193;
  for (let i = 0; i < s.length; i++) {
    h1 = Math.imul(h1 ^ s.charCodeAt(i), 16777619) >>> 0;
    h2 = Math.imul(h2 + s.charCodeAt(i), 2246822519) >>> 0;
  }
  return (h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0')).slice(0, 12);
}

/** A kernel's file name: its op and a hash of its WGSL (the header comment does not change the shader). */
export function shaderFile(op: string, wgsl: string): string {
  return `${op}_${shortHash(wgsl.slice(wgsl.indexOf('\n') + 1))}.wgsl`;
}

function operand(g: Graph, plan: MemoryPlan, v: ValueId): Operand {
  const buffer = plan.bufferOf.get(v);
  if (buffer === undefined) throw new Error(`internal error: %${v} has no buffer`);
  const shape = g.value(v).shape;
  const int8 = plan.int8?.get(v);
  if (int8 !== undefined) return { buffer, offset: plan.offsetOf.get(v) ?? 0, bytes: int8, shape, dtype: 'i8', ...(plan.int8Activations?.has(v) ? { int8Activations: true as const } : {}) };
  if (plan.f16?.has(v)) return { buffer, offset: plan.offsetOf.get(v) ?? 0, bytes: bufferBytes('f16', numel(shape)), shape, dtype: 'f16' };
  return { buffer, offset: plan.offsetOf.get(v) ?? 0, bytes: bufferBytes(g.value(v).dtype, numel(shape)), shape, dtype: g.value(v).dtype };
}

/** An inference kernel's runtime batch: the batch it was built for and the buffer of the batch uniform block. */
export interface RuntimeBatch {
  max: number;
  buffer: number;
}

/**
 * The kernel of one op over operands: its spec (bindings, grid, template), WGSL and manifest bindings.
 * With `batch`, the kernel reads the batch from the batch uniform block, bound last; with `slots`, an op
 * may move numbers into a per-dispatch uniform block (bound after the step block), returned as `params`.
 */
function emitKernel(
  plan: MemoryPlan, op: string, attrs: Attrs, inputs: Operand[], writes: number[], output: Operand | undefined, comment: string, batch?: RuntimeBatch, slots?: ParamSlots, target: KernelTarget = 'cpu',
): { spec: KernelSpec; wgsl: string; bindings: BindingSpec[]; params?: number[] } {
  const def = opDef(op);
  const bindings: BindingSpec[] = [];
  const decls: BindingDecl[] = [];
  const varOf = new Map<string, string>();
  const bind = (o: Operand, access: 'read' | 'read_write'): string => {
    const key = `${o.buffer}@${o.offset}`;
    const have = varOf.get(key);
    if (have) return have;
    const name = `b${bindings.length}`;
    const whole = o.offset === 0 && o.bytes === plan.buffers[o.buffer]!.size;
    bindings.push({ binding: bindings.length, buffer: o.buffer, access, ...(whole ? {} : { offset: o.offset, size: o.bytes }) });
    decls.push({ name, access, dtype: o.dtype, shape: o.shape, vec4: false });
    varOf.set(key, name);
    return name;
  };
  // Writable bindings first, so a range both read and written is declared read_write once.
  for (const w of writes) bind(inputs[w]!, 'read_write');
  const outName = output && bind(output, 'read_write');
  const step = opUsesStep(def, attrs);
  const io: KernelIO = { inputs: inputs.map((o) => ({ name: bind(o, 'read'), shape: o.shape, dtype: o.dtype, ...(o.int8Activations ? { int8Activations: o.int8Activations } : {}) })), attrs, step, ...(slots ? { params: true } : {}), ...(target !== 'cpu' ? { target } : {}) };
  if (step) bindings.push({ binding: bindings.length, buffer: plan.stepParamsBuffer, access: 'uniform' });
  if (outName !== undefined) io.output = { name: outName, shape: output!.shape, dtype: output!.dtype };
  const k = opKernel(def, io);
  const vec4 = new Set(k.vec4 ?? []);
  const spec: KernelSpec = { comment, bindings: decls.map((d) => ({ ...d, vec4: vec4.has(d.name) })), step, workgroups: k.workgroups, template: k.template };
  if (k.params) {
    if (!slots || k.params.length > DISPATCH_PARAMS_BYTES / 4) throw new Error(`internal error: ${op} asks for per-dispatch values ${JSON.stringify(k.params)}`);
    spec.params = true;
    bindings.push({ binding: bindings.length, buffer: slots.buffer, access: 'uniform', offset: slots.next(), size: DISPATCH_PARAMS_BYTES });
  }
  if (batch) {
    spec.batch = { max: batch.max };
    bindings.push({ binding: bindings.length, buffer: batch.buffer, access: 'uniform' });
  }
  return { spec, wgsl: renderKernel(spec), bindings, ...(k.params ? { params: k.params } : {}) };
}

/**
 * The kernel of one node with its bindings (pure: no device involved); `batch`: an inference kernel;
 * `slots`: where per-dispatch values go (without it every number is printed into the WGSL).
 */
export function emitNode(g: Graph, n: Node, plan: MemoryPlan, batch?: RuntimeBatch, slots?: ParamSlots, target: KernelTarget = 'cpu'): ReturnType<typeof emitKernel> {
  const def = opDef(n.op);
  const writes = def.kind === 'update' ? updateWrites(def, n.attrs) : [];
  const origin = n.span ? `${n.span.file}:${n.span.line}` : '';
  // The one place user text reaches WGSL: the kernel's comment (the renderer keeps it to one line
  // of printable ASCII).
  const comment = `${n.op}${n.layer ? ` in ${n.layer}` : ''}${origin ? ` (${origin})` : ''}`;
  const output = n.output === null ? undefined : operand(g, plan, n.output);
  return emitKernel(plan, n.op, n.attrs, n.inputs.map((v) => operand(g, plan, v)), writes, output, comment, batch, slots, target);
}

/** What a kernel does, for names in the manifest: the op, or the ops of a fused chain. */
export function kernelLabel(n: Node): string {
  if (n.op === 'fused') return chainLabel(n.attrs);
  if (n.op.endsWith('_chain')) return `${n.op.slice(0, -'_chain'.length)}+${chainLabel(n.attrs)}`;
  return stepLabel(n.op, n.attrs);
}

/**
 * Optimizer updates that can run as one kernel over the arenas: consecutive, the same rule and
 * hyper-parameters, every one reading its parameter, gradient and states at the same arena offset.
 */
function updateRun(g: Graph, plan: MemoryPlan, nodes: number[], start: number): number[] {
  const first = g.nodes[nodes[start]!]!;
  if (!optimizerRow(first.op)) return [];
  const inArenas = (n: Node): boolean => {
    const off = plan.offsetOf.get(n.inputs[0]!);
    const own = n.inputs.slice(0, n.inputs.length - sharedUpdateInputs(n));
    // Shared inputs (the squared gradient norm of clipping) must be the same value for the whole run.
    const shared = n.inputs.slice(own.length).every((v, k) => v === first.inputs[own.length + k]);
    return off !== undefined && shared && own.every((v) => plan.offsetOf.get(v) === off && plan.buffers[plan.bufferOf.get(v)!]!.arena !== undefined);
  };
  const key = JSON.stringify(first.attrs);
  const run: number[] = [];
  for (let k = start; k < nodes.length; k++) {
    const n = g.nodes[nodes[k]!]!;
    if (n.op !== first.op || JSON.stringify(n.attrs) !== key || !inArenas(n)) break;
    run.push(n.id);
  }
  // Only when the run covers every parameter: the kernel sweeps the whole arena.
  return run.length === g.params.length ? run : [];
}

function arenaOperand(plan: MemoryPlan, buffer: number): Operand {
  const bytes = plan.buffers[buffer]!.size;
  // Arenas hold f32 parameters, gradients and optimizer state.
  return { buffer, offset: 0, bytes, shape: [bytes / DTYPES.f32.bytes], dtype: 'f32' };
}

export function generateKernels(g: Graph, plan: MemoryPlan, target: KernelTarget = 'cpu'): Codegen {
  const kernels: KernelEntry[] = [];
  const shaders: Record<string, string> = {};
  const byNode = new Map<number, number>();
  const programs = { train_step: [], eval: [], forward: [] } as Record<ProgramName, number[]>;
  let paramBytes = 0;
  const slots: ParamSlots = { buffer: plan.buffers.length, next: () => (paramBytes += DISPATCH_SLOT_BYTES) - DISPATCH_SLOT_BYTES };
  const add = (emitted: ReturnType<typeof emitNode>, op: string, name: string, origin?: string): number => {
    const file = shaderFile(op, emitted.wgsl);
    shaders[file] ??= emitted.wgsl;
    const entry: KernelEntry = { name, shader: file, bindings: emitted.bindings, workgroups: emitted.spec.workgroups, ...(emitted.params ? { params: emitted.params } : {}) };
    if (origin) entry.origin = origin;
    kernels.push(entry);
    return kernels.length - 1;
  };
  for (const p of Object.keys(programs) as ProgramName[]) {
    const nodes = g.programs[p].nodes;
    for (let i = 0; i < nodes.length; i++) {
      const id = nodes[i]!;
      const n = g.nodes[id]!;
      if (opDef(n.op).kind === 'view') continue;
      const run = byNode.has(id) ? [] : updateRun(g, plan, nodes, i);
      if (run.length > 1) {
        const def = opDef(n.op);
        if (def.kind !== 'update') throw new Error(`internal error: ${n.op} is not an update`);
        const own = n.inputs.length - sharedUpdateInputs(n);
        const operands = n.inputs.map((v, k) => (k < own ? arenaOperand(plan, plan.bufferOf.get(v)!) : operand(g, plan, v)));
        const emitted = emitKernel(plan, n.op, n.attrs, operands, updateWrites(def, n.attrs), undefined, `${n.op} of every parameter`);
        const k = add(emitted, n.op, `${n.op}:all parameters`);
        for (const r of run) byNode.set(r, k);
        programs[p].push(k);
        i += run.length - 1;
        continue;
      }
      let k = byNode.get(id);
      if (k === undefined) {
        const origin = n.span ? `${n.span.file}:${n.span.line}:${n.span.col}` : undefined;
        k = add(emitNode(g, n, plan, undefined, slots, target), n.op, `${kernelLabel(n)}${n.layer ? `:${n.layer}` : ''}`, origin);
        byNode.set(id, k);
      }
      programs[p].push(k);
    }
  }
  const paramsBuffer: BufferSpec = { id: slots.buffer, size: paramBytes, label: 'dispatch params', kind: 'uniform' };
  return { kernels, shaders, programs, ...(paramBytes > 0 ? { paramsBuffer } : {}) };
}

/** The kernels as text: name, shader, grid and bindings of each, then each program's dispatches. */
export function printKernels(code: Codegen): string {
  const lines = code.kernels.map((k, i) => {
    const binds = k.bindings.map((b) => `${b.buffer}${b.offset !== undefined ? `+${b.offset}` : ''}:${b.access}`).join(' ');
    return `kernel ${i} ${k.name} = ${k.shader} grid [${k.workgroups.join(', ')}] bind (${binds})${k.params ? ` params (${k.params.join(', ')})` : ''}`;
  });
  for (const [p, ks] of Object.entries(code.programs)) lines.push(`program ${p} { ${ks.join(' ')} }`);
  return lines.join('\n');
}
