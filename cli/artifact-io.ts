// Writing an artifact folder (manifest.json + kernels/*.wgsl) with no partial results.
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Artifact } from '../compiler/artifact.ts';
import { UserError } from './errors.ts';

/**
 * Writes the artifact into a temporary sibling folder, then swaps it in, so `dir` holds either
 * the old artifact or the complete new one, never a mix.
 */
export async function writeArtifact(dir: string, a: Artifact): Promise<void> {
  const tmp = `${dir.replace(/\/+$/, '')}.tmp-${process.pid}`;
  const old = `${dir.replace(/\/+$/, '')}.old-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  try {
    await mkdir(join(tmp, 'kernels'), { recursive: true });
    for (const [file, code] of Object.entries(a.shaders)) await writeFile(join(tmp, 'kernels', file), code);
    await writeFile(join(tmp, 'manifest.json'), `${JSON.stringify(a.manifest, null, 2)}\n`);
    if (existsSync(dir)) {
      if (!existsSync(join(dir, 'manifest.json')) && (await readdir(dir)).length > 0) {
        throw new UserError(`${dir} exists and is not a dlc artifact folder; choose another -o`);
      }
      await rename(dir, old);
    }
    await rename(tmp, dir);
    await rm(old, { recursive: true, force: true });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
