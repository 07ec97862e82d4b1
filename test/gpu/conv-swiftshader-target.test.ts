// The convolution kernels compiled for target 'swiftshader' (4-pixel blocks, see compiler/ir/ops/conv.ts)
// on both real adapters against the float64 reference: a network of strided, padded, grouped and
// plain convolutions at odd planes and a batch of 3, forward values and three sgd steps (so the
// forward, input-gradient and filter-gradient kernels all run at the narrower blocks).
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { Rng } from '../../runtime/random.ts';
import { Session } from '../../runtime/session.ts';
import { ADAPTERS, relError, useDevice } from '../helpers/gpu.ts';
import { ReferenceRun } from '../helpers/reference.ts';

const B = 3;
const SOURCE = `model m {
  input x: f32[2, 9, 11]
  input y: class[4]
  h = x -> conv2d(5, kernel: 3, stride: 2, padding: same, activation: relu)
    -> conv2d(10, kernel: 2, groups: 5) -> tanh
    -> conv2d(7, kernel: 3, padding: [0, 1])
  logits = h -> flatten -> dense(4)
  output h, logits
}
train m { loss = cross_entropy(logits, y); optimizer = sgd(lr: 0.1); batch = ${B}; seed = 5 }`;
const STEPS = 3;

for (const adapter of ADAPTERS) {
  describe(`convolutions compiled for SwiftShader on ${adapter}`, () => {
    const device = useDevice(adapter);
    it(`forward values and ${STEPS} sgd steps match the float64 reference`, async (t) => {
      const h = device();
      if (!h) return t.skip();
      const r = compile(SOURCE, { file: 'conv.dl', target: 'swiftshader' });
      expect(r.diagnostics).toEqual([]);
      // The narrower blocks really are in use: the CPU target's kernels differ.
      const cpu = compile(SOURCE, { file: 'conv.dl' });
      const convShaders = (a: typeof r) => Object.keys(a.artifact!.shaders).filter((k) => k.startsWith('conv2d')).sort();
      expect(convShaders(r).length).toBeGreaterThan(0);
      expect(convShaders(r)).not.toEqual(convShaders(cpu));
      const ref = new ReferenceRun(r);
      const s = await Session.create(r.artifact!, h.device);
      const rng = new Rng(7);
      try {
        for (let k = 0; k < STEPS; k++) {
          const x = Float32Array.from({ length: B * 2 * 9 * 11 }, () => rng.normal());
          const y = Int32Array.from({ length: B }, () => Math.floor(rng.next() * 4));
          const want = ref.run('forward', { x });
          const got = await s.run('forward', { x }, ['h', 'logits']);
          for (const name of ['h', 'logits']) expect(relError(got[name]!, want[name]!.data), `step ${k}: ${name}`).toBeLessThan(1e-5);
          const refLoss = ref.trainStep({ x, y });
          const loss = (await s.trainStep({ x, y }, { readLoss: true }))!;
          expect(Math.abs(loss - refLoss) / Math.abs(refLoss), `step ${k + 1}: gpu ${loss}, float64 ${refLoss}`).toBeLessThan(1e-5);
        }
        for (const p of r.artifact!.manifest.params) expect(relError(await s.read(p.name), ref.tensor(p.name)), p.name).toBeLessThan(1e-5);
      } finally {
        s.dispose();
      }
    }, 240_000);
  });
}
