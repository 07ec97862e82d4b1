// Pipelines are created and warmed up one by one; whatever
// fails on the way (a pipeline the device refuses, a device lost meanwhile) names the kernel and
// the layer and source line it came from. Progress is reported as pipelines become ready.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Artifact } from '../../compiler/artifact.ts';
import { compile } from '../../compiler/compile.ts';
import { sha256Hex } from '../../compiler/sha256.ts';
import { openDevice } from '../../runtime/device-node.ts';
import { Session, SessionError } from '../../runtime/session.ts';
import { ROOT } from '../helpers/cli.ts';
import { ADAPTERS, useDevice } from '../helpers/gpu.ts';

const blobs = compile(readFileSync(join(ROOT, 'samples/blobs.dl'), 'utf8'), { file: 'samples/blobs.dl' }).artifact!;
const distinct = new Set(blobs.manifest.kernels.map((k) => `${k.bindings.map((b) => b.access).join(',')}\n${blobs.shaders[k.shader]}`)).size;
const first = blobs.manifest.kernels[0]!;
/** "kernel 'matmul+add+relu:dense_1' (samples/blobs.dl:9:21)" as a pattern. */
const named = (k = first): string => `kernel '${k.name.replace(/[+]/g, '\\+')}' \\(samples/blobs\\.dl:\\d+:\\d+\\)`;
const anyKernel = `kernel '[^']+' \\(samples/blobs\\.dl:\\d+:\\d+\\)`;

/** blobs with its first kernel's workgroup size past every device's limit (valid WGSL, re-hashed). */
function withHugeWorkgroup(a: Artifact): Artifact {
  const file = a.manifest.kernels[0]!.shader;
  const wgsl = a.shaders[file]!.replace(/@workgroup_size\([^)]*\)/, '@workgroup_size(1024, 1024)');
  const manifest = structuredClone(a.manifest);
  manifest.kernelSha256[file] = sha256Hex(wgsl);
  return { manifest, shaders: { ...a.shaders, [file]: wgsl } };
}

for (const adapter of ADAPTERS) {
  describe(`pipelines on ${adapter}`, () => {
    const device = useDevice(adapter);
    it('a pipeline the device refuses names its kernel, layer and line, and the reason', async (t) => {
      const h = device();
      if (!h) return t.skip();
      const err = await Session.create(withHugeWorkgroup(blobs), h.device).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SessionError);
      expect((err as Error).message).toMatch(new RegExp(`^${named()} does not make a pipeline on this device: .*workgroup.* \\(recompile the artifact with dlc compile; if it persists, it is a bug in dlc\\)$`));
    });

    it('reports each distinct pipeline as it is created, then each first run', async (t) => {
      const h = device();
      if (!h) return t.skip();
      const created: [number, number][] = [];
      const ran: [number, number][] = [];
      // Another network than the other tests', so that its pipelines are not in the device's cache.
      const art = compile(readFileSync(join(ROOT, 'samples/blobs.dl'), 'utf8').replace('dense(16', 'dense(17'), { file: 'samples/blobs.dl' }).artifact!;
      const s = await Session.create(art, h.device, { onPipeline: (done, total) => created.push([done, total]) });
      const n = await s.warmUp((done, total) => ran.push([done, total]));
      s.dispose();
      const steps = (total: number): [number, number][] => Array.from({ length: total + 1 }, (_, i) => [i, total]);
      expect(n).toBeGreaterThan(1);
      expect(created).toEqual(steps(n));
      expect(ran).toEqual(steps(n));
    });
  });

  describe(`a device lost while compiling, on ${adapter}`, () => {
    it('during pipeline creation names a kernel being created', async (t) => {
      // Its own device (it destroys it), so not the shared useDevice one.
      const h = await openDevice(adapter).catch(() => undefined);
      if (!h) return t.skip();
      const creating = Session.create(blobs, h.device);
      h.device.destroy();
      const err = await creating.catch((e: unknown) => e);
      h.destroy();
      expect(err).toBeInstanceOf(SessionError);
      expect((err as Error).message).toMatch(new RegExp(`^the GPU device was lost \\(.+\\) while creating the pipeline of ${anyKernel}$`));
    });

    it('during the warm-up names the kernel it was compiling', async (t) => {
      const h = await openDevice(adapter).catch(() => undefined);
      if (!h) return t.skip();
      const s = await Session.create(blobs, h.device);
      const third = blobs.manifest.kernels.filter((k, i, all) => all.findIndex((o) => o.shader === k.shader && o.bindings.map((b) => b.access).join() === k.bindings.map((b) => b.access).join()) === i)[2]!;
      const err = await s.warmUp((done) => { if (done === 2) h.device.destroy(); }).catch((e: unknown) => e);
      h.destroy();
      expect(err).toBeInstanceOf(SessionError);
      expect((err as Error).message).toMatch(new RegExp(`^the GPU device was lost \\(.+\\) while compiling ${named(third)}; nothing was trained$`));
    });
  });
}

it('blobs has enough distinct kernels for these tests', () => {
  expect(distinct).toBeGreaterThan(3);
});
