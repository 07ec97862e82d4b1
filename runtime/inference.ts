// Runs an inference artifact (dlc export) on a GPUDevice: buffers and pipelines made once, the
// weights written once, then any number of samples in chunks of at most maxBatch, each chunk one
// submission whose kernels read its size from the batch uniform block. No compiler, no Node module:
// this file is what `dlc/infer` ships to the browser.
/// <reference types="@webgpu/types" preserve="true" />
import { groupDigits } from '../dsl/group-digits.ts';
import { printable } from '../dsl/printable.ts';
import {
  BATCH_PARAMS_BYTES, f16WeightBytes, HALF_FEATURE, int8WeightBytes, scaleTensorName, validateInferenceManifest, workgroupsFor,
  type InferenceManifest, type InferenceTensor,
} from './inference-manifest.ts';
import { actScaleTensorName, int8ActBuffer } from './int8-layout.ts';
import { decodeSafetensors } from './safetensors.ts';
import { firstLimitBreach } from './limit-breach.ts';
import { badTokenIdAt } from './token-ids.ts';

const STORAGE = 0x80; // GPUBufferUsage flags, spelled out so the module loads before globals exist.
const COPY_SRC = 0x04;
const COPY_DST = 0x08;
const MAP_READ = 0x01;
const UNIFORM = 0x40;
const MAP_MODE_READ = 0x01;
const COMPUTE = 0x4; // GPUShaderStage.COMPUTE

/** Inputs by name: `count` samples each, one sample's values after another. */
export type InferenceInputs = Record<string, Float32Array | Int32Array>;

/** A model or call the inference runtime cannot run; the message says what was wrong. */
export class InferenceError extends Error {
  override name = 'InferenceError';
}

/** What an inference artifact is made of: manifest.json (parsed, or its text) and weights.safetensors. */
export interface InferenceFiles {
  manifest: unknown;
  weights: Uint8Array;
  /** Where the files came from, for messages (a folder or URL). */
  source?: string;
  /**
   * The WGSL language features of the adapter's GPU object (`gpu.wgslLanguageFeatures`), checked
   * against what the kernels use; absent, navigator.gpu's where there is one.
   */
  wgslLanguageFeatures?: ReadonlySet<string>;
}

interface Kernel {
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  index: number;
}

export class InferenceModel {
  private disposed = false;

  private constructor(
    readonly device: GPUDevice,
    readonly manifest: InferenceManifest,
    private readonly buffers: GPUBuffer[],
    private readonly kernels: Kernel[],
  ) {}

  /** The most samples one submission runs; predict() splits larger counts into chunks of it. */
  get maxBatch(): number {
    return this.manifest.maxBatch;
  }

