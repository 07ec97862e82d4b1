// The 'llvmpipe' kernel target (matmuls in 4×4-invocation workgroups, which Mesa's llvmpipe and
// lavapipe run faster), on both real adapters against the float64 reference: one-op kernels at
// shapes off every block (each transpose, a batch of products, a fused epilogue) and a dense
// network's training, whose forward and both gradients go through it.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import type { Attrs } from '../../compiler/ir/types.ts';
import { ADAPTERS, useDevice } from '../helpers/gpu.ts';
import { caseName, chain, compileWideDense, expectOneOpMatches, expectTrainsAlongReference, WIDE_DENSE } from '../helpers/matmul-targets.ts';

const SMALL_WORKGROUPS = '@workgroup_size(4, 4)';

const CASES: { op: string; shapes: number[][]; attrs?: Attrs }[] = [
  { op: 'matmul', shapes: [[67, 33], [33, 65]] },
  { op: 'matmul', shapes: [[35, 65], [131, 35]], attrs: { transA: true, transB: true } },
  { op: 'matmul', shapes: [[3, 5, 7], [3, 7, 9]] },
  { op: 'matmul_chain', shapes: [[67, 45], [45, 70], [70]], attrs: { chain: chain(['add', [0, 1]], ['relu', [2]]) } },
  { op: 'matmul', shapes: [[9, 3], [3, 2]] },
];

for (const adapter of ADAPTERS) {
  describe(`llvmpipe-target matmul on ${adapter}`, () => {
    const device = useDevice(adapter);
    for (const c of CASES) {
      it(`${caseName(c.op, c.shapes, c.attrs)} matches the float64 reference`, async (t) => {
        const h = device();
        if (!h) return t.skip();
        await expectOneOpMatches(h.device, c.op, c.shapes, c.attrs ?? {}, 'llvmpipe', SMALL_WORKGROUPS);
      });
    }

    it('a dense network compiled for llvmpipe trains along the float64 loss curve, with the default\'s buffers and parameters', async (t) => {
      const h = device();
      if (!h) return t.skip();
      const r = compileWideDense('llvmpipe');
      const base = compile(WIDE_DENSE, { file: 'wide.dl' }).artifact!;
      expect(r.artifact!.manifest.buffers).toEqual(base.manifest.buffers);
      expect(r.artifact!.manifest.params).toEqual(base.manifest.params);
      // Forward of three layers, their weight gradients, two input gradients.
      expect(r.artifact!.manifest.kernels.filter((k) => r.artifact!.shaders[k.shader]!.includes(SMALL_WORKGROUPS)).length).toBeGreaterThanOrEqual(8);
      expect(Object.values(base.shaders).some((w) => w.includes(SMALL_WORKGROUPS))).toBe(false);
      await expectTrainsAlongReference(r, h.device);
    }, 300_000);
  });
}
