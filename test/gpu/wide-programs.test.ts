// Issue 20: programs with many parameters under clipping and L1/L2 penalties, and losses over sums of
// many branches, once fused into kernels binding more storage buffers than devices allow. Each one
// compiles, loads on a device held to the floor's limit, and takes one train step that follows the
// float64 interpreter, on both adapters.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { MAX_STORAGE_BUFFERS } from '../../compiler/ir/kernel-spec.ts';
import { Session } from '../../runtime/session.ts';
import { ADAPTERS, relError, useDevice } from '../helpers/gpu.ts';
import { ReferenceRun } from '../helpers/reference.ts';
import { widePrograms } from '../helpers/wide-programs.ts';

const PROGRAMS = widePrograms();

describe('wide programs train within the binding floor', () => {
  it('the generated programs reach 64 parameters and sums of 32 branches', () => {
    expect(Math.max(...PROGRAMS.map((p) => p.params))).toBe(64);
    expect(PROGRAMS[0]!.source).toContain('b32');
  });

  for (const adapter of ADAPTERS) {
    describe(adapter, () => {
      // The device allows exactly the floor, not the adapter's maximum (16 on both here).
      const device = useDevice(adapter, { maxStorageBuffersPerShaderStage: MAX_STORAGE_BUFFERS });
      for (const p of PROGRAMS) {
        it(`${p.name}: one step matches the float64 loss and parameters`, async (t) => {
          const h = device();
          if (!h) return t.skip();
          expect(h.device.limits.maxStorageBuffersPerShaderStage).toBe(MAX_STORAGE_BUFFERS);
          const r = compile(p.source, { file: 'wide.dl' });
          expect(r.diagnostics).toEqual([]);
          const m = r.artifact!.manifest;
          expect(m.params.length).toBe(p.params);
          for (const k of m.kernels) expect(k.bindings.filter((b) => b.access !== 'uniform').length, k.name).toBeLessThanOrEqual(MAX_STORAGE_BUFFERS);
          const ref = new ReferenceRun(r);
          const want = ref.trainStep(p.inputs);
          const s = await Session.create(r.artifact!, h.device);
          try {
            const got = (await s.trainStep(p.inputs, { readLoss: true }))!;
            expect(Math.abs(got - want) / Math.abs(want)).toBeLessThan(1e-5);
            const w = await s.weights();
            for (const q of m.params) expect(relError(w.get(q.name)!, ref.tensor(q.name)), q.name).toBeLessThan(1e-5);
          } finally {
            s.dispose();
          }
        }, 120_000);
      }
    });
  }
});
