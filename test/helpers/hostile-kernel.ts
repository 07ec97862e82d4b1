// Hostile artifacts for deadline tests: WGSL inserted at the start of one kernel's main, with the
// kernel's SHA-256 recomputed so the artifact passes every check before it runs.
import type { Artifact } from '../../compiler/artifact.ts';
import { sha256Hex } from '../../compiler/sha256.ts';

/**
 * A loop no compiler may drop (it writes memory) and no data ends: the store makes b0[0] grow, and
 * b0[1] would have to be 654321 at the same time. `first` is b0's first element ("b0[0]" or "b0[0].x").
 */
const endless = (first: (i: number) => string) =>
  `loop { if (${first(0)} == 123456.0 && ${first(1)} == 654321.0) { break; } ${first(0)} = ${first(0)} + 1.0; }`;

/** The element `i` of binding b0 as an f32, whether b0 holds f32 or vec4f. */
const element = (wgsl: string) => (i: number) => (/b0: array<vec4f>/.test(wgsl) ? `b0[${i}].x` : `b0[${i}]`);

/** A copy of `a` whose kernel `index` first runs `code(element)`, re-hashed. */
export function withKernelPrologue(a: Artifact, index: number, code: (b0: (i: number) => string) => string): Artifact {
  const file = a.manifest.kernels[index]!.shader;
  const wgsl = a.shaders[file]!;
  const patched = wgsl.replace(/(fn main\(.*\) \{)/, (m) => `${m}\n  ${code(element(wgsl))}`);
  if (patched === wgsl) throw new Error(`no main in ${file}`);
  const manifest = structuredClone(a.manifest);
  manifest.kernelSha256[file] = sha256Hex(patched);
  return { manifest, shaders: { ...a.shaders, [file]: patched } };
}

/** `a` with an endless loop at the start of kernel `index` (when `condition`, a WGSL bool, holds). */
export function withEndlessLoop(a: Artifact, index: number, condition?: string): Artifact {
  return withKernelPrologue(a, index, (b0) => (condition ? `if (${condition}) { ${endless(b0)} }` : endless(b0)));
}
