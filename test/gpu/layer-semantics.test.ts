// Training semantics of issue 20 on both adapters against the float64 interpreter, at awkward widths
// and a batch of 3, three sgd steps each: a conv2d and a dense layer each shared between two inputs
// (their weights get the sum of both uses' gradients, test/compiler/shared-layers.test.ts), and
// per-layer regularisers and bias initialisers beside the train section's (test/compiler/layer-regularizers.test.ts),
// and Keras' clipnorm, each gradient tensor clipped by its own norm (test/compiler/clip-norm.test.ts).
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { Rng } from '../../runtime/random.ts';
import { evaluate } from '../../runtime/fit.ts';
import { Session } from '../../runtime/session.ts';
import { ADAPTERS, relError, useDevice } from '../helpers/gpu.ts';
import { ReferenceRun } from '../helpers/reference.ts';

const B = 3;
const STEPS = 3;
const CLIPPED = (clip: string) => `model m {
  input a: f32[2, 5, 7]
  input y: f32[5]
  z = a -> conv2d(3, kernel: 3) -> global_avgpool -> dense(5, activation: tanh) -> dense(5)
  output z
}
train m { loss = mse(z, y); optimizer = adam(lr: 0.05); batch = ${B}; seed = 2;${clip} }`;
const PROGRAMS = {
  'shared conv2d and dense': `model m {
  input a: f32[2, 5, 7]
  input b: f32[2, 6, 3]
  input y: f32[5]
  c = conv2d(3, kernel: 3, padding: same)
  d = dense(5, activation: tanh)
  p = a -> c -> relu -> global_avgpool -> d
  q = b -> c -> global_avgpool -> d
  z = p * q + p
  output z
}
train m { loss = mse(z, y); optimizer = sgd(lr: 0.5); batch = ${B}; seed = 2 }`,
  'per-layer regularisers and bias initialisers': `model m {
  input a: f32[2, 5, 7]
  input b: f32[2, 6, 3]
  input y: f32[5]
  h = a -> conv2d(3, kernel: 3, kernel_regularizer: l1_l2(l1: 0.002, l2: 0.03), bias_init: ones) -> global_avgpool
  z = h -> dense(5, kernel_regularizer: l2(0.01), bias_regularizer: l1(0.05), bias_init: he_uniform) -> tanh -> dense(5)
  output z
}
train m { loss = mse(z, y); optimizer = sgd(lr: 0.5); regularize = l1(0.01); batch = ${B}; seed = 2 }`,
  'per-tensor clipnorm with adam': CLIPPED(' clip = norm(0.05)'),
};

function batches(): Record<string, Float32Array>[] {
  const rng = new Rng(21);
  const draw = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
  return Array.from({ length: STEPS }, () => ({ a: draw(B * 70), b: draw(B * 36), y: draw(B * 5) }));
}

for (const adapter of ADAPTERS) {
  describe(`layer semantics on ${adapter}`, () => {
    const device = useDevice(adapter);
    for (const [what, src] of Object.entries(PROGRAMS)) {
      it(`${what}: forward and ${STEPS} train steps match the float64 reference`, async (t) => {
        const h = device();
        if (!h) return t.skip();
        const r = compile(src, { file: 'm.dl' });
        expect(r.diagnostics).toEqual([]);
        expect(r.artifact!.manifest.params.length).toBe(what.startsWith('shared') ? 4 : 6);
        // Unclipped, the run ends elsewhere: the clipping acts.
        const unclipped = what.includes('clipnorm') ? new ReferenceRun(compile(CLIPPED(''), { file: 'm.dl' })) : undefined;
        const ref = new ReferenceRun(r);
        const s = await Session.create(r.artifact!, h.device);
        try {
          for (const [k, b] of batches().entries()) {
            const feed: Record<string, Float32Array> = what.startsWith('shared') ? { a: b.a!, b: b.b! } : { a: b.a! };
            const want = ref.run('forward', feed);
            const got = await s.run('forward', feed, ['z']);
            expect(relError(got.z!, want.z!.data), `step ${k}: z`).toBeLessThan(1e-5);
            const train: Record<string, Float32Array> = what.startsWith('shared') ? b : { a: b.a!, y: b.y! };
            const refLoss = ref.trainStep(train);
            unclipped?.trainStep(train);
            const loss = (await s.trainStep(train, { readLoss: true }))!;
            expect(Math.abs(loss - refLoss) / Math.abs(refLoss), `step ${k + 1}: gpu ${loss}, float64 ${refLoss}`).toBeLessThan(1e-5);
          }
          for (const p of r.artifact!.manifest.params) {
            expect(relError(await s.read(p.name), ref.tensor(p.name)), p.name).toBeLessThan(1e-5);
          }
          if (unclipped) expect(Math.max(...r.artifact!.manifest.params.map((p) => relError(Float32Array.from(unclipped.tensor(p.name)), ref.tensor(p.name))))).toBeGreaterThan(1e-3);
        } finally {
          s.dispose();
        }
      }, 240_000);
    }
  });
}

