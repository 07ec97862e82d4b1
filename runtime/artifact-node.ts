// Loading a compiled artifact folder (manifest.json + kernels/*.wgsl) from disk in Node. The folder is
// untrusted: every file must resolve inside it (no symbolic link out), be a regular file of bounded
// size, and kernels must match the manifest's SHA-256. Errors name the paths the user gave.
import { realpath, readFile, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { Artifact, Manifest } from '../compiler/artifact.ts';
import { printable } from '../dsl/printable.ts';
import { fsReason } from './write-node.ts';
import { jsonErrorOffset, lineAndColumn } from './json-location.ts';
import { checkKernelHash, type KernelHashError } from './kernel-hash.ts';
import { ManifestError, validateManifest } from './manifest-check.ts';
import { SessionError } from './session-error.ts';

/** Far above what the compiler writes (a ResNet's manifest is ~140 kB, its largest kernel ~19 kB). */
const MAX_MANIFEST_BYTES = 16 * 2 ** 20;
const MAX_KERNEL_BYTES = 4 * 2 ** 20;

/** The bytes of `rel` inside the artifact folder `dir` (real path `root`), or a SessionError naming it. */
async function readInside(dir: string, root: string, rel: string, maxBytes: number, missing: string): Promise<Uint8Array> {
  const path = printable(join(dir, rel), 300);
  let real: string;
  try {
    real = await realpath(join(root, rel));
  } catch (err) {
    throw new SessionError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? missing : fsReason(err)}`);
  }
  // A link that leads out of the folder could make the runtime read (and quote) any file on the machine.
  if (!real.startsWith(root.endsWith(sep) ? root : root + sep)) throw new SessionError(`${path} leads outside the artifact folder (to ${printable(real, 200)}); an artifact's files must be inside it`);
  try {
    // Stat before opening: opening a FIFO would wait for a writer forever.
    const info = await stat(real);
    if (!info.isFile()) throw new SessionError(`${path} is not a regular file`);
    if (info.size > maxBytes) throw new SessionError(`${path} is ${info.size} bytes; dlc writes at most ${maxBytes} (is this a folder written by dlc compile?)`);
    return await readFile(real);
  } catch (err) {
    if (err instanceof SessionError) throw err;
    throw new SessionError(`cannot read ${path}: ${fsReason(err)}`);
  }
}

/** Where a manifest stops being JSON, in words (the text itself is not quoted: it may be anything). */
function jsonErrorPlace(text: string): string {
  const offset = jsonErrorOffset(text);
  if (offset === undefined) return 'nested too deeply';
  return offset >= text.length ? 'it ends too early' : `at ${lineAndColumn(text, offset)}`;
}

/**
 * Reads an artifact folder written by `dlc compile`, checks its manifest and its kernels' SHA-256;
 * errors name the file (as under `dir`) and the problem.
 */
export async function loadArtifact(dir: string): Promise<Artifact> {
  let root: string;
  try {
    root = await realpath(dir);
  } catch (err) {
    throw new SessionError(`cannot read ${printable(dir, 300)}: ${fsReason(err)}`);
  }
  const path = printable(join(dir, 'manifest.json'), 300);
  const bytes = await readInside(dir, root, 'manifest.json', MAX_MANIFEST_BYTES, 'no such file (is this a folder written by dlc compile?)');
  const text = new TextDecoder().decode(bytes);
  let manifest: Manifest;
  try {
    manifest = validateManifest(JSON.parse(text), path);
  } catch (err) {
    if (err instanceof ManifestError) throw new SessionError(err.message);
    throw new SessionError(`${path} is not valid JSON (${jsonErrorPlace(text)}); recompile the artifact with dlc compile`);
  }
  const shaders: Record<string, string> = {};
  for (const k of manifest.kernels) {
    if (shaders[k.shader] !== undefined) continue;
    const code = await readInside(dir, root, join('kernels', k.shader), MAX_KERNEL_BYTES, `no such file (named by kernel '${printable(k.name)}')`);
    try {
      // The bytes on disk are hashed: a file that is not what the compiler wrote fails here, before decoding.
      checkKernelHash(manifest, k.shader, code, dir);
    } catch (err) {
      throw new SessionError((err as KernelHashError).message);
    }
    shaders[k.shader] = new TextDecoder().decode(code);
  }
  return { manifest, shaders, source: dir };
}
