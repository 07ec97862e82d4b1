// The inference artifact (`dlc export`): the forward program only, its kernels compiled once for up to
// `maxBatch` samples and reading the batch from a uniform block, with the weights in a safetensors
// file beside it. The format is the inference runtime's (runtime/inference.ts): it imports nothing
// from the compiler, which writes this format (compiler/export.ts). Browser-safe.
import { printable } from '../dsl/printable.ts';
import { int8ActWeightBytes } from './int8-layout.ts';

export const INFERENCE_FORMAT = 'dlc-inference';
export const INFERENCE_VERSION = 1;
/** The weights file beside manifest.json. */
export const INFERENCE_WEIGHTS_FILE = 'weights.safetensors';
/** Bytes of the batch uniform block: the batch (u32), then padding to WebGPU's 16-byte minimum. */
export const BATCH_PARAMS_BYTES = 16;

/**
 * Workgroups along `axis` for a batch of b samples: ceil(mult · ceil(b · perSample / chunk) / per).
 * At b = maxBatch it is the compiled grid's count; the grid spills into y past the per-dimension
 * limit exactly as compiled (x stays the compiled x).
 */
export interface BatchGrid {
  axis: 0 | 1;
  mult: number;
  perSample: number;
  chunk: number;
  per: number;
}

export interface InferenceBinding {
  binding: number;
  buffer: number;
  access: 'read' | 'read_write' | 'uniform';
  offset?: number;
  size?: number;
}

export interface InferenceKernel {
  name: string;
  /** Key into InferenceManifest.shaders. */
  shader: string;
  bindings: InferenceBinding[];
  /** The grid at maxBatch (and at any batch for kernels without batchGrid: they do not scale with it). */
  workgroups: [number, number, number];
  batchGrid?: BatchGrid;
  /** The source line of net.dl the kernel came from. */
  origin?: string;
}

/** An input or output: `shape` is one sample's; the buffer holds maxBatch samples from `offset`. */
export interface InferenceTensor {
  name: string;
  dtype: 'f32' | 'i32';
  shape: number[];
  /** A token input (tokens[V, T]): its ids must lie in [0, vocab). */
  vocab?: number;
  buffer: number;
  offset?: number;
}

/** A weight tensor (parameter or layer state such as batch norm's moving statistics); full shape. */
export interface InferenceWeight {
  name: string;
  shape: number[];
  buffer: number;
  offset?: number;
  /**
   * Stored as int8 (dlc quantize): weights.safetensors holds the values as I8 under `name` and one F32
   * scale per channel along `axis` under scaleTensorName(name); the buffer holds the values four to a
   * u32 word, then the scales (int8WeightBytes). With `activations` (dlc quantize --calibrate) the
   * kernels reading it quantise their inputs to int8 too: the buffer is laid out for dot4I8Packed
   * (runtime/int8-layout.ts) and weights.safetensors also holds the activation scale
   * (actScaleTensorName).
   */
  int8?: { axis: number; activations?: true };
  /**
   * Stored as f16 (dlc export --precision f16): weights.safetensors holds it as F16, and the buffer
   * two values to a word (f16WeightBytes); the kernels that read it need the shader-f16 feature.
   */
  f16?: true;
}

export interface InferenceManifest {
  format: typeof INFERENCE_FORMAT;
  version: number;
  model: string;
  sourceHash: string;
  maxBatch: number;
  inputs: InferenceTensor[];
  outputs: InferenceTensor[];
  weights: InferenceWeight[];
  buffers: { id: number; size: number; label: string; kind: 'storage' | 'uniform' }[];
  batchBuffer: number;
  /** Dispatched in order. */
  kernels: InferenceKernel[];
  /** Shader name → WGSL. */
  shaders: Record<string, string>;
  /** The output whose softmax gives class probabilities (a model trained with cross_entropy). */
  classifier?: string;
  /** WebGPU features the kernels need from the device: shader-f16 when weights are f16. */
  features?: (typeof HALF_FEATURE)[];
}

/** The WebGPU feature f16 weights need (WGSL's `enable f16;`). */
export const HALF_FEATURE = 'shader-f16';

/** A manifest.json that is not a valid inference manifest; the message names the field. */
export class InferenceManifestError extends Error {
  override name = 'InferenceManifestError';
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown, min = 0): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= min;