// One-hot targets: "accuracy" is Keras' categorical_accuracy (argmax against argmax, on the GPU) and
// the class metrics read the target's argmax; both equal the sparse-label twin's, which starts from
// the same weights (test/compiler/onehot-accuracy.test.ts).
const ONE_HOT = (target: string) => `model m {
  input x: f32[5]
  input t: ${target}
  logits = x -> dense(6, activation: tanh) -> dense(4)
  output logits
}
train m { loss = cross_entropy(logits, t); optimizer = sgd(lr: 0.1); batch = 7; seed = 4; metrics = [accuracy, precision, recall, f1, confusion_matrix] }`;

for (const adapter of ADAPTERS) {
  describe(`one-hot targets on ${adapter}`, () => {
    const device = useDevice(adapter);
    it('evaluate() gives the sparse labels\' accuracy, precision, recall, f1 and confusion matrix; a train step counts the same correct samples', async (t) => {
      const h = device();
      if (!h) return t.skip();
      const N = 23;
      const rng = new Rng(8);
      const x = Float32Array.from({ length: N * 5 }, () => rng.normal());
      const labels = Int32Array.from({ length: N }, () => rng.int(4));
      const oneHot = Float32Array.from({ length: N * 4 }, (_, k) => (labels[Math.floor(k / 4)] === k % 4 ? 1 : 0));
      const results = [];
      for (const [target, data] of [['f32[4]', oneHot], ['class[4]', labels]] as const) {
        const r = compile(ONE_HOT(target), { file: 'm.dl' });
        expect(r.diagnostics).toEqual([]);
        const s = await Session.create(r.artifact!, h.device);
        try {
          const ev = await evaluate(s, { count: N, tensors: { x, t: data } });
          s.resetMetrics();
          await s.trainStep({ x: x.slice(0, 35), t: data.slice(0, data.length / N * 7) });
          results.push({ ev, correctSum: (await s.metricSums()).correctSum });
        } finally {
          s.dispose();
        }
      }
      const [dense, sparse] = results;
      expect(dense!.ev.accuracy).toBeGreaterThan(0);
      expect(dense!.ev.accuracy).toBeLessThan(1);
      expect(dense!.ev.accuracy).toBe(sparse!.ev.accuracy);
      expect(dense!.ev.loss).toBeCloseTo(sparse!.ev.loss, 5);
      for (const k of ['precision', 'recall', 'f1', 'confusion'] as const) expect(dense!.ev[k], k).toEqual(sparse!.ev[k]);
      expect(dense!.correctSum).toBe(sparse!.correctSum);
    }, 240_000);
  });
}

// Keras' axis arguments: layernorm over an image's channels, batchnorm per feature of a sequence
// (train-mode statistics, and the moving ones), softmax(axis: -1) (test/compiler/axis-args.test.ts).
const AXES = `model m {
  input a: f32[3, 5, 7]
  input s: f32[5, 6]
  input y: f32[5, 6]
  h = a -> conv2d(3, kernel: 3, padding: same) -> layernorm(axis: 1) -> global_avgpool -> dense(6)
  q = s -> batchnorm(axis: -1) -> dense(6) -> softmax(axis: -1)
  z = q * (h -> reshape([1, 6]))
  output z
}
train m { loss = mse(z, y); optimizer = sgd(lr: 0.5); batch = ${B}; seed = 3 }`;

for (const adapter of ADAPTERS) {
  describe(`axis arguments on ${adapter}`, () => {
    const device = useDevice(adapter);
    it(`layernorm(axis: 1), batchnorm(axis: -1), softmax(axis: -1): forward and ${STEPS} train steps match the float64 reference`, async (t) => {
      const h = device();
      if (!h) return t.skip();
      const r = compile(AXES, { file: 'm.dl' });
      expect(r.diagnostics).toEqual([]);
      const ref = new ReferenceRun(r);
      const s = await Session.create(r.artifact!, h.device);
      const rng = new Rng(5);
      const draw = (n: number) => Float32Array.from({ length: n }, () => rng.normal() + 0.3);
      try {
        for (let k = 0; k < STEPS; k++) {
          const b = { a: draw(B * 105), s: draw(B * 30), y: draw(B * 30) };
          const refLoss = ref.trainStep(b);
          const loss = (await s.trainStep(b, { readLoss: true }))!;
          expect(Math.abs(loss - refLoss) / Math.abs(refLoss), `step ${k + 1}: gpu ${loss}, float64 ${refLoss}`).toBeLessThan(1e-5);
          const feed = { a: b.a, s: b.s };
          expect(relError((await s.run('forward', feed, ['z'])).z!, ref.run('forward', feed).z!.data), `step ${k + 1}: z`).toBeLessThan(1e-5);
        }
        for (const p of [...r.artifact!.manifest.params, ...r.artifact!.manifest.state.filter((x) => x.name.startsWith('batchnorm'))]) {
          expect(relError(await s.read(p.name), ref.tensor(p.name)), p.name).toBeLessThan(1e-5);
        }
      } finally {
        s.dispose();
      }
    }, 240_000);
  });
}
