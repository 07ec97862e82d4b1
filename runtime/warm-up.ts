// Compiling kernels ahead of the first step. Mesa's software drivers (llvmpipe, lavapipe) turn a
// pipeline into machine code at its first dispatch, not when it is created: for the MNIST CNN that
// is over a minute inside the first training step. Dispatching each pipeline once, on scratch
// buffers, moves that cost to where it can be announced and timed. Browser-safe.
/// <reference types="@webgpu/types" />
import type { BufferSpec, KernelEntry } from '../compiler/artifact.ts';

const STORAGE = 0x80; // GPUBufferUsage.STORAGE, spelled out so the module loads before globals exist.
const UNIFORM = 0x40;

/** A kernel as a Session holds it: its pipeline and where its bindings point. */
export interface WarmUpKernel {
  pipeline: GPUComputePipeline;
  spec: KernelEntry;
}

/**
 * Dispatches one workgroup of each distinct pipeline against zeroed scratch buffers shaped like
 * the artifact's (so no buffer of the model is read or written), waits for the device, and
 * destroys the scratch buffers. With `onProgress`, waits for each dispatch in turn and says so,
 * naming the kernel that runs next (undefined after the last); an error it throws stops the warm-up.
 * @returns the number of pipelines dispatched
 * @throws Error with the validation message when WebGPU refuses a dispatch
 */
export async function warmUpKernels(device: GPUDevice, buffers: readonly BufferSpec[], kernels: readonly WarmUpKernel[], onProgress?: (done: number, total: number, next: KernelEntry | undefined) => void): Promise<number> {
  const scratch = new Map<number, GPUBuffer>();
  const bufferFor = (index: number): GPUBuffer => {
    let b = scratch.get(index);
    if (!b) {
      const spec = buffers[index]!;
      b = device.createBuffer({ size: spec.size, usage: spec.kind === 'uniform' ? UNIFORM : STORAGE, label: `warm-up ${spec.label}` });
      scratch.set(index, b);
    }
    return b;
  };
  const done = new Set<GPUComputePipeline>();
  const firsts = kernels.filter((k, i) => kernels.findIndex((o) => o.pipeline === k.pipeline) === i);
  const total = firsts.length;
  device.pushErrorScope('validation');
  let failure: unknown;
  try {
    onProgress?.(0, total, firsts[0]?.spec);
    for (const { pipeline, spec } of firsts) {
      done.add(pipeline);
      const bindGroup = device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: spec.bindings.map((b) => ({ binding: b.binding, resource: { buffer: bufferFor(b.buffer), offset: b.offset ?? 0, ...(b.size === undefined ? {} : { size: b.size }) } })),
      });
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(1);
      pass.end();
      // One submission per kernel: lavapipe has crashed on many heavy passes queued at once.
      device.queue.submit([enc.finish()]);
      if (onProgress) {
        await device.queue.onSubmittedWorkDone();
        onProgress(done.size, total, firsts[done.size]?.spec);
      }
    }
    await device.queue.onSubmittedWorkDone();
  } catch (err) {
    failure = err;
  }
  const invalid = await device.popErrorScope();
  for (const b of scratch.values()) b.destroy();
  if (failure !== undefined) throw failure;
  if (invalid) throw new Error(`warming up the kernels failed: ${invalid.message}`);
  return done.size;
}
