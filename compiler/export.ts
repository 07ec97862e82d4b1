// dlc export: the inference artifact of a program. It is compiled as usual at batch `maxBatch`, then
// only the forward program (eval mode: batch norm's moving statistics, dropout the identity) is kept,
// its kernels rebuilt to read the batch from a uniform block (passes/inference.ts), with the buffers
// those kernels, the inputs, outputs and weights use (no gradients, no optimizer state).
import { groupDigits } from '../dsl/group-digits.ts';
import type { Diagnostic } from '../dsl/diagnostics.ts';
import { DEVICE_FLOOR } from './ir/kernel-spec.ts';
import { withoutBom } from '../dsl/source.ts';
import {
  BATCH_PARAMS_BYTES, HALF_FEATURE, INFERENCE_FORMAT, INFERENCE_VERSION,
  type InferenceManifest, type InferenceTensor, type InferenceWeight,
} from '../runtime/inference-manifest.ts';
import { compile, sourceHash } from './compile.ts';
import type { ValueId } from './ir/types.ts';
import { generateInferenceKernels } from './passes/inference.ts';
import { int8ActivationWeights, int8Weights, planInt8 } from './passes/quantize-weights.ts';
import { f16Weights, planF16 } from './passes/half-weights.ts';

export interface ExportOptions {
  /** File name used in diagnostics. */
  file?: string;
  /** Which model to export when the file has several. */
  model?: string;
  /** The most samples one run takes; larger counts run in chunks of it. */
  maxBatch: number;
  /** dlc quantize: dense and conv kernels stored as int8 with per-output-channel scales. */
  int8?: boolean;
  /** dlc quantize --calibrate: those kernels also quantise their input activations (per-tensor scales) where they can. */
  int8Activations?: boolean;
  /** dlc export --precision f16: dense and conv kernels stored as f16 (needs the shader-f16 feature to run). */
  f16?: boolean;
}

export interface ExportResult {
  ok: boolean;
  diagnostics: Diagnostic[];
  manifest?: InferenceManifest;
}

