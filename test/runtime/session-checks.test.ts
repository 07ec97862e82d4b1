// What Session.create checks before it touches the device: the manifest (with the caller's ceiling on
// workgroups), the kernels' SHA-256, and the device limits, naming the artifact's folder when it has one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Artifact } from '../../compiler/artifact.ts';
import { compile } from '../../compiler/compile.ts';
import { checkLimits } from '../../runtime/session-checks.ts';
import { Session, SessionError } from '../../runtime/session.ts';
import { ROOT } from '../helpers/cli.ts';
import { messageOf } from '../helpers/errors.ts';

const blobs = compile(readFileSync(join(ROOT, 'samples/blobs.dl'), 'utf8'), { file: 'samples/blobs.dl' }).artifact!;
/** Checks fail before the device is used: a device with nothing in it proves it. */
const noDevice = {} as GPUDevice;
const createError = async (a: Artifact, opts = {}): Promise<string> => {
  const err = await Session.create(a, noDevice, opts).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SessionError);
  return (err as Error).message;
};

describe('Session.create checks the artifact before the device', () => {
  const file = blobs.manifest.kernels[0]!.shader;
  const tampered: Artifact = { ...blobs, shaders: { ...blobs.shaders, [file]: blobs.shaders[file]!.replace('fn main', 'fn  main') } };

  it('refuses a kernel whose WGSL does not match the manifest, in memory or from a folder', async () => {
    expect(await createError(tampered)).toBe(`kernels/${file} does not match the manifest's sha256; the artifact was modified after compiling (recompile it with dlc compile)`);
    expect(await createError({ ...tampered, source: 'runs/art' })).toBe(`runs/art/kernels/${file} does not match the manifest's sha256; the artifact was modified after compiling (recompile it with dlc compile)`);
  });

  it('takes the ceiling on workgroups per dispatch, and names the manifest file of a loaded artifact', async () => {
    expect(await createError({ ...blobs, source: 'runs/art' }, { maxWorkgroupsPerDispatch: 2 })).toBe('runs/art/manifest.json: kernels[3].workgroups: kernel "sum_to:dense_2" dispatches 3 × 1 × 1 = 3 workgroups; at most 2 are allowed per dispatch');
  });
});

describe('checkLimits', () => {
  const limits = { maxBufferSize: 2 ** 30, maxStorageBuffersPerShaderStage: 1, maxStorageBufferBindingSize: 2 ** 30, maxComputeWorkgroupsPerDimension: 65535 } as GPUSupportedLimits;
  const k = blobs.manifest.kernels[0]!;
  it('names a compiled kernel by its source line', () => {
    expect(messageOf(() => checkLimits(blobs.manifest, limits), SessionError)).toBe(`kernel '${k.name}' (${k.origin}) binds 4 storage buffers; this device allows 1 (maxStorageBuffersPerShaderStage)`);
  });
  it('names a loaded kernel by its artifact first: the source path is the compiling machine\'s', () => {
    expect(messageOf(() => checkLimits(blobs.manifest, limits, 'runs/art'), SessionError)).toBe(`kernel '${k.name}' of runs/art (compiled from ${k.origin}) binds 4 storage buffers; this device allows 1 (maxStorageBuffersPerShaderStage)`);
  });
});