  /**
   * Checks the manifest and the weights (every tensor the model needs, F32, of its shape), then makes
   * every buffer and pipeline and writes the weights; a WGSL error names the kernel.
   * @throws InferenceError
   */
  static async create(device: GPUDevice, files: InferenceFiles): Promise<InferenceModel> {
    const where = files.source ?? 'the inference artifact';
    let m: InferenceManifest;
    try {
      m = validateInferenceManifest(typeof files.manifest === 'string' ? JSON.parse(files.manifest) : files.manifest, `${where}/manifest.json`);
    } catch (err) {
      throw new InferenceError((err as Error).message);
    }
    let tensors;
    try {
      tensors = decodeSafetensors(files.weights, `${where}/weights.safetensors`).tensors;
    } catch (err) {
      throw new InferenceError((err as Error).message);
    }
    const missing = (m.features ?? []).filter((f) => !device.features.has(f));
    if (missing.length) throw new InferenceError(`${printable(where, 300)} needs the WebGPU feature ${missing.join(', ')} (its dense and conv weights are f16), which this device lacks: request it from an adapter that offers it`);
    const tensor = (name: string, dtype: 'F32' | 'I8' | 'F16', shape: number[]): Float32Array | Int8Array | Uint16Array => {
      const t = tensors.get(name);
      if (!t) throw new InferenceError(`${printable(where, 300)}/weights.safetensors has no tensor '${printable(name)}'`);
      if (t.dtype !== dtype || t.shape.join() !== shape.join()) throw new InferenceError(`${printable(where, 300)}/weights.safetensors: '${printable(name)}' is ${t.dtype} [${t.shape.join(', ')}], the model needs ${dtype} [${shape.join(', ')}]`);
      return t.data as Float32Array | Int8Array | Uint16Array;
    };
    const weights = m.weights.map((w) => {
      if (w.f16) return f16Buffer(tensor(w.name, 'F16', w.shape) as Uint16Array);
      if (!w.int8) return tensor(w.name, 'F32', w.shape);
      const q = tensor(w.name, 'I8', w.shape) as Int8Array;
      const scales = tensor(scaleTensorName(w.name), 'F32', [w.shape[w.int8.axis]!]) as Float32Array;
      if (!w.int8.activations) return int8Buffer(q, scales);
      return int8ActBuffer(q, w.shape, w.int8.axis, scales, tensor(actScaleTensorName(w.name), 'F32', [1])[0]!);
    });
    checkDeviceLimits(m, device.limits, where);
    checkLanguageFeatures(m, files.wgslLanguageFeatures ?? (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu?.wgslLanguageFeatures, where);
    const buffers = m.buffers.map((b) => device.createBuffer({ size: b.size, usage: b.kind === 'uniform' ? UNIFORM | COPY_DST : STORAGE | COPY_SRC | COPY_DST, label: b.label }));
    try {
      m.weights.forEach((w, i) => {
        const data = weights[i]!;
        device.queue.writeBuffer(buffers[w.buffer]!, w.offset ?? 0, data.buffer, data.byteOffset, data.byteLength);
      });
      const kernels = await createKernels(device, m, buffers);
      return new InferenceModel(device, m, buffers, kernels);
    } catch (err) {
      for (const b of buffers) b.destroy();
      throw err;
    }
  }

  /**
   * Runs the model on `count` samples (inputs by name, one sample after another) in chunks of at most
   * maxBatch; returns every output by name, `count` samples each.
   * @throws InferenceError for a missing input or one of the wrong length or type
   */
  async predict(inputs: InferenceInputs, count: number): Promise<Record<string, Float32Array | Int32Array>> {
    if (this.disposed) throw new InferenceError('the model was disposed');
    if (!Number.isSafeInteger(count) || count < 0) throw new InferenceError(`count must be a non-negative integer, got ${count}`);
    const m = this.manifest;
    for (const i of m.inputs) {
      const data = inputs[i.name];
      const per = perSample(i);
      if (!data) throw new InferenceError(`input '${printable(i.name)}' is missing (inputs: ${m.inputs.map((x) => printable(x.name)).join(', ')})`);
      if ((i.dtype === 'i32') !== data instanceof Int32Array) throw new InferenceError(`input '${printable(i.name)}' holds ${i.dtype === 'i32' ? 'integers (Int32Array)' : 'floats (Float32Array)'}`);
      if (data.length !== count * per) throw new InferenceError(`input '${printable(i.name)}' needs ${count} × ${per} values (shape [${i.shape.join(', ')}] per sample), got ${data.length}`);
      const vocab = i.vocab;
      if (vocab !== undefined) {
        const why = badTokenIdAt(data, vocab, per);
        if (why !== undefined) throw new InferenceError(`input '${printable(i.name)}': ${why}`);
      }
    }
    const outs = Object.fromEntries(m.outputs.map((o) => [o.name, o.dtype === 'i32' ? new Int32Array(count * perSample(o)) : new Float32Array(count * perSample(o))]));
    for (let start = 0; start < count; start += m.maxBatch) {
      const b = Math.min(m.maxBatch, count - start);
      const chunk = await this.runChunk(inputs, start, b);
      m.outputs.forEach((o, k) => outs[o.name]!.set(chunk[k]!, start * perSample(o)));
    }
    return outs;
  }

  /** Frees the model's GPU buffers; the device stays open (the caller owns it). */
  /**
   * Fills every storage buffer that holds no weight with NaN (tests): a kernel that leaves an output
   * element unwritten, or reads one nobody wrote, shows up in the predictions.
   */
  poisonScratch(): void {
    if (this.disposed) throw new InferenceError('the model was disposed');
    const weighted = new Set(this.manifest.weights.map((w) => w.buffer));
    for (const b of this.manifest.buffers) {
      if (b.kind === 'uniform' || weighted.has(b.id)) continue;
      this.device.queue.writeBuffer(this.buffers[b.id]!, 0, new Float32Array(b.size / 4).fill(NaN));
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const b of this.buffers) b.destroy();
    this.buffers.length = 0;
    this.kernels.length = 0;
  }

  /** Samples [start, start + b) in one submission; each output's b samples. */
  private async runChunk(inputs: InferenceInputs, start: number, b: number): Promise<(Float32Array | Int32Array)[]> {
    const m = this.manifest;
    const q = this.device.queue;
    for (const i of m.inputs) {
      const per = perSample(i);
      const data = inputs[i.name]!.subarray(start * per, (start + b) * per);
      q.writeBuffer(this.buffers[i.buffer]!, i.offset ?? 0, data.buffer, data.byteOffset, data.byteLength);
    }
    const block = new Uint32Array(BATCH_PARAMS_BYTES / 4);
    block[0] = b;
    q.writeBuffer(this.buffers[m.batchBuffer]!, 0, block);
    const enc = this.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    for (const k of this.kernels) {
      pass.setPipeline(k.pipeline);
      pass.setBindGroup(0, k.bindGroup);
      pass.dispatchWorkgroups(...workgroupsFor(m.kernels[k.index]!, b));
    }
    pass.end();
    const staging = m.outputs.map((o) => {
      const bytes = b * perSample(o) * 4;
      const sb = this.device.createBuffer({ size: bytes, usage: MAP_READ | COPY_DST, label: `read ${o.name}` });
      enc.copyBufferToBuffer(this.buffers[o.buffer]!, o.offset ?? 0, sb, 0, bytes);
      return { sb, bytes, o };
    });
    q.submit([enc.finish()]);
    try {
      const out: (Float32Array | Int32Array)[] = [];
      for (const { sb, bytes, o } of staging) {
        await sb.mapAsync(MAP_MODE_READ, 0, bytes);
        const copy = sb.getMappedRange(0, bytes).slice(0);
        sb.unmap();
        out.push(o.dtype === 'i32' ? new Int32Array(copy) : new Float32Array(copy));
      }
      return out;
    } finally {
      for (const { sb } of staging) sb.destroy();
    }
  }
}

const perSample = (t: InferenceTensor): number => t.shape.reduce((a, d) => a * d, 1);

/** The WGSL language feature of dot4I8Packed, which kernels with int8 activations use. */
export const DOT4_I8_FEATURE = 'packed_4x8_integer_dot_product';

/**
 * Refuses a model whose kernels quantise activations (dlc quantize --calibrate) when the adapter's
 * WGSL lacks dot4I8Packed; `features` undefined (not known) leaves it to the shader compiler.
 * @throws InferenceError
 */
export function checkLanguageFeatures(m: InferenceManifest, features: ReadonlySet<string> | undefined, where: string): void {
  if (!features || features.has(DOT4_I8_FEATURE) || !m.weights.some((w) => w.int8?.activations)) return;
  throw new InferenceError(`${printable(where, 300)} computes with int8 activations (dlc quantize --calibrate), which needs the WGSL language feature ${DOT4_I8_FEATURE} (dot4I8Packed); this adapter lacks it: quantise without --calibrate (int8 weights, f32 activations) or use another adapter`);
}

/** An int8 weight's buffer contents: its values four to a word (zero-padded to a whole word), then its scales. */
function int8Buffer(q: Int8Array, scales: Float32Array): Uint8Array {
  const bytes = new Uint8Array(int8WeightBytes(q.length, scales.length));
  bytes.set(new Uint8Array(q.buffer, q.byteOffset, q.length));
  bytes.set(new Uint8Array(scales.buffer, scales.byteOffset, scales.byteLength), bytes.length - scales.byteLength);
  return bytes;
}

/** An f16 weight's buffer contents: its values two to a word, an odd count zero-padded to a whole word. */
function f16Buffer(bits: Uint16Array): Uint8Array {
  const bytes = new Uint8Array(f16WeightBytes(bits.length));
  bytes.set(new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength));
  return bytes;
}

