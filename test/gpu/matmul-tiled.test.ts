// The workgroup-memory tiled matmul kernel (codegen/wgsl/matmul-tiled.ts), which dlc picks for large
// matmuls when compiling for hardware GPUs (target 'gpu'), on both real adapters against the float64
// reference: one-op kernels at shapes off the 64×64×16 tile (each transpose, fused epilogues), the
// kernel forced onto tiny shapes (3 rows: a batch of 3), and a dense network's training, whose
// forward and both gradients go through it.
import { describe, expect, it } from 'vitest';
import { renderKernel } from '../../compiler/codegen/render.ts';
import type { KernelSpec } from '../../compiler/ir/kernel-spec.ts';
import { matmulLayout, TILED_MATMUL } from '../../compiler/ir/ops/structural.ts';
import { evalOp } from '../../compiler/reference/interp.ts';
import type { Attrs } from '../../compiler/ir/types.ts';
import { Rng } from '../../runtime/random.ts';
import { ADAPTERS, relError, useDevice } from '../helpers/gpu.ts';
import { caseName, chain, compileWideDense, draw, expectOneOpMatches, expectTrainsAlongReference } from '../helpers/matmul-targets.ts';

const TILED = 'var<workgroup> As';

/** Shapes past the 'gpu' rule's bounds (M, N ≥ 64, K ≥ 32) and off every tile edge. */
const CASES: { op: string; shapes: number[][]; attrs?: Attrs }[] = [
  { op: 'matmul', shapes: [[67, 33], [33, 65]] },
  { op: 'matmul', shapes: [[35, 65], [131, 35]], attrs: { transA: true, transB: true } },
  { op: 'matmul_chain', shapes: [[67, 45], [45, 70], [70]], attrs: { chain: chain(['add', [0, 1]], ['relu', [2]]) } },
  { op: 'matmul_chain', shapes: [[66, 70], [67, 70], [66, 67]], attrs: { transB: true, chain: chain(['relu_bwd', [1, 0]]) } },
];

for (const adapter of ADAPTERS) {
  describe(`tiled matmul on ${adapter}`, () => {
    const device = useDevice(adapter);
    for (const c of CASES) {
      it(`${caseName(c.op, c.shapes, c.attrs)} matches the float64 reference`, async (t) => {
        const h = device();
        if (!h) return t.skip();
        await expectOneOpMatches(h.device, c.op, c.shapes, c.attrs ?? {}, 'gpu', TILED);
      });
    }

    // Forced onto shapes below the rule's bounds: every tile partial, K shorter than one step.
    for (const [M, N, K, transA, transB] of [[3, 5, 7, false, false], [3, 70, 33, true, true]] as const) {
      it(`forced onto ${M}×${N}×${K}${transA ? ' transA' : ''}${transB ? ' transB' : ''} matches the float64 reference`, async (t) => {
        const h = device();
        if (!h) return t.skip();
        const d = h.device;
        const { workgroups } = matmulLayout(M, N, TILED_MATMUL);
        const spec = {
          comment: 'tiled matmul test', step: false, workgroups,
          bindings: ['mm_c', 'mm_a', 'mm_b'].map((name, k) => ({ name, access: k ? 'read' : 'read_write', dtype: 'f32', shape: [], vec4: false })),
          template: { kind: 'matmul', a: 'mm_a', b: 'mm_b', out: 'mm_c', M, N, K, batch: 1, transA, transB, ...TILED_MATMUL },
        } as KernelSpec;
        const rng = new Rng(M * N + K);
        const a = draw(rng, M * K);
        const b = draw(rng, K * N);
        const buffer = (data: Float64Array | null, n: number): GPUBuffer => {
          const g = d.createBuffer({ size: n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
          d.queue.writeBuffer(g, 0, data ? Float32Array.from(data) : new Float32Array(n).fill(NaN));
          return g;
        };
        const bufs = [buffer(null, M * N), buffer(a, M * K), buffer(b, K * N)];
        const read = d.createBuffer({ size: M * N * 4, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
        try {
          const pipeline = await d.createComputePipelineAsync({ layout: 'auto', compute: { module: d.createShaderModule({ code: renderKernel(spec) }), entryPoint: 'main' } });
          const enc = d.createCommandEncoder();
          const pass = enc.beginComputePass();
          pass.setPipeline(pipeline);
          pass.setBindGroup(0, d.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: bufs.map((buf, binding) => ({ binding, resource: { buffer: buf } })) }));
          pass.dispatchWorkgroups(...workgroups);
          pass.end();
          enc.copyBufferToBuffer(bufs[0]!, 0, read, 0, M * N * 4);
          d.queue.submit([enc.finish()]);
          await read.mapAsync(GPUMapMode.READ);
          const got = new Float32Array(read.getMappedRange().slice(0));
          const ref = evalOp('matmul', [{ shape: transA ? [K, M] : [M, K], data: a }, { shape: transB ? [N, K] : [K, N], data: b }], { transA, transB }, [M, N], { lr: 0, step: 0, seed: 0 })[0]!;
          expect(relError(got, ref.data)).toBeLessThan(1e-5);
        } finally {
          for (const x of [...bufs, read]) x.destroy();
        }
      });
    }

    it('a dense network compiled for GPUs trains along the float64 loss curve', async (t) => {
      const h = device();
      if (!h) return t.skip();
      const r = compileWideDense('gpu');
      const tiled = r.artifact!.manifest.kernels.filter((k) => r.artifact!.shaders[k.shader]!.includes(TILED)).map((k) => k.name);
      // Forward of the first two layers, their filter gradients, the second layer's input gradient.
      expect(tiled.length).toBeGreaterThanOrEqual(5);
      await expectTrainsAlongReference(r, h.device);
    }, 300_000); // some 20 pipelines: Mesa compiles them slowly on a busy machine
  });
}
