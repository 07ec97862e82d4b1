// Ties kernel files to the manifest: each kernels/*.wgsl must have the SHA-256 the compiler recorded.
// Browser-safe (the same check runs in Session.create for artifacts from anywhere).
import type { Artifact, Manifest } from '../compiler/artifact.ts';
import { sha256Hex } from '../compiler/sha256.ts';
import { printable } from '../dsl/printable.ts';

/** A kernel file does not match its manifest; the message names the file. */
export class KernelHashError extends Error {
  override name = 'KernelHashError';
}

/** The path of kernel `file` as the user would find it: under the artifact's folder when it has one. */
export function kernelPath(file: string, source?: string): string {
  return printable(source === undefined ? `kernels/${file}` : `${source.replace(/\/+$/, '')}/kernels/${file}`, 300);
}

/**
 * Throws KernelHashError unless `content` (the file's bytes, or its text as UTF-8) has the SHA-256 the
 * manifest records for `file`. Call after validateManifest, which checks every kernel has one.
 */
export function checkKernelHash(m: Manifest, file: string, content: string | Uint8Array, source?: string): void {
  if (sha256Hex(content) !== m.kernelSha256[file]) {
    throw new KernelHashError(`${kernelPath(file, source)} does not match the manifest's sha256; the artifact was modified after compiling (recompile it with dlc compile)`);
  }
}

/** Checks every kernel file a manifest names is present in `a.shaders` with its recorded SHA-256. */
export function checkKernelHashes(a: Artifact): void {
  const seen = new Set<string>();
  for (const k of a.manifest.kernels) {
    if (seen.has(k.shader)) continue;
    seen.add(k.shader);
    const code = a.shaders[k.shader];
    if (code === undefined) throw new KernelHashError(`${kernelPath(k.shader, a.source)} is missing (named by kernel '${printable(k.name)}')`);
    checkKernelHash(a.manifest, k.shader, code, a.source);
  }
}