/** Every kernel's pipeline and bind group, in dispatch order; a WGSL error names the kernel. */
async function createKernels(device: GPUDevice, m: InferenceManifest, buffers: GPUBuffer[]): Promise<Kernel[]> {
  const modules = new Map<string, GPUShaderModule>();
  const kernels: Kernel[] = [];
  device.pushErrorScope('validation');
  for (const [index, k] of m.kernels.entries()) {
    let module = modules.get(k.shader);
    if (!module) {
      module = device.createShaderModule({ code: m.shaders[k.shader]!, label: k.shader });
      const errors = (await module.getCompilationInfo()).messages.filter((x) => x.type === 'error');
      if (errors.length) {
        await device.popErrorScope();
        const dot4 = m.shaders[k.shader]!.includes('dot4I8Packed') ? ` (it uses dot4I8Packed, of the WGSL language feature ${DOT4_I8_FEATURE}, for int8 activations: an adapter without it needs dlc quantize without --calibrate)` : '';
        throw new InferenceError(`kernel '${printable(k.name)}'${k.origin ? ` (${printable(k.origin)})` : ''} does not compile: ${errors.map((e) => `${e.lineNum}:${e.linePos} ${printable(e.message)}`).join('; ')}${dot4} (export the model again; if it persists, it is a bug in dlc)`);
      }
      modules.set(k.shader, module);
    }
    const layout = device.createBindGroupLayout({
      entries: k.bindings.map((b) => ({ binding: b.binding, visibility: COMPUTE, buffer: { type: b.access === 'uniform' ? 'uniform' : b.access === 'read' ? 'read-only-storage' : 'storage' } })),
    });
    const pipeline = device.createComputePipeline({ layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }), compute: { module, entryPoint: 'main' }, label: k.name });
    const bindGroup = device.createBindGroup({
      layout,
      entries: k.bindings.map((b) => ({ binding: b.binding, resource: b.size === undefined ? { buffer: buffers[b.buffer]! } : { buffer: buffers[b.buffer]!, offset: b.offset ?? 0, size: b.size } })),
    });
    kernels.push({ pipeline, bindGroup, index });
  }
  const err = await device.popErrorScope();
  if (err) throw new InferenceError(`creating the kernels failed: ${printable(err.message.split('\n')[0]!.trim())} (export the model again; if it persists, it is a bug in dlc)`);
  return kernels;
}

