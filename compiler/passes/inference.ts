// Inference codegen (dlc export): the forward program's kernels, built for up to `max` samples, where
// every kernel whose output holds samples reads the batch from a uniform block (its counts and
// bounds scale with it) and carries the formula of its grid for a batch chosen at run time. Kernels
// over weights alone (batch norm's per-channel shift) do not scale. Only layouts where the samples
// stay the outermost axis are taken: an op that mixes samples, or moves them off the leading axis,
// gets a diagnostic naming its layer and line.
import type { Diagnostic } from '../../dsl/diagnostics.ts';
import { workgroupsFor, type BatchGrid, type InferenceKernel } from '../../runtime/inference-manifest.ts';
import type { Graph } from '../ir/graph.ts';
import type { Template } from '../ir/kernel-spec.ts';
import { opDef } from '../ir/ops/index.ts';
import type { Node, ValueId } from '../ir/types.ts';
import { numel } from '../ir/tensor.ts';
import { emitNode, kernelLabel, shaderFile } from './codegen.ts';
import type { MemoryPlan } from './plan.ts';

export interface InferenceCode {
  kernels: InferenceKernel[];
  shaders: Record<string, string>;
}

/** The forward program's values that hold samples: those computed from a model input. */
export function batchedValues(g: Graph): Set<ValueId> {
  const batched = new Set<ValueId>(g.inputs.map((i) => i.value));
  for (const id of g.programs.forward.nodes) {
    const n = g.nodes[id]!;
    if (n.output !== null && n.inputs.some((v) => batched.has(v))) batched.add(n.output);
  }
  return batched;
}

/** The grid formula of a batch-scaled template, or why the template has none. */
function batchGrid(t: Template, max: number): BatchGrid | string {
  const flat = (count: number, per: number, chunk = 1): BatchGrid => ({ axis: 0, mult: 1, perSample: count / max, chunk, per });
  switch (t.kind) {
    case 'elementwise': return t.vec4 ? flat(t.n, t.wg * t.vec4.vecs, 4) : flat(t.n, t.wg);
    case 'matmul':
      if (t.transA) return 'its rows are not the samples';
      if (t.batch > 1) return 'a batch of matrix products has no runtime-batch form yet';
      return { axis: 1, mult: 1, perSample: t.M / max, chunk: 1, per: t.TM * t.wg };
    case 'conv2d': {
      const pixels = t.geom.OH * t.geom.OW;
      return { axis: 0, mult: t.block.total / t.block.PB, perSample: pixels, chunk: t.block.TP, per: t.block.wg };
    }
    case 'maxpool2d': case 'avgpool2d': case 'upsample': case 'upsample_bilinear': case 'resize_bilinear': case 'concat': case 'slice': case 'transpose': case 'gather': return flat(t.total, t.wg);
    case 'rows': return flat(t.rows, t.wg);
    case 'sum_to': return flat(t.O, 1);
    default: return `it is a training kernel (${t.kind})`;
  }
}

/** Why node `n` cannot run on a batch chosen at run time, or undefined when it can. */
function batchProblem(g: Graph, n: Node, batched: Set<ValueId>, max: number): string | undefined {
  const samplesLead = (v: ValueId): boolean => {
    const shape = g.value(v).shape;
    return shape.length > 0 && shape[0]! % max === 0 && numel(shape) % max === 0;
  };
  if (!n.inputs.some((v) => batched.has(v))) return undefined;
  if (n.output === null || !samplesLead(n.output) || !n.inputs.every((v) => !batched.has(v) || samplesLead(v))) return 'it moves the samples off the leading axis';
  if ((n.op === 'concat' || n.op === 'slice') && n.attrs.axis === 0) return 'it joins or slices along the samples';
  if (n.op.startsWith('matmul') && batched.has(n.inputs[1]!)) return 'it multiplies by a per-sample matrix';
  return undefined;
}

const spanOf = (n: Node): string => (n.span ? `${n.span.file}:${n.span.line}:${n.span.col}` : '');

/**
 * The forward program's kernels for batches up to `max` (the graph compiled at batch `max`), the
 * batch uniform block in buffer `batchBuffer`; diagnostics for ops with no runtime-batch form.
 */
export function generateInferenceKernels(g: Graph, plan: MemoryPlan, max: number, batchBuffer: number): { code?: InferenceCode; diagnostics: Diagnostic[] } {
  const batched = batchedValues(g);
  const kernels: InferenceKernel[] = [];
  const shaders: Record<string, string> = {};
  const diagnostics: Diagnostic[] = [];
  for (const id of g.programs.forward.nodes) {
    const n = g.nodes[id]!;
    if (opDef(n.op).kind === 'view') continue;
    const scales = n.output !== null && batched.has(n.output);
    const emitted = emitNode(g, n, plan, scales ? { max, buffer: batchBuffer } : undefined);
    const where = `${kernelLabel(n)}${n.layer ? ` in ${n.layer}` : ''}`;
    const problem = batchProblem(g, n, batched, max) ?? (scales ? undefined : n.inputs.some((v) => batched.has(v)) ? 'it reduces over the samples' : undefined);
    const formula = scales ? batchGrid(emitted.spec.template, max) : undefined;
    const why = problem ?? (typeof formula === 'string' ? formula : undefined);
    if (why !== undefined) {
      if (n.span) diagnostics.push({ code: 'E-EXPORT', message: `${where} cannot run on a batch chosen at run time: ${why}`, span: n.span });
      else throw new Error(`internal error: ${where} cannot run on a runtime batch (${why}) and has no source position`);
      continue;
    }
    const file = shaderFile(n.op, emitted.wgsl);
    shaders[file] ??= emitted.wgsl;
    const entry: InferenceKernel = { name: `${kernelLabel(n)}${n.layer ? `:${n.layer}` : ''}`, shader: file, bindings: emitted.bindings, workgroups: emitted.spec.workgroups };
    if (formula !== undefined && typeof formula !== 'string') {
      entry.batchGrid = formula;
      // The formula must give the compiled grid at the compiled batch.
      if (workgroupsFor(entry, max).join() !== entry.workgroups.join()) throw new Error(`internal error: the batch grid of ${where} gives [${workgroupsFor(entry, max).join(', ')}] at batch ${max}, compiled [${entry.workgroups.join(', ')}]`);
    }
    const origin = spanOf(n);
    if (origin) entry.origin = origin;
    kernels.push(entry);
  }
  return diagnostics.length ? { diagnostics } : { code: { kernels, shaders }, diagnostics };
}