/** Compiles dlc source text to an inference manifest. User errors come back as diagnostics. */
export function exportInference(fileText: string, opts: ExportOptions): ExportResult {
  const r = compile(fileText, { ...(opts.file !== undefined ? { file: opts.file } : {}), ...(opts.model !== undefined ? { model: opts.model } : {}), batch: opts.maxBatch });
  // The batch a grid is too wide for is the export's --max-batch: say so.
  const atMaxBatch = (d: Diagnostic): Diagnostic => (d.code === 'E-LIMIT' ? { ...d, message: d.message.replace('a smaller batch or layer fits', `a smaller --max-batch (${groupDigits(opts.maxBatch)} here) or layer fits`) } : d);
  if (!r.ok) return { ok: false, diagnostics: r.diagnostics.map(atMaxBatch) };
  const g = r.graph!;
  const int8 = opts.int8 ? int8Weights(g) : new Map<ValueId, number>();
  const actInt8 = opts.int8Activations ? int8ActivationWeights(g, int8) : new Set<ValueId>();
  const f16 = opts.f16 && !opts.int8 ? f16Weights(g) : new Set<ValueId>();
  const plan = int8.size ? planInt8(g, r.plan!, int8, actInt8) : f16.size ? planF16(g, r.plan!, f16) : r.plan!;
  const m = r.artifact!.manifest;
  const batchBuffer = plan.buffers.length;
  const withBatch = { ...plan, buffers: [...plan.buffers, { id: batchBuffer, size: BATCH_PARAMS_BYTES, label: 'batch', kind: 'uniform' as const }] };
  const { code, diagnostics } = generateInferenceKernels(g, withBatch, opts.maxBatch, batchBuffer);
  if (!code) return { ok: false, diagnostics };

  // Buffers in use, renumbered from 0 in their first-use order.
  const ids = new Map<number, number>();
  const use = (b: number): number => {
    if (!ids.has(b)) ids.set(b, ids.size);
    return ids.get(b)!;
  };
  const slot = (v: ValueId): { buffer: number; offset?: number } => {
    const offset = plan.offsetOf.get(v);
    return { buffer: use(plan.bufferOf.get(v)!), ...(offset ? { offset } : {}) };
  };
  const perSample = (name: string, v: ValueId): InferenceTensor => {
    const t = g.value(v);
    if (t.shape[0] !== opts.maxBatch) throw new Error(`internal error: ${name} has shape [${t.shape.join(', ')}], not [${opts.maxBatch}, ...]`);
    if (t.dtype !== 'f32' && t.dtype !== 'i32') throw new Error(`internal error: ${name} is ${t.dtype}`);
    return { name, dtype: t.dtype, shape: t.shape.slice(1), ...slot(v) };
  };
  const kernels = code.kernels.map((k) => ({ ...k, bindings: k.bindings.map((b) => ({ ...b, buffer: use(b.buffer) })) }));
  const forwardReads = new Set(g.programs.forward.nodes.flatMap((id) => g.nodes[id]!.inputs));
  const inputs = g.inputs.filter((i) => forwardReads.has(i.value)).map((i) => ({ ...perSample(i.name, i.value), ...(i.vocab !== undefined ? { vocab: i.vocab } : {}) }));
  const outputs = g.programs.forward.outputs.map((o) => perSample(o.name, o.value));
  const weightValues = [...g.params.map((p) => p.value), ...g.state.filter((s) => s.owner === 'layer').map((s) => s.value)];
  const weights: InferenceWeight[] = weightValues
    .filter((v) => ids.has(plan.bufferOf.get(v)!))
    .map((v) => ({ name: g.value(v).name, shape: [...g.value(v).shape], ...slot(v), ...(int8.has(v) ? { int8: { axis: int8.get(v)!, ...(actInt8.has(v) ? { activations: true as const } : {}) } } : {}), ...(f16.has(v) ? { f16: true as const } : {}) }));
  const buffers = [...ids].sort((a, b) => a[1] - b[1]).map(([old, id]) => {
    const b = withBatch.buffers[old]!;
    return { id, size: b.size, label: b.label, kind: b.kind };
  });
  const classifier = m.train.loss === 'cross_entropy' && outputs.some((o) => o.name === m.train.prediction) ? m.train.prediction : undefined;
  const manifest: InferenceManifest = {
    format: INFERENCE_FORMAT,
    version: INFERENCE_VERSION,
    model: m.model,
    sourceHash: sourceHash(withoutBom(fileText)),
    maxBatch: opts.maxBatch,
    inputs,
    outputs,
    weights,
    buffers,
    batchBuffer: use(batchBuffer),
    kernels,
    shaders: code.shaders,
    ...(classifier !== undefined ? { classifier } : {}),
    ...(f16.size ? { features: [HALF_FEATURE] } : {}),
  };
  const tooBig = sizeDiagnostic(manifest, r.lowered!.model.nameSpan);
  if (tooBig) return { ok: false, diagnostics: [tooBig] };
  return { ok: true, diagnostics: [], manifest };
}

/**
 * A diagnostic when a buffer or a storage binding of the export passes WebGPU's default limits (what
 * every device allows): the export would not load. Per-sample buffers grow with --max-batch, so the
 * message says which --max-batch roughly fits.
 */
function sizeDiagnostic(m: InferenceManifest, span: Diagnostic['span']): Diagnostic | undefined {
  const refuse = (what: string, bytes: number, limit: number, name: string): Diagnostic => ({
    code: 'E-LIMIT',
    span,
    message: `with --max-batch ${groupDigits(m.maxBatch)} ${what} holds ${groupDigits(bytes)} bytes, more than WebGPU devices allow by default (${groupDigits(limit)}, ${name}); a --max-batch of at most about ${groupDigits(Math.max(1, Math.floor((m.maxBatch * limit) / bytes)))} fits`,
  });
  for (const b of m.buffers) {
    if (b.size > DEVICE_FLOOR.maxBufferSize) return refuse(`buffer '${b.label}'`, b.size, DEVICE_FLOOR.maxBufferSize, 'maxBufferSize');
  }
  for (const k of m.kernels) {
    for (const b of k.bindings) {
      const size = b.size ?? m.buffers[b.buffer]!.size;
      if (b.access !== 'uniform' && size > DEVICE_FLOOR.maxStorageBufferBindingSize) {
        return refuse(`kernel '${k.name}' binds '${m.buffers[b.buffer]!.label}', which`, size, DEVICE_FLOOR.maxStorageBufferBindingSize, 'maxStorageBufferBindingSize');
      }
    }
  }
  return undefined;
}
