// Shader modules, layouts and pipelines of one device, keyed by WGSL text and binding layout:
// every Session on the device shares them, so a kernel compiles once per process (creating a
// llvmpipe pipeline costs up to seconds; Mesa's disk cache only helps the next process).
/// <reference types="@webgpu/types" />
import type { Artifact, KernelEntry } from '../compiler/artifact.ts';
import { printable } from '../dsl/printable.ts';
import { kernelPath } from './kernel-hash.ts';
import { kernelLabel } from './session-checks.ts';
import { SessionError } from './session-error.ts';

const COMPUTE = 0x4; // GPUShaderStage.COMPUTE, spelled out so the module loads before globals exist.

/** A kernel ready to dispatch: its pipeline, its buffers bound, and its manifest entry. */
export interface BoundKernel {
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  spec: KernelEntry;
}

interface DeviceCache {
  modules: Map<string, GPUShaderModule>;
  layouts: Map<string, GPUBindGroupLayout>;
  pipelines: Map<string, GPUComputePipeline>;
}
const deviceCaches = new WeakMap<GPUDevice, DeviceCache>();

function deviceCache(device: GPUDevice): DeviceCache {
  let c = deviceCaches.get(device);
  if (!c) {
    c = { modules: new Map(), layouts: new Map(), pipelines: new Map() };
    deviceCaches.set(device, c);
  }
  return c;
}

/** How many compute pipelines this process has created on `device` (for tests of the cache). */
export function pipelinesCreated(device: GPUDevice): number {
  return deviceCaches.get(device)?.pipelines.size ?? 0;
}

/**
 * Every kernel of the artifact bound to `buffers` (the artifact's buffers, in manifest order), its
 * pipeline taken from the device's cache or created; a WGSL error names the kernel.
 */
export async function bindKernels(device: GPUDevice, artifact: Artifact, buffers: GPUBuffer[]): Promise<BoundKernel[]> {
  const { modules, layouts, pipelines } = deviceCache(device);
  const kernels: BoundKernel[] = [];
  device.pushErrorScope('validation');
  for (const k of artifact.manifest.kernels) {
    const code = artifact.shaders[k.shader]!;
    const layoutKey = k.bindings.map((b) => b.access).join(',');
    let layout = layouts.get(layoutKey);
    if (!layout) {
      layout = device.createBindGroupLayout({
        entries: k.bindings.map((b) => ({
          binding: b.binding,
          visibility: COMPUTE,
          buffer: { type: b.access === 'uniform' ? 'uniform' : b.access === 'read' ? 'read-only-storage' : 'storage' },
        })),
      });
      layouts.set(layoutKey, layout);
    }
    const pipeKey = `${layoutKey}\n${code}`;
    let pipeline = pipelines.get(pipeKey);
    if (!pipeline) {
      let module = modules.get(code);
      if (!module) {
        module = device.createShaderModule({ code, label: k.shader });
        const info = await module.getCompilationInfo();
        const errors = info.messages.filter((x) => x.type === 'error');
        // A compiler bug, or an artifact edited or corrupted on disk: either way, name the kernel.
        if (errors.length) throw new SessionError(`${kernelLabel(k, artifact.source)} does not compile: ${errors.map((e) => `${kernelPath(k.shader, artifact.source)}:${e.lineNum}:${e.linePos} ${printable(e.message)}`).join('; ')} (recompile the artifact with dlc compile; if it persists, it is a bug in dlc)`);
        modules.set(code, module);
      }
      pipeline = device.createComputePipeline({ layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }), compute: { module, entryPoint: 'main' }, label: k.name });
      pipelines.set(pipeKey, pipeline);
    }
    const bindGroup = device.createBindGroup({
      layout,
      entries: k.bindings.map((b) => ({ binding: b.binding, resource: b.size === undefined ? { buffer: buffers[b.buffer]! } : { buffer: buffers[b.buffer]!, offset: b.offset ?? 0, size: b.size } })),
    });
    kernels.push({ pipeline, bindGroup, spec: k });
  }
  const err = await device.popErrorScope();
  if (err) throw new SessionError(`creating the kernels failed: ${err.message.split('\n')[0]!.trim()} (recompile the artifact with dlc compile; if it persists, it is a bug in dlc)`);
  return kernels;
}