/**
 * Checks the fields the runtime relies on (types, buffer references, byte ranges inside their
 * buffers, shaders present), so that a damaged or hand-edited file fails with a message naming the
 * field rather than inside WebGPU. `where` names the file in messages.
 * @throws InferenceManifestError
 */
export function validateInferenceManifest(v: unknown, where = 'manifest'): InferenceManifest {
  const fail = (what: string): never => {
    throw new InferenceManifestError(`${printable(where, 300)}: ${what}`);
  };
  if (!isObj(v)) return fail('not a JSON object');
  if (v.format !== INFERENCE_FORMAT) return fail(`not a dlc inference artifact (format ${JSON.stringify(printable(String(v.format), 60))}; dlc export writes one)`);
  if (v.version !== INFERENCE_VERSION) return fail(`version ${printable(String(v.version), 20)}, this runtime reads version ${INFERENCE_VERSION} (export it again with this dlc)`);
  if (typeof v.model !== 'string' || typeof v.sourceHash !== 'string') fail('model and sourceHash must be strings');
  if (!isCount(v.maxBatch, 1)) fail('maxBatch must be a positive integer');
  const buffers = v.buffers;
  if (!Array.isArray(buffers) || buffers.length === 0) return fail('buffers must be a non-empty list');
  buffers.forEach((b: unknown, i) => {
    if (!isObj(b) || b.id !== i || !isCount(b.size, 4) || b.size % 4 !== 0 || typeof b.label !== 'string' || (b.kind !== 'storage' && b.kind !== 'uniform')) fail(`buffers[${i}] must be { id: ${i}, size (a positive multiple of 4), label, kind }`);
  });
  const sizeOf = (id: unknown, field: string): number => {
    if (!isCount(id) || id >= buffers.length) fail(`${field} names no buffer`);
    return (buffers[id as number] as { size: number }).size;
  };
  if (sizeOf(v.batchBuffer, 'batchBuffer') < BATCH_PARAMS_BYTES || (buffers[v.batchBuffer as number] as { kind: string }).kind !== 'uniform') fail('batchBuffer must be a uniform buffer of at least 16 bytes');
  const maxBatch = v.maxBatch as number;
  const tensors = (key: 'inputs' | 'outputs' | 'weights'): void => {
    const list = v[key];
    if (!Array.isArray(list)) return void fail(`${key} must be a list`);
    list.forEach((t: unknown, i) => {
      const field = `${key}[${i}]`;
      if (!isObj(t) || typeof t.name !== 'string' || !Array.isArray(t.shape) || !t.shape.every((d) => isCount(d, 1))) return void fail(`${field} must have a name and a shape of positive integers`);
      if (key !== 'weights' && t.dtype !== 'f32' && t.dtype !== 'i32') fail(`${field}.dtype must be f32 or i32`);
      if (t.vocab !== undefined && (key !== 'inputs' || t.dtype !== 'i32' || !isCount(t.vocab, 1))) fail(`${field}.vocab must be a positive integer, on an i32 input`);
      const offset = t.offset ?? 0;
      if (!isCount(offset) || offset % 4 !== 0) fail(`${field}.offset must be a multiple of 4`);
      const elements = (t.shape as number[]).reduce((a, b) => a * b, 1) * (key === 'weights' ? 1 : maxBatch);
      let bytes = elements * 4;
      if (t.int8 !== undefined) {
        const axis = isObj(t.int8) ? t.int8.axis : undefined;
        if (key !== 'weights' || !isCount(axis) || axis >= t.shape.length) return void fail(`${field}.int8 must be { axis } with an axis of its shape, on a weight`);
        const activations = (t.int8 as Record<string, unknown>).activations;
        if (activations !== undefined && (activations !== true || t.shape.length < 2)) return void fail(`${field}.int8.activations must be true, on a weight of rank 2 or more`);
        bytes = activations ? int8ActWeightBytes(t.shape as number[], axis) : int8WeightBytes(elements, t.shape[axis] as number);
      }
      if (t.f16 !== undefined) {
        if (key !== 'weights' || t.f16 !== true || t.int8 !== undefined) return void fail(`${field}.f16 must be true, on a weight that is not int8`);
        bytes = f16WeightBytes(elements);
      }
      if ((offset as number) + bytes > sizeOf(t.buffer, `${field}.buffer`)) fail(`${field} does not fit in its buffer`);
    });
  };
  tensors('inputs');
  tensors('outputs');
  tensors('weights');
  if (!isObj(v.shaders) || !Object.values(v.shaders).every((s) => typeof s === 'string')) fail('shaders must map names to WGSL text');
  const shaders = v.shaders as Record<string, string>;
  if (!Array.isArray(v.kernels) || v.kernels.length === 0) return fail('kernels must be a non-empty list');
  v.kernels.forEach((k: unknown, i) => {
    const field = `kernels[${i}]`;
    if (!isObj(k) || typeof k.name !== 'string' || typeof k.shader !== 'string' || !Object.hasOwn(shaders, k.shader)) return void fail(`${field} must name a shader of 'shaders'`);
    if (!Array.isArray(k.workgroups) || k.workgroups.length !== 3 || !k.workgroups.every((n) => isCount(n, 1))) fail(`${field}.workgroups must be three positive integers`);
    if (!Array.isArray(k.bindings)) return void fail(`${field}.bindings must be a list`);
    k.bindings.forEach((b: unknown, j) => {
      if (!isObj(b) || b.binding !== j || !['read', 'read_write', 'uniform'].includes(b.access as string)) return void fail(`${field}.bindings[${j}] must be { binding: ${j}, buffer, access }`);
      const size = sizeOf(b.buffer, `${field}.bindings[${j}].buffer`);
      if (b.offset !== undefined || b.size !== undefined) {
        if (!isCount(b.offset) || (b.offset as number) % 256 !== 0 || !isCount(b.size, 4) || (b.offset as number) + (b.size as number) > size) fail(`${field}.bindings[${j}]: offset (a multiple of 256) and size must lie inside the buffer`);
      }
    });
    const g = k.batchGrid;
    if (g !== undefined && (!isObj(g) || (g.axis !== 0 && g.axis !== 1) || !isCount(g.mult, 1) || !isCount(g.perSample, 1) || !isCount(g.chunk, 1) || !isCount(g.per, 1))) fail(`${field}.batchGrid must be { axis: 0 | 1, mult, perSample, chunk, per } (positive integers)`);
  });
  if (v.classifier !== undefined && !(v.outputs as { name: string }[]).some((o) => o.name === v.classifier)) fail('classifier names no output');
  if (v.features !== undefined && (!Array.isArray(v.features) || !v.features.every((f) => f === HALF_FEATURE))) fail(`features must be a list of WebGPU features this runtime knows (${HALF_FEATURE})`);
  const halves = (v.weights as { f16?: unknown }[]).some((w) => w.f16 !== undefined);
  if (halves && !(v.features as unknown[] | undefined)?.includes(HALF_FEATURE)) fail(`weights stored as f16 need "features": ["${HALF_FEATURE}"]`);
  return v as unknown as InferenceManifest;
}

