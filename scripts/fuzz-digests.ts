// The artifact fuzz oracle's digest check, apart from the sandbox child that runs it (which talks to
// its parent at import, so tests cannot import it).
import { createHash } from 'node:crypto';
import type { Manifest } from '../compiler/artifact.ts';

/**
 * Kernels the loader accepted although their text differs from the manifest's SHA-256 of it
 * (kernelSha256, by shader file). Other fields are not digests, even when they look like one: a
 * kernel's name may be 64 hex digits.
 */
export function digestProblems(a: { manifest: Manifest; shaders: Record<string, string> }): string[] {
  const out: string[] = [];
  for (const k of a.manifest.kernels) {
    const text = a.shaders[k.shader];
    const digest = a.manifest.kernelSha256[k.shader];
    if (text !== undefined && createHash('sha256').update(text).digest('hex') !== digest) out.push(`accepted: kernel '${k.name}' whose text does not match kernelSha256`);
  }
  return out;
}
