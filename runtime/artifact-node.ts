// Loading a compiled artifact folder (manifest.json + kernels/*.wgsl) from disk in Node.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Artifact, Manifest } from '../compiler/artifact.ts';
import { validateManifest } from './manifest-check.ts';
import { SessionError } from './session.ts';

/** Kernel file names are plain names inside kernels/: nothing from a manifest may point elsewhere. */
const SHADER_NAME = /^[A-Za-z0-9_.-]+\.wgsl$/;

/** Reads an artifact folder written by `dlc compile`; errors name the file and the problem. */
export async function loadArtifact(dir: string): Promise<Artifact> {
  const path = join(dir, 'manifest.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SessionError(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file (is this a folder written by dlc compile?)' : (err as Error).message}`);
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(text) as Manifest;
  } catch (err) {
    throw new SessionError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  try {
    manifest = validateManifest(manifest, path);
  } catch (err) {
    throw new SessionError((err as Error).message);
  }
  const shaders: Record<string, string> = {};
  for (const k of manifest.kernels ?? []) {
    if (shaders[k.shader] !== undefined) continue;
    if (typeof k.shader !== 'string' || !SHADER_NAME.test(k.shader)) throw new SessionError(`${path}: kernel '${String(k.name)}' names an invalid file '${String(k.shader)}'`);
    try {
      shaders[k.shader] = await readFile(join(dir, 'kernels', k.shader), 'utf8');
    } catch {
      throw new SessionError(`${dir}: missing kernels/${k.shader} (named by kernel '${k.name}')`);
    }
  }
  return { manifest, shaders };
}
