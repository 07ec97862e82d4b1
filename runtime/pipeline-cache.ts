// Shader modules, layouts and pipelines of one device, keyed by WGSL text and binding layout:
// every Session on the device shares them, so a kernel compiles once per process (creating a
// llvmpipe pipeline costs up to seconds; Mesa's disk cache only helps the next process).
// Pipelines are created one by one with createComputePipeline, not createComputePipelineAsync:
// Dawn's async form runs on a worker pool whose events deadlocked the process (main thread waiting
// in InstanceBase::ProcessEvents) or aborted it (a pthread mutex assertion) after a test destroyed a
// device, twice in full suite runs; on Mesa the real compile happens at the first dispatch anyway.
/// <reference types="@webgpu/types" />
import type { Artifact, KernelEntry } from '../compiler/artifact.ts';
import { printable } from '../dsl/printable.ts';
import { kernelPath } from './kernel-hash.ts';
import { kernelLabel } from './session-checks.ts';
import { SessionError } from './session-error.ts';

const COMPUTE = 0x4; // GPUShaderStage.COMPUTE, spelled out so the module loads before globals exist.
const RECOMPILE = '(recompile the artifact with dlc compile; if it persists, it is a bug in dlc)';

/** A kernel ready to dispatch: its pipeline, its buffers bound, and its manifest entry. */
export interface BoundKernel {
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  spec: KernelEntry;
}

/** Told after each distinct pipeline of an artifact is ready: `done` of `total`. */
export type PipelineProgress = (done: number, total: number) => void;

interface DeviceCache {
  modules: Map<string, GPUShaderModule>;
  layouts: Map<string, GPUBindGroupLayout>;
  /** Pipelines created; a refused one is not kept, so a later session tries again. */
  pipelines: Map<string, GPUComputePipeline>;
  /** Why the device was lost, once it was. */
  lost?: string;
}
const deviceCaches = new WeakMap<GPUDevice, DeviceCache>();

function deviceCache(device: GPUDevice): DeviceCache {
  let c = deviceCaches.get(device);
  if (!c) {
    const cache: DeviceCache = { modules: new Map(), layouts: new Map(), pipelines: new Map() };
    void device.lost.then((info) => { cache.lost = info.message || info.reason || 'unknown reason'; });
    deviceCaches.set(device, cache);
    c = cache;
  }
  return c;
}

/** How many compute pipelines this process has asked for on `device` (for tests of the cache). */
export function pipelinesCreated(device: GPUDevice): number {
  return deviceCaches.get(device)?.pipelines.size ?? 0;
}

/** The shader module of `k`, checked: a WGSL error names the kernel and file:line:column. */
async function shaderModule(device: GPUDevice, cache: DeviceCache, artifact: Artifact, k: KernelEntry): Promise<GPUShaderModule> {
  const code = artifact.shaders[k.shader]!;
  let module = cache.modules.get(code);
  if (module) return module;
  // In an error scope: an invalid module is reported below with its file and line, not printed
  // by Dawn as an uncaptured error. The scope is popped before any await, so concurrent calls nest.
  device.pushErrorScope('validation');
  module = device.createShaderModule({ code, label: k.shader });
  const scope = device.popErrorScope();
  const [info] = await Promise.all([module.getCompilationInfo(), scope]);
  const errors = info.messages.filter((x) => x.type === 'error');
  // A compiler bug, or an artifact edited or corrupted on disk: either way, name the kernel.
  if (errors.length) throw new SessionError(`${kernelLabel(k, artifact.source)} does not compile: ${errors.map((e) => `${kernelPath(k.shader, artifact.source)}:${e.lineNum}:${e.linePos} ${printable(e.message)}`).join('; ')} ${RECOMPILE}`);
  cache.modules.set(code, module);
  return module;
}

/**
 * Every kernel of the artifact bound to `buffers` (the artifact's buffers, in manifest order). Its
 * pipelines come from the device's cache or are created one by one; a WGSL error, a pipeline the
 * device refuses or a device lost meanwhile names the kernel (and its layer and source line).
 */
