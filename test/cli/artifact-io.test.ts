// writeArtifact on a failing disk: a full or read-only file system gives one message naming the
// user's path (never a temporary name), and the folder keeps exactly what it held before.
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeArtifact } from '../../cli/artifact-io.ts';
import { compile } from '../../compiler/compile.ts';
import type { WriteFs } from '../../runtime/write-node.ts';

const artifactOf = (file: string) => compile(readFileSync(file, 'utf8'), { file }).artifact!;
const blobs = artifactOf('samples/blobs.dl');
const mlp = artifactOf('samples/mnist_mlp.dl');
const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: simulated`), { code });

function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (lstatSync(p).isDirectory()) walk(p);
      else files[relative(dir, p)] = readFileSync(p).toString('base64');
    }
  };
  walk(dir);
  return files;
}

/** Fails with `code` when the file being created is the temporary of `name`, after writing half of it. */
const failOn = (name: string, code: string): Partial<WriteFs> => ({
  writeNew: async (path, data, mode) => {
    await writeFile(path, path.includes(`${name}.tmp-`) ? data.subarray(0, data.length >> 1) : data, { flag: 'wx', mode });
    if (path.includes(`${name}.tmp-`)) throw errno(code);
  },
});

describe('writeArtifact on a failing disk', () => {
  it('no space left while writing manifest.json over an artifact with weights beside it: the old artifact and the weights, byte-identical', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'dlc-art-')), 'art');
    await writeArtifact(dir, blobs);
    writeFileSync(join(dir, 'weights.safetensors'), 'trained');
    const before = snapshot(dir);
    await expect(writeArtifact(dir, mlp, { fs: failOn('manifest.json', 'ENOSPC') })).rejects.toThrow(
      expect.objectContaining({ name: 'WriteError', message: `cannot write ${dir}/manifest.json: no space left on device` }),
    );
    expect(snapshot(dir)).toEqual(before);
  });

  it('no space left for a kernel of a new folder: the folder is not left behind half-written', async () => {
    const base = mkdtempSync(join(tmpdir(), 'dlc-art-'));
    const dir = join(base, 'art');
    const kernel = Object.keys(mlp.shaders)[3]!;
    await expect(writeArtifact(dir, mlp, { fs: failOn(kernel, 'ENOSPC') })).rejects.toThrow(`cannot write ${dir}/kernels/${kernel}: no space left on device`);
    expect(readdirSync(base)).toEqual([]);
  });

  it('a read-only file system is reported as read-only, not as a missing file', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'dlc-art-')), 'art');
    await writeArtifact(dir, blobs);
    const before = snapshot(dir);
    // As Linux answers on a read-only mount: EEXIST for a folder that exists, EROFS for anything new.
    const readOnly: Partial<WriteFs> = {
      writeNew: async () => { throw errno('EROFS'); },
      mkdir: async (path) => { throw errno(existsSync(path) ? 'EEXIST' : 'EROFS'); },
    };
    await expect(writeArtifact(dir, mlp, { fs: readOnly })).rejects.toThrow(`cannot write ${dir}/kernels/${Object.keys(mlp.shaders)[0]}: read-only file system`);
    await expect(writeArtifact(join(dir, 'sub'), mlp, { fs: readOnly })).rejects.toThrow(`cannot create the output folder ${dir}/sub: read-only file system`);
    expect(snapshot(dir)).toEqual(before);
  });
});
