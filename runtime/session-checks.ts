// What a Session checks before any GPU object exists: the manifest's fields, the kernels' SHA-256,
// and the artifact's needs against the device's limits. Browser-safe (no Node imports).
/// <reference types="@webgpu/types" />
import type { Artifact, KernelEntry, Manifest } from '../compiler/artifact.ts';
import { printable } from '../dsl/printable.ts';
import { checkKernelHashes } from './kernel-hash.ts';
import { firstLimitBreach } from './limit-breach.ts';
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
  const breach = firstLimitBreach(m.buffers, m.kernels, limits);
  if (breach === undefined) return;
  const allows = `this device allows ${breach.limit}`;
  switch (breach.what) {
    case 'buffer-size':
      throw new SessionError(`buffer '${printable(breach.buffer.label)}' needs ${breach.size} bytes; ${allows} (${breach.limitName}): use a smaller model or batch`);
    case 'storage-buffers':
      throw new SessionError(`${kernelLabel(breach.kernel, source)} binds ${breach.count} storage buffers; ${allows} (${breach.limitName})`);
    case 'binding-size':
      throw new SessionError(`${kernelLabel(breach.kernel, source)} binds ${breach.size} bytes of '${printable(breach.buffer.label)}'; ${allows} per binding (${breach.limitName}): use a smaller layer or batch`);
    case 'workgroups':
      throw new SessionError(`${kernelLabel(breach.kernel, source)} dispatches ${breach.count} workgroups in one dimension; ${allows} (${breach.limitName})`);
  }
}
