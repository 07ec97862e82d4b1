// What a Session checks before any GPU object exists: the manifest's fields, the kernels' SHA-256,
// and the artifact's needs against the device's limits. Browser-safe (no Node imports).
/// <reference types="@webgpu/types" />
import type { Artifact, KernelEntry, Manifest } from '../compiler/artifact.ts';
import { printable } from '../dsl/printable.ts';
import { checkKernelHashes } from './kernel-hash.ts';
import { validateManifest } from './manifest-check.ts';
import { SessionError } from './session-error.ts';

/** The manifest's fields and the kernels' SHA-256, checked before any GPU object exists. */
export function checkArtifact(a: Artifact, maxWorkgroupsPerDispatch: number | undefined): void {
  try {
    const where = a.source === undefined ? 'manifest' : `${a.source.replace(/\/+$/, '')}/manifest.json`;
    validateManifest(a.manifest, where, maxWorkgroupsPerDispatch === undefined ? {} : { maxWorkgroupsPerDispatch });
    checkKernelHashes(a);
  } catch (err) {
    throw new SessionError((err as Error).message);
  }
}

/**
 * A kernel as a message names it: with its source line when compiled here; when loaded from a folder,
 * with that folder first (the source path is the compiling machine's, and may not exist here).
 */
export function kernelLabel(k: KernelEntry, source?: string): string {
  const name = `kernel '${printable(k.name)}'`;
  const origin = k.origin ? printable(k.origin, 200) : undefined;
  if (source === undefined) return `${name}${origin ? ` (${origin})` : ''}`;
  return `${name} of ${printable(source, 300)}${origin ? ` (compiled from ${origin})` : ''}`;
}

/**
 * What the artifact needs against what the device allows, before anything is allocated: a model too
 * big for this device gets a message naming the kernel (its layer and source line) and the limit.
 * `source` is the folder the artifact was loaded from, if it was.
 */
export function checkLimits(m: Manifest, limits: GPUSupportedLimits, source?: string): void {
  const where = (k: KernelEntry): string => kernelLabel(k, source);
  for (const b of m.buffers) {
    if (b.size > limits.maxBufferSize) throw new SessionError(`buffer '${printable(b.label)}' needs ${b.size} bytes; this device allows ${limits.maxBufferSize} (maxBufferSize): use a smaller model or batch`);
  }
  for (const k of m.kernels) {
    const storage = k.bindings.filter((b) => b.access !== 'uniform');
    if (storage.length > limits.maxStorageBuffersPerShaderStage) {
      throw new SessionError(`${where(k)} binds ${storage.length} storage buffers; this device allows ${limits.maxStorageBuffersPerShaderStage} (maxStorageBuffersPerShaderStage)`);
    }
    for (const b of storage) {
      const size = b.size ?? m.buffers[b.buffer]!.size;
      if (size > limits.maxStorageBufferBindingSize) {
        throw new SessionError(`${where(k)} binds ${size} bytes of '${printable(m.buffers[b.buffer]!.label)}'; this device allows ${limits.maxStorageBufferBindingSize} per binding (maxStorageBufferBindingSize): use a smaller layer or batch`);
      }
    }
    const most = Math.max(...k.workgroups);
    if (most > limits.maxComputeWorkgroupsPerDimension) {
      throw new SessionError(`${where(k)} dispatches ${most} workgroups in one dimension; this device allows ${limits.maxComputeWorkgroupsPerDimension} (maxComputeWorkgroupsPerDimension)`);
    }
  }
}