/**
 * The files of an inference artifact served over HTTP: `base` is the folder's URL (manifest.json
 * and weights.safetensors beside each other under it).
 * @throws InferenceError naming the URL that failed
 */
export async function fetchInferenceFiles(base: string | URL, fetchFn: typeof fetch = fetch): Promise<InferenceFiles> {
  const folder = String(base).endsWith('/') ? String(base) : `${String(base)}/`;
  const get = async (name: string): Promise<Response> => {
    const url = new URL(name, folder).href;
    let res: Response;
    try {
      res = await fetchFn(url);
    } catch (err) {
      throw new InferenceError(`cannot fetch ${printable(url, 300)}: ${printable((err as Error).message)}`);
    }
    if (!res.ok) throw new InferenceError(`cannot fetch ${printable(url, 300)}: HTTP ${res.status}`);
    return res;
  };
  const [manifest, weights] = await Promise.all([get('manifest.json').then((r) => r.text()), get('weights.safetensors').then((r) => r.arrayBuffer())]);
  return { manifest, weights: new Uint8Array(weights), source: folder.replace(/\/$/, '') };
}

/**
 * The export's buffers and bindings against this device's limits, before anything is allocated: an
 * export made for a larger device, or with a large --max-batch, gets a message saying so.
 * @throws InferenceError
 */
function checkDeviceLimits(m: InferenceManifest, limits: GPUSupportedLimits, where: string): void {
  const breach = firstLimitBreach(m.buffers, m.kernels, limits);
  if (breach === undefined) return;
  const again = `export the model again with a smaller --max-batch (it is ${groupDigits(m.maxBatch)})`;
  const allows = `this device allows ${groupDigits(breach.limit)}`;
  const fail = (what: string): never => { throw new InferenceError(`${printable(where, 300)}: ${what}`); };
  switch (breach.what) {
    case 'buffer-size':
      return fail(`buffer '${printable(breach.buffer.label)}' needs ${groupDigits(breach.size)} bytes; ${allows} (${breach.limitName}): ${again}`);
    case 'storage-buffers':
      return fail(`kernel '${printable(breach.kernel.name)}' binds ${breach.count} storage buffers; ${allows} (${breach.limitName})`);
    case 'binding-size':
      return fail(`kernel '${printable(breach.kernel.name)}' binds ${groupDigits(breach.size)} bytes of '${printable(breach.buffer.label)}'; ${allows} per binding (${breach.limitName}): ${again}`);
    case 'workgroups':
      return fail(`kernel '${printable(breach.kernel.name)}' dispatches ${groupDigits(breach.count)} workgroups in one dimension at batch ${groupDigits(m.maxBatch)}; ${allows} (${breach.limitName}): ${again}`);
  }
}
