// Artifact folders are untrusted: kernels must match the manifest's SHA-256, no file may lead out of
// the folder, nothing read is quoted back beyond a short printable excerpt, errors name the path given.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Artifact } from '../../compiler/artifact.ts';
import { compile } from '../../compiler/compile.ts';
import { writeArtifact } from '../../cli/artifact-io.ts';
import { loadArtifact } from '../../runtime/artifact-node.ts';
import { checkKernelHashes, KernelHashError } from '../../runtime/kernel-hash.ts';
import { SessionError } from '../../runtime/session.ts';
import { messageOf } from '../helpers/errors.ts';
import { ROOT } from '../helpers/cli.ts';

const compiled = compile(readFileSync(join(ROOT, 'samples/blobs.dl'), 'utf8'), { file: 'samples/blobs.dl' }).artifact!;
const kernel = compiled.manifest.kernels[0]!.shader;

/** A fresh copy of the blobs artifact in a temporary folder. */
async function artifactDir(): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), 'dlc-art-')), 'blobs');
  await writeArtifact(dir, compiled);
  return dir;
}

async function loadError(dir: string): Promise<string> {
  try {
    await loadArtifact(dir);
  } catch (e) {
    expect(e).toBeInstanceOf(SessionError);
    return (e as Error).message;
  }
  throw new Error('expected a SessionError');
}

describe('loadArtifact', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await artifactDir();
  });

  it('loads what dlc compile wrote, with the folder it came from', async () => {
    const a = await loadArtifact(dir);
    expect(a).toEqual({ ...compiled, source: dir });
  });

  it('refuses a kernel changed after compiling, naming the file', async () => {
    const d = await artifactDir();
    writeFileSync(join(d, 'kernels', kernel), readFileSync(join(d, 'kernels', kernel), 'utf8').replace('fn main', '// edited\nfn main'));
    expect(await loadError(d)).toBe(`${d}/kernels/${kernel} does not match the manifest's sha256; the artifact was modified after compiling (recompile it with dlc compile)`);
  });

  it('refuses a kernel that links out of the folder, and quotes none of the target', async () => {
    const d = await artifactDir();
    rmSync(join(d, 'kernels', kernel));
    symlinkSync('/etc/passwd', join(d, 'kernels', kernel));
    const msg = await loadError(d);
    expect(msg).toBe(`${d}/kernels/${kernel} leads outside the artifact folder (to /etc/passwd); an artifact's files must be inside it`);
    expect(msg).not.toContain('root:');
  });

  it('refuses a manifest that links out of the folder', async () => {
    const d = await artifactDir();
    rmSync(join(d, 'manifest.json'));
    symlinkSync('/etc/passwd', join(d, 'manifest.json'));
    expect(await loadError(d)).toBe(`${d}/manifest.json leads outside the artifact folder (to /etc/passwd); an artifact's files must be inside it`);
  });

  it('follows links that stay inside the folder', async () => {
    const d = await artifactDir();
    renameSync(join(d, 'kernels', kernel), join(d, 'kept.wgsl'));
    symlinkSync('../kept.wgsl', join(d, 'kernels', kernel));
    expect((await loadArtifact(d)).shaders[kernel]).toBe(compiled.shaders[kernel]);
  });

  it('says where a manifest stops being JSON without quoting its bytes', async () => {
    const d = await artifactDir();
    writeFileSync(join(d, 'manifest.json'), 'root:x:0:0:root:/root:/bin/bash\n');
    expect(await loadError(d)).toBe(`${d}/manifest.json is not valid JSON (at line 1, column 1); recompile the artifact with dlc compile`);
    writeFileSync(join(d, 'manifest.json'), '{\n  "format": "dlc-artifact",\n  "secret" 42\n}');
    expect(await loadError(d)).toBe(`${d}/manifest.json is not valid JSON (at line 3, column 12); recompile the artifact with dlc compile`);
    // V8 names no position for an unexpected token: the scanner finds it.
    writeFileSync(join(d, 'manifest.json'), '{\n  "format": "dlc-artifact",\n  "version": x\n}');
    expect(await loadError(d)).toBe(`${d}/manifest.json is not valid JSON (at line 3, column 14); recompile the artifact with dlc compile`);
    writeFileSync(join(d, 'manifest.json'), '');
    expect(await loadError(d)).toBe(`${d}/manifest.json is not valid JSON (it ends too early); recompile the artifact with dlc compile`);
  });

  it('refuses a manifest that is not a regular file (a FIFO would block the read forever)', async () => {
    const d = await artifactDir();
    rmSync(join(d, 'manifest.json'));
    execFileSync('mkfifo', [join(d, 'manifest.json')]);
    expect(await loadError(d)).toBe(`${d}/manifest.json is not a regular file`);
  });

  it('refuses an artifact of the previous version: it has no kernel hashes to check', async () => {
    const d = await artifactDir();
    const m = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8'));
    delete m.kernelSha256;
    writeFileSync(join(d, 'manifest.json'), JSON.stringify({ ...m, version: 2 }));
    expect(await loadError(d)).toBe(`${d}/manifest.json: version: 2 is not supported; this runtime reads version 3 (recompile with dlc compile)`);
  });

  it('names files by the path the user gave, not where links resolve', async () => {
    const d = await artifactDir();
    const link = join(mkdtempSync(join(tmpdir(), 'dlc-link-')), 'art');
    symlinkSync(d, link);
    copyFileSync(join(d, 'kernels', compiled.manifest.kernels[1]!.shader), join(d, 'kernels', kernel));
    expect(await loadError(link)).toBe(`${link}/kernels/${kernel} does not match the manifest's sha256; the artifact was modified after compiling (recompile it with dlc compile)`);
  });

  it('names a missing kernel file and the kernel that needs it', async () => {
    const d = await artifactDir();
    rmSync(join(d, 'kernels', kernel));
    expect(await loadError(d)).toBe(`cannot read ${d}/kernels/${kernel}: no such file (named by kernel '${compiled.manifest.kernels[0]!.name}')`);
  });
});

describe('checkKernelHashes (Session.create runs it on every artifact)', () => {
  it('refuses WGSL changed in memory, naming the kernel file', () => {
    const a: Artifact = { ...compiled, shaders: { ...compiled.shaders, [kernel]: `${compiled.shaders[kernel]}\n` } };
    expect(messageOf(() => checkKernelHashes(a), KernelHashError)).toBe(`kernels/${kernel} does not match the manifest's sha256; the artifact was modified after compiling (recompile it with dlc compile)`);
    expect(messageOf(() => checkKernelHashes({ ...a, source: 'art/' }), KernelHashError)).toBe(`art/kernels/${kernel} does not match the manifest's sha256; the artifact was modified after compiling (recompile it with dlc compile)`);
    expect(() => checkKernelHashes(compiled)).not.toThrow();
  });
});