/** Workgroups of a kernel for a batch of `batch` samples (see BatchGrid). */
export function workgroupsFor(k: InferenceKernel, batch: number): [number, number, number] {
  const g = k.batchGrid;
  if (!g) return k.workgroups;
  const groups = Math.max(1, Math.ceil((g.mult * Math.ceil((batch * g.perSample) / g.chunk)) / g.per));
  if (g.axis === 1) return [k.workgroups[0], groups, k.workgroups[2]];
  // A compiled grid that spilled into y keeps its x: the kernel's flat index strides y by it.
  if (k.workgroups[1] === 1) return [groups, 1, 1];
  const x = k.workgroups[0];
  return [Math.min(groups, x), Math.ceil(groups / x), 1];
}

/**
 * Bytes an int8 weight of `count` values and `channels` output channels takes in its buffer: its
 * values four to a u32 word, then one f32 scale per channel (dlc quantize; compiler/quantize.ts).
 */
export const int8WeightBytes = (count: number, channels: number): number => 4 * Math.ceil(count / 4) + 4 * channels;

/** Bytes an f16 weight of `count` values takes in its buffer: two to a word, the last word zero-padded. */
export const f16WeightBytes = (count: number): number => 4 * Math.ceil(count / 2);

/** The safetensors name of an int8 weight's scales (the int8 values keep the weight's name). */
export const scaleTensorName = (weight: string): string => `${weight}.scale`;
