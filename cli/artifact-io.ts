// Writing an artifact folder (manifest.json + kernels/*.wgsl) without touching anything else in it:
// the folder may also hold weights, checkpoints and histories, and they survive a recompile.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Artifact } from '../compiler/artifact.ts';
import { printable } from '../dsl/printable.ts';
import { fsFor, fsReason, makeFolder, writeFileSafely, WriteError, type WriteFs, type WriteOptions } from '../runtime/write-node.ts';

/** Kernel file names dlc writes (as runtime/artifact-node.ts reads them): plain names inside kernels/. */
const KERNEL_FILE = /^[A-Za-z0-9_.-]+\.wgsl$/;
/** A manifest larger than this is not one dlc wrote; it is not read to look for kernel names. */
const MANIFEST_READ_LIMIT = 64 << 20;

export interface WriteArtifactOptions extends WriteOptions {
  /** Write into a non-empty folder that holds no dlc artifact (still replacing only dlc's own files). */
  force?: boolean;
}

/**
 * The kernel files named by the dlc manifest already in `dir`, or undefined when `dir` holds no
 * dlc artifact (no manifest.json, or one dlc did not write).
 */
async function previousKernels(fs: WriteFs, dir: string): Promise<Set<string> | undefined> {
  const path = join(dir, 'manifest.json');
  try {
    const s = await fs.lstat(path);
    if (!s.isFile() || s.size > MANIFEST_READ_LIMIT) return undefined;
    const m = JSON.parse(await readFile(path, 'utf8')) as { format?: unknown; kernels?: unknown };
    if (m?.format !== 'dlc-artifact') return undefined;
    const names = Array.isArray(m.kernels) ? m.kernels.map((k: { shader?: unknown }) => k?.shader) : [];
    return new Set(names.filter((n): n is string => typeof n === 'string' && KERNEL_FILE.test(n)));
  } catch {
    return undefined;
  }
}

/**
 * Writes the artifact into `dir`, replacing only dlc's own files: each kernel goes in by its own
 * atomic rename, manifest.json last (it is what a reader opens, and kernel names carry a hash of
 * their code, so the old manifest still finds its kernels until then), and kernels only the old
 * manifest named are removed after. Anything else in `dir` is left as it was. A non-empty folder
 * without a dlc artifact is refused unless `opts.force`.
 * @throws WriteError naming the user's path
 */
export async function writeArtifact(dir: string, a: Artifact, opts: WriteArtifactOptions = {}): Promise<void> {
  const fs = fsFor(opts);
  const created = await makeFolder(dir, opts);
  const old = created ? undefined : await previousKernels(fs, dir);
  if (!created && !old && !opts.force) {
    let entries: string[];
    try {
      entries = await fs.readdir(dir);
    } catch (err) {
      throw new WriteError(`cannot write into ${printable(dir)}: ${fsReason(err)}`, { cause: err });
    }
    if (entries.length > 0) {
      throw new WriteError(`${printable(dir)} is not empty and holds no dlc artifact; choose another -o, or add --force to write manifest.json and kernels/ into it (nothing else is touched)`);
    }
  }
  const kernels = join(dir, 'kernels');
  const madeKernels = await makeFolder(kernels, opts);
  // Files this run adds, removed again if it fails, so that a failed compile leaves the folder as it was.
  const added: string[] = [];
  try {
    for (const [file, code] of Object.entries(a.shaders)) {
      const path = join(kernels, file);
      if (!(await exists(fs, path))) added.push(path);
      await writeFileSafely(path, code, opts);
    }
    await writeFileSafely(join(dir, 'manifest.json'), `${JSON.stringify(a.manifest, null, 2)}\n`, opts);
  } catch (err) {
    for (const path of added) await fs.unlink(path).catch(() => undefined);
    if (madeKernels) await fs.rmdir(kernels).catch(() => undefined);
    if (created) await fs.rmdir(dir).catch(() => undefined);
    throw err;
  }
  for (const stale of old ?? []) {
    if (a.shaders[stale] !== undefined) continue;
    const path = join(kernels, stale);
    try {
      if ((await fs.lstat(path)).isFile()) await fs.unlink(path);
    } catch {
      // Already gone: nothing to clean.
    }
  }
}

async function exists(fs: WriteFs, path: string): Promise<boolean> {
  try {
    await fs.lstat(path);
    return true;
  } catch {
    return false;
  }
}
