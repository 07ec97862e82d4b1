// Codegen: one WGSL kernel per non-view node of each program, bound to the memory plan's buffers.
import type { BindingSpec, KernelSpec } from '../artifact.ts';
import type { Graph } from '../ir/graph.ts';
import { chainLabel } from '../ir/ops/fused.ts';
import { opDef } from '../ir/ops/index.ts';
import { opUsesStep, updateWrites, type KernelIO } from '../ir/ops/def.ts';
import type { Node, ProgramName } from '../ir/types.ts';
import type { MemoryPlan } from '../passes/plan.ts';
import { emitElementwise } from './wgsl/elementwise.ts';
import { STEP_STRUCT } from './wgsl/common.ts';

export interface Codegen {
  kernels: KernelSpec[];
  shaders: Record<string, string>;
  /** Kernel indices of each program, in dispatch order. */
  programs: Record<ProgramName, number[]>;
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

/** The complete WGSL of one node with its bindings (pure: no device involved). */
export function emitNode(g: Graph, n: Node, plan: MemoryPlan): { wgsl: string; bindings: BindingSpec[]; workgroups: [number, number, number] } {
  const def = opDef(n.op);
  const writes = new Set(def.kind === 'update' ? updateWrites(def, n.attrs).map((w) => plan.bufferOf.get(n.inputs[w]!)!) : []);
  const bindings: BindingSpec[] = [];
  const decls: string[] = [];
  const varOf = new Map<number, string>();
  const bind = (buffer: number, dtype: string, access: 'read' | 'read_write'): string => {
    const have = varOf.get(buffer);
    if (have) return have;
    const name = `b${bindings.length}`;
    bindings.push({ binding: bindings.length, buffer, access });
    decls.push(`@group(0) @binding(${bindings.length - 1}) var<storage, ${access}> ${name}: array<${dtype}>;`);
    varOf.set(buffer, name);
    return name;
  };
  // Writable bindings first, so a buffer both read and written is declared read_write once.
  const outBuf = n.output === null ? undefined : plan.bufferOf.get(n.output)!;
  if (outBuf !== undefined) writes.add(outBuf);
  const vals = n.inputs.map((v) => ({ v, buf: plan.bufferOf.get(v)! }));
  for (const { v, buf } of vals) if (writes.has(buf)) bind(buf, g.value(v).dtype, 'read_write');
  const outName = outBuf === undefined ? undefined : bind(outBuf, g.value(n.output!).dtype, 'read_write');
  const inputs = vals.map(({ v, buf }) => ({ name: bind(buf, g.value(v).dtype, 'read'), shape: g.value(v).shape, dtype: g.value(v).dtype }));
  let step = '';
  if (opUsesStep(def, n.attrs)) {
    step = 'step_params';
    bindings.push({ binding: bindings.length, buffer: plan.stepParamsBuffer, access: 'uniform' });
    decls.push(`${STEP_STRUCT}\n@group(0) @binding(${bindings.length - 1}) var<uniform> step_params: StepParams;`);
  }
  const io: KernelIO = { inputs, attrs: n.attrs, step };
  if (outName !== undefined) io.output = { name: outName, shape: g.value(n.output!).shape, dtype: g.value(n.output!).dtype };
  let emitted;
  switch (def.kind) {
    case 'elementwise': emitted = emitElementwise(def, io); break;
    case 'kernel': case 'update': emitted = def.emit(io); break;
    case 'view': throw new Error('internal error: views have no kernel');
  }
  const origin = n.span ? `${n.span.file}:${n.span.line}` : '';
  const header = `// ${n.op}${n.layer ? ` in ${n.layer}` : ''}${origin ? ` (${origin})` : ''}`;
  return { wgsl: `${header}\n${decls.join('\n')}\n${emitted.body}\n`, bindings, workgroups: emitted.workgroups };
}

/** What a kernel does, for names in the manifest: the op, or the ops of a fused chain. */
function kernelLabel(n: Node): string {
  if (n.op === 'fused') return chainLabel(n.attrs);
  if (n.op === 'matmul_chain') return `matmul+${chainLabel(n.attrs)}`;
  return n.op;
}

export function generateKernels(g: Graph, plan: MemoryPlan): Codegen {
  const kernels: KernelSpec[] = [];
  const shaders: Record<string, string> = {};
  const byNode = new Map<number, number>();
  const programs = { train_step: [], eval: [], forward: [] } as Record<ProgramName, number[]>;
  for (const p of Object.keys(programs) as ProgramName[]) {
    for (const id of g.programs[p].nodes) {
      const n = g.nodes[id]!;
      if (opDef(n.op).kind === 'view') continue;
      let k = byNode.get(id);
      if (k === undefined) {
        const { wgsl, bindings, workgroups } = emitNode(g, n, plan);
        const body = wgsl.slice(wgsl.indexOf('\n') + 1); // the header comment does not change the shader
        const file = `${n.op}_${shortHash(body)}.wgsl`;
        shaders[file] ??= wgsl;
        k = kernels.length;
        const spec: KernelSpec = { name: `${kernelLabel(n)}${n.layer ? `:${n.layer}` : ''}`, shader: file, bindings, workgroups };
        if (n.span) spec.origin = `${n.span.file}:${n.span.line}:${n.span.col}`;
        kernels.push(spec);
        byNode.set(id, k);
      }
      programs[p].push(k);
    }
  }
  return { kernels, shaders, programs };
}
