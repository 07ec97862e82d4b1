// The 'llvmpipe' kernel target (matmuls in 4×4-invocation workgroups, which Mesa's llvmpipe and
// lavapipe run faster), on both real adapters against the float64 reference: one-op kernels at
// shapes off every block (each transpose, a batch of products, a fused epilogue) and a dense
// network's training, whose forward and both gradients go through it.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { Graph } from '../../compiler/ir/graph.ts';
import { compileGraph } from '../../compiler/pipeline.ts';
import { evalOp } from '../../compiler/reference/interp.ts';
import type { Attrs } from '../../compiler/ir/types.ts';
import { Rng } from '../../runtime/random.ts';
import { Session } from '../../runtime/session.ts';
import { ADAPTERS, relError, useDevice } from '../helpers/gpu.ts';
import { ReferenceRun } from '../helpers/reference.ts';

const TRAIN = { loss: '', optimizer: { kind: 'sgd' as const, lr: 0, hyper: {} }, batch: 1, epochs: 1, metrics: [], seed: 0, shuffle: false, label: '', prediction: '' };
const chain = (...steps: [string, number[]][]): string => JSON.stringify(steps.map(([op, args]) => ({ op, args, attrs: {} })));
const SMALL_WORKGROUPS = '@workgroup_size(4, 4)';

const CASES: { op: string; shapes: number[][]; attrs?: Attrs }[] = [
  { op: 'matmul', shapes: [[67, 33], [33, 65]] },
  { op: 'matmul', shapes: [[35, 65], [131, 35]], attrs: { transA: true, transB: true } },
  { op: 'matmul', shapes: [[3, 5, 7], [3, 7, 9]] },
  { op: 'matmul_chain', shapes: [[67, 45], [45, 70], [70]], attrs: { chain: chain(['add', [0, 1]], ['relu', [2]]) } },
  { op: 'matmul', shapes: [[9, 3], [3, 2]] },
];

function oneOp(op: string, shapes: number[][], attrs: Attrs) {
  const g = new Graph();
  const ins = shapes.map((s, k) => g.addInput(`x${k}`, 'f32', s));
  const out = g.add(op, ins, attrs, { phase: 'eval' });
  g.programs.eval = g.programs.forward = { nodes: g.nodes.map((n) => n.id), outputs: [{ name: 'out', value: out }] };
  return { artifact: compileGraph(g, { model: op, sourceHash: '', train: TRAIN }, { target: 'llvmpipe' }), outShape: g.value(out).shape };
}

const DENSE = `
model wide {
  input x: f32[70]
  input y: class[5]
  logits = x -> dense(65) -> tanh -> dense(66, activation: relu) -> dense(5)
  output logits
}
train wide { loss = cross_entropy(logits, y); optimizer = adam(lr: 0.01); batch = 67; seed = 3 }`;

for (const adapter of ADAPTERS) {
  describe(`llvmpipe-target matmul on ${adapter}`, () => {
    const device = useDevice(adapter);
    for (const c of CASES) {
      const name = `${c.op} ${c.shapes.map((s) => s.join('×')).join(', ')}${c.attrs?.transA ? ' transA' : ''}${c.attrs?.transB ? ' transB' : ''}`;
      it(`${name} matches the float64 reference`, async (t) => {
        const h = device();
        if (!h) return t.skip();
        const { artifact, outShape } = oneOp(c.op, c.shapes, c.attrs ?? {});
        expect(Object.values(artifact.shaders).every((w) => w.includes(SMALL_WORKGROUPS))).toBe(true);
        const rng = new Rng(name.length + 5);
        const xs = c.shapes.map((s) => ({ shape: s, data: Float64Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => Math.fround(rng.normal())) }));
        const s = await Session.create(artifact, h.device);
        try {
          s.poisonScratch();
          const res = await s.run('forward', Object.fromEntries(xs.map((x, k) => [`x${k}`, Float32Array.from(x.data)])), ['out']);
          const ref = evalOp(c.op, xs, c.attrs ?? {}, outShape, { lr: 0, step: 0, seed: 0 })[0]!;
          expect(relError(res.out!, ref.data)).toBeLessThan(1e-5);
        } finally {
          s.dispose();
        }
      });
    }

    it('a dense network compiled for llvmpipe trains along the float64 loss curve, with the default\'s buffers and parameters', async (t) => {
      const h = device();
      if (!h) return t.skip();
      const r = compile(DENSE, { file: 'wide.dl', target: 'llvmpipe' });
      expect(r.ok).toBe(true);
      const base = compile(DENSE, { file: 'wide.dl' }).artifact!;
      expect(r.artifact!.manifest.buffers).toEqual(base.manifest.buffers);
      expect(r.artifact!.manifest.params).toEqual(base.manifest.params);
      const small = r.artifact!.manifest.kernels.filter((k) => r.artifact!.shaders[k.shader]!.includes(SMALL_WORKGROUPS));
      // Forward of three layers, their weight gradients, two input gradients.
      expect(small.length).toBeGreaterThanOrEqual(8);
      expect(Object.values(base.shaders).some((w) => w.includes(SMALL_WORKGROUPS))).toBe(false);
      const ref = new ReferenceRun(r);
      const s = await Session.create(r.artifact!, h.device);
      try {
        const rng = new Rng(8);
        for (let step = 0; step < 5; step++) {
          const x = Float32Array.from({ length: 67 * 70 }, () => rng.normal());
          const y = Int32Array.from({ length: 67 }, () => rng.int(5));
          const want = ref.trainStep({ x, y });
          const got = (await s.trainStep({ x, y }, { readLoss: true }))!;
          expect(Math.abs(got - want) / Math.abs(want), `step ${step}`).toBeLessThan(1e-4);
        }
      } finally {
        s.dispose();
      }
    }, 120_000);
  });
}