export async function bindKernels(device: GPUDevice, artifact: Artifact, buffers: GPUBuffer[], onProgress?: PipelineProgress): Promise<BoundKernel[]> {
  const cache = deviceCache(device);
  const lostWhile = (k: KernelEntry): SessionError => new SessionError(`the GPU device was lost (${cache.lost}) while creating the pipeline of ${kernelLabel(k, artifact.source)}`);
  if (cache.lost !== undefined) throw lostWhile(artifact.manifest.kernels[0]!);
  const layoutOf = (k: KernelEntry): { key: string; layout: GPUBindGroupLayout } => {
    const key = k.bindings.map((b) => b.access).join(',');
    let layout = cache.layouts.get(key);
    if (!layout) {
      layout = device.createBindGroupLayout({
        entries: k.bindings.map((b) => ({
          binding: b.binding,
          visibility: COMPUTE,
          buffer: { type: b.access === 'uniform' ? 'uniform' : b.access === 'read' ? 'read-only-storage' : 'storage' },
        })),
      });
      cache.layouts.set(key, layout);
    }
    return { key, layout };
  };
  // Every module checked first (a WGSL error is the likelier failure, and the clearer message).
  const modules = await settled(artifact.manifest.kernels.map((k) => shaderModule(device, cache, artifact, k)));
  // Then every pipeline not yet cached, one by one; kernels with the same text share one.
  const pending = new Map<string, { kernel: KernelEntry; index: number }>();
  const keys = artifact.manifest.kernels.map((k, i) => {
    const key = `${layoutOf(k).key}\n${artifact.shaders[k.shader]!}`;
    if (!pending.has(key)) pending.set(key, { kernel: k, index: i });
    return key;
  });
  let done = 0;
  const total = pending.size;
  onProgress?.(0, total);
  for (const [key, { kernel, index }] of pending) {
    if (!cache.pipelines.has(key)) {
      device.pushErrorScope('validation');
      const pipeline = device.createComputePipeline({ layout: device.createPipelineLayout({ bindGroupLayouts: [layoutOf(kernel).layout] }), compute: { module: modules[index]!, entryPoint: 'main' }, label: kernel.name });
      const err = await device.popErrorScope();
      if (cache.lost !== undefined) throw lostWhile(kernel);
      if (err) throw new SessionError(`${kernelLabel(kernel, artifact.source)} does not make a pipeline on this device: ${printable(err.message.split('\n')[0]!.trim(), 400)} ${RECOMPILE}`);
      cache.pipelines.set(key, pipeline);
    }
    onProgress?.(++done, total);
  }
  const ready = cache.pipelines;
  device.pushErrorScope('validation');
  const kernels = artifact.manifest.kernels.map((k, i) => {
    const pipeline = ready.get(keys[i]!)!;
    const bindGroup = device.createBindGroup({
      layout: layoutOf(k).layout,
      entries: k.bindings.map((b) => ({ binding: b.binding, resource: b.size === undefined ? { buffer: buffers[b.buffer]! } : { buffer: buffers[b.buffer]!, offset: b.offset ?? 0, size: b.size } })),
    });
    return { pipeline, bindGroup, spec: k };
  });
  const err = await device.popErrorScope();
  if (err) throw new SessionError(`binding the kernels' buffers failed: ${err.message.split('\n')[0]!.trim()} ${RECOMPILE}`);
  if (cache.lost !== undefined) throw lostWhile(artifact.manifest.kernels[0]!);
  return kernels;
}

/**
 * The values of `promises` once every one has settled, or the first rejection's reason then. Unlike
 * Promise.all it never returns while some are still pending: a caller that destroys the device on
 * failure must not do so while the driver still compiles other pipelines on its threads (Mesa
 * aborts the process on a mutex of a destroyed device).
 */
async function settled<T>(promises: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}
