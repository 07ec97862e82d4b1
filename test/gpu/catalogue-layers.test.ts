// The layers of issue 20's catalogue on both adapters against the float64 interpreter, at awkward
// shapes (odd lengths and planes, a batch of 3, channel counts off the kernels' blocks): forward
// values of every layer, then three sgd steps through all of them (the loss each step and the
// final parameters), so each one compiles and trains.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { Rng } from '../../runtime/random.ts';
import { Session } from '../../runtime/session.ts';
import { ADAPTERS, relError, useDevice } from '../helpers/gpu.ts';
import { ReferenceRun } from '../helpers/reference.ts';

const B = 3;
const STEPS = 3;

interface Case {
  src: string;
  /** Per-sample sizes of the input x and the target t. */
  x: number;
  t: number;
  outputs: string[];
}

const train = (out: string): string => `train m { loss = mse(${out}, t); optimizer = sgd(lr: 0.05); batch = ${B}; seed = 7 }
`;

const CASES: Record<string, Case> = {
  conv1d: {
    src: `model m {
  input x: f32[3, 13]
  input t: f32[5]
  a = x -> conv1d(5, kernel: 3, stride: 2, padding: same, activation: relu)
  b = x -> conv1d(4, kernel: 3, dilation: 2, padding: causal, groups: 1) -> tanh
  c = concat(a, b -> conv1d(5, kernel: 1, stride: 2), axis: 1)
  p = c -> flatten -> dense(5)
  output a, b, c, p
}
${train('p')}`,
    x: 39, t: 5, outputs: ['a', 'b', 'c', 'p'],
  },
  conv2d_transpose: {
    src: `model m {
  input x: f32[3, 5, 7]
  input t: f32[4]
  a = x -> conv2d_transpose(5, kernel: 3, stride: 2, padding: same, activation: relu)
  b = x -> conv2d_transpose(2, kernel: [2, 3], stride: [1, 2])
  c = x -> conv2d(4, kernel: 3) -> conv2d_transpose(3, kernel: 3, dilation: 2, padding: same)
  p = concat(a -> global_avgpool, b -> global_maxpool, c -> global_avgpool) -> dense(4)
  output a, b, c, p
}
${train('p')}`,
    x: 105, t: 4, outputs: ['a', 'b', 'c', 'p'],
  },
  pooling_norms_prelu_dropout: {
    src: `model m {
  input x: f32[4, 5, 7]
  input t: f32[4]
  a = x -> maxpool(pool: 2, padding: same)
  b = x -> avgpool(pool: 3, stride: 2, padding: same)
  c = concat(a, b, axis: 1) -> groupnorm(groups: 4)
  d = c -> prelu(shared_axes: [2, 3]) -> spatial_dropout2d(0.3)
  e = x -> flatten -> dense(6) -> prelu -> groupnorm(groups: 3, epsilon: 0.01)
  p = concat(d -> flatten, e, axis: 1) -> dense(4)
  output a, b, c, d, e, p
}
${train('p')}`,
    x: 140, t: 4, outputs: ['a', 'b', 'c', 'd', 'e', 'p'],
  },
  depthwise_separable: {
    src: `model m {
  input x: f32[3, 5, 7]
  input t: f32[3]
  a = x -> depthwise_conv2d(kernel: 3, depth_multiplier: 2, padding: same, activation: relu)
  b = a -> separable_conv2d(5, kernel: [2, 3], stride: 2)
  p = b -> global_avgpool -> dense(3)
  output a, b, p
}
${train('p')}`,
    x: 105, t: 3, outputs: ['a', 'b', 'p'],
  },
  upsample_bilinear: {
    src: `model m {
  input x: f32[2, 3, 5]
  input t: f32[3]
  a = x -> upsampling2d(factor: [3, 2], interpolation: bilinear)
  b = x -> conv2d(3, kernel: 2) -> upsample(factor: 2, interpolation: bilinear) -> tanh
  p = concat(a -> global_avgpool, b -> global_maxpool, axis: 1) -> dense(3)
  output a, b, p
}
${train('p')}`,
    x: 30, t: 3, outputs: ['a', 'b', 'p'],
  },
};

for (const adapter of ADAPTERS) {
  describe(`the catalogue's layers on ${adapter}`, () => {
    const device = useDevice(adapter);
    for (const [name, c] of Object.entries(CASES)) {
      it(`${name}: forward values and ${STEPS} sgd steps match the float64 reference`, async (t) => {
        const h = device();
        if (!h) return t.skip();
        const r = compile(c.src, { file: `${name}.dl` });
        expect(r.diagnostics).toEqual([]);
        const ref = new ReferenceRun(r);
        const s = await Session.create(r.artifact!, h.device);
        const rng = new Rng(name.length);
        try {
          for (let k = 0; k < STEPS; k++) {
            const b = { x: Float32Array.from({ length: B * c.x }, () => rng.normal()), t: Float32Array.from({ length: B * c.t }, () => rng.normal()) };
            const want = ref.run('forward', { x: b.x });
            const got = await s.run('forward', { x: b.x }, c.outputs);
            for (const o of c.outputs) expect(relError(got[o]!, want[o]!.data), `step ${k}: ${o}`).toBeLessThan(1e-5);
            const refLoss = ref.trainStep(b);
            const loss = (await s.trainStep(b, { readLoss: true }))!;
            expect(Math.abs(loss - refLoss) / Math.abs(refLoss), `step ${k + 1}: gpu ${loss}, float64 ${refLoss}`).toBeLessThan(1e-5);
          }
          for (const p of r.artifact!.manifest.params) {
            expect(relError(await s.read(p.name), ref.tensor(p.name)), p.name).toBeLessThan(1e-5);
          }
        } finally {
          s.dispose();
        }
      }, 300_000);
    }
  });
}
