// The one place that compares what an artifact binds and allocates with a device's limits. Training
// sessions and inference models phrase the answer differently (an inference export is fixed by
// re-exporting with a smaller --max-batch), so this returns the first breach and leaves the words to them.
/// <reference types="@webgpu/types" />

interface LimitedBuffer { size: number; label: string }
interface LimitedKernel {
  name: string;
  bindings: readonly { buffer: number; access: string; size?: number }[];
  /** Absent where the dispatch size depends on the batch at run time (inference). */
  workgroups?: readonly number[];
}

export type LimitBreach<K extends LimitedKernel> =
  | { what: 'buffer-size'; buffer: LimitedBuffer; size: number; limit: number; limitName: 'maxBufferSize' }
  | { what: 'storage-buffers'; kernel: K; count: number; limit: number; limitName: 'maxStorageBuffersPerShaderStage' }
  | { what: 'binding-size'; kernel: K; buffer: LimitedBuffer; size: number; limit: number; limitName: 'maxStorageBufferBindingSize' }
  | { what: 'workgroups'; kernel: K; count: number; limit: number; limitName: 'maxComputeWorkgroupsPerDimension' };

/** The first buffer or kernel that needs more than `limits` allow, or undefined when all fit. */
export function firstLimitBreach<K extends LimitedKernel>(buffers: readonly LimitedBuffer[], kernels: readonly K[], limits: GPUSupportedLimits): LimitBreach<K> | undefined {
  for (const buffer of buffers) {
    if (buffer.size > limits.maxBufferSize) return { what: 'buffer-size', buffer, size: buffer.size, limit: limits.maxBufferSize, limitName: 'maxBufferSize' };
  }
  for (const kernel of kernels) {
    const storage = kernel.bindings.filter((b) => b.access !== 'uniform');
    if (storage.length > limits.maxStorageBuffersPerShaderStage) {
      return { what: 'storage-buffers', kernel, count: storage.length, limit: limits.maxStorageBuffersPerShaderStage, limitName: 'maxStorageBuffersPerShaderStage' };
    }
    for (const b of storage) {
      const buffer = buffers[b.buffer]!;
      const size = b.size ?? buffer.size;
      if (size > limits.maxStorageBufferBindingSize) {
        return { what: 'binding-size', kernel, buffer, size, limit: limits.maxStorageBufferBindingSize, limitName: 'maxStorageBufferBindingSize' };
      }
    }
    if (kernel.workgroups !== undefined) {
      const most = Math.max(...kernel.workgroups);
      if (most > limits.maxComputeWorkgroupsPerDimension) {
        return { what: 'workgroups', kernel, count: most, limit: limits.maxComputeWorkgroupsPerDimension, limitName: 'maxComputeWorkgroupsPerDimension' };
      }
    }
  }
  return undefined;
}
