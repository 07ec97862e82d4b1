// A kernel that passes its SHA-256 check but not Dawn's WGSL validation (a hostile or hand-made
// artifact) is named by the artifact's folder and the file:line:column of the error.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
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
