// Errors about an artifact loaded from a folder name that folder: the source path inside it is the
// compiling machine's. A kernel that passes its SHA-256 check but not Dawn's WGSL validation (a
// hostile or hand-made artifact) is named with file:line:column under the folder.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { fit, NonFiniteError } from '../../runtime/fit.ts';
import { Rng } from '../../runtime/random.ts';
import { Session, SessionError } from '../../runtime/session.ts';
import { ROOT } from '../helpers/cli.ts';
import { ADAPTERS, useDevice } from '../helpers/gpu.ts';
import { withKernelPrologue } from '../helpers/hostile-kernel.ts';

const blobs = compile(readFileSync(join(ROOT, 'samples/blobs.dl'), 'utf8'), { file: 'samples/blobs.dl' }).artifact!;

for (const adapter of ADAPTERS) {
  describe(`a kernel that does not compile, on ${adapter}`, () => {
    const device = useDevice(adapter);
    it('is named by the artifact folder, its origin, and file:line:column', async (t) => {
      const h = device();
      if (!h) return t.skip();
      const bad = { ...withKernelPrologue(blobs, 0, () => 'let x: u32 = 1.5;'), source: 'runs/art' };
      const k = blobs.manifest.kernels[0]!;
      const line = bad.shaders[k.shader]!.split('\n').findIndex((l) => l.includes('let x: u32')) + 1;
      const err = await Session.create(bad, h.device).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SessionError);
      expect((err as Error).message).toMatch(new RegExp(`^kernel '${k.name.replace(/[+]/g, '\\+')}' of runs/art \\(compiled from samples/blobs\\.dl:\\d+:\\d+\\) does not compile: runs/art/kernels/${k.shader.replace('.', '\\.')}:${line}:\\d+ [^\\n]+ \\(recompile the artifact with dlc compile; if it persists, it is a bug in dlc\\)$`));
    });
  });
}

describe('a non-finite value in a loaded artifact', () => {
  const device = useDevice('gles');
  it('names the first kernel that wrote it by the folder, then the source line it was compiled from', async (t) => {
    const h = device();
    if (!h) return t.skip();
    const x = Float32Array.from({ length: 64 * 2 }, () => 0.5);
    x[40 * 2] = Infinity; // sample 40: batch 2 (samples 32–63)
    const s = await Session.create({ ...blobs, source: 'runs/art' }, h.device);
    const rng = new Rng(1);
    const y = Int32Array.from({ length: 64 }, () => rng.int(3));
    const err = await fit(s, { count: 64, tensors: { point: x, label: y } }, { epochs: 1, shuffle: false }).catch((e: unknown) => e);
    s.dispose();
    expect(err).toBeInstanceOf(NonFiniteError);
    expect((err as Error).message).toMatch(/; the first non-finite value came from kernel 'matmul\+add\+relu:dense_1' \(runs\/art, compiled from samples\/blobs\.dl:\d+:\d+\)\./);
  });
});
