// Sample and class weights, weighted sums of losses, and channels-last inputs, on each adapter: the
// weighted loss, its eval rows and one SGD step against the float64 interpreter (the formulas are
// pinned in test/compiler/sample-weights.test.ts), and a conv net fed NHWC data against the same net
// fed NCHW.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { Rng } from '../../runtime/random.ts';
import { Session } from '../../runtime/session.ts';
import { ADAPTERS, relError, useDevice } from '../helpers/gpu.ts';
import { nhwcAndNchw } from '../helpers/layouts.ts';
import { ReferenceRun } from '../helpers/reference.ts';

const B = 7;
const net = (loss: string, extra = '') => `model m {
  input x: f32[5]
  input c: class[3]
  input y: f32[1]
  input w: f32[1]
  h = x -> dense(9, activation: tanh)
  p = dense(h, 3)
  q = dense(h, 1)
  output p, q
}
train m { loss = ${loss}; optimizer = sgd(lr: 0.5); batch = ${B}; seed = 8${extra ? `; ${extra}` : ''} }`;
const WEIGHTED = [
  net('cross_entropy(p, c, sample_weight: w)', 'metrics = [accuracy]'),
  net('cross_entropy(p, c)', 'class_weight = [0.25, 3, 1.5]'),
  // Targets on halves (rounded to even), and outside the list (weight 1).
  net('mse(q, y)', 'class_weight = [2, 0.5, 4]'),
  // Keras' loss_weights: a weighted sum over two heads.
  net('cross_entropy(p, c) + 0.5 * mse(q, y, sample_weight: w)'),
];

const rng = new Rng(17);
const feed = {
  x: Float32Array.from({ length: B * 5 }, () => rng.normal()),
  c: Int32Array.from([0, 1, 2, 2, 1, 0, 2]),
  y: Float32Array.from([0.5, 1.5, 2.5, -0.5, 1, 3.4, -2]),
  w: Float32Array.from([0.5, 2, 0, 1, 3.25, 0.125, 1.5]),
};

const [N, H, W, C] = [3, 7, 5, 3];
const conv = (decl: string) => `model net {
  ${decl}
  input label: class[4]
  x = image -> conv2d(4, kernel: 3, padding: same) -> relu -> maxpool(2) -> flatten
  logits = dense(x, 4)
  output logits
}
train net { loss = cross_entropy(logits, label); optimizer = sgd(lr: 0.1); batch = ${N}; seed = 7 }`;

for (const adapter of ADAPTERS) {
  describe(`sample weights, class weights and channels_last on ${adapter}`, () => {
    const device = useDevice(adapter);
    for (const src of WEIGHTED) {
      const what = /loss = ([^;]*); .*?(class_weight = \[[^\]]*\])?( })/.exec(src)!;
      it(`${what[1]}${what[2] ? ` with ${what[2]}` : ''}: loss, eval rows and one step match float64`, async (t) => {
        const h = device();
        if (!h) return t.skip();
        const r = compile(src, { file: 'weights.dl' });
        expect(r.diagnostics).toEqual([]);
        const ref = new ReferenceRun(r);
        const s = await Session.create(r.artifact!, h.device);
        try {
          const rows = (await s.run('eval', feed, ['loss_rows'])).loss_rows!;
          expect(relError(rows, ref.run('eval', feed).loss_rows!.data)).toBeLessThan(1e-5);
          const want = ref.trainStep(feed);
          const got = (await s.trainStep(feed, { readLoss: true }))!;
          expect(Math.abs(got - want) / Math.abs(want), `gpu ${got}, float64 ${want}`).toBeLessThan(1e-5);
          const weights = await s.weights();
          for (const name of ['dense_1.kernel', 'dense_2.kernel', 'dense_3.kernel']) {
            expect(relError(weights.get(name)!, ref.tensor(name)), name).toBeLessThan(1e-5);
          }
        } finally {
          s.dispose();
        }
      }, 180_000);
    }

    it('a conv net on NHWC data: the same losses and logits as on the transposed NCHW data, and float64', async (t) => {
      const h = device();
      if (!h) return t.skip();
      const [last, first] = [conv(`input image: f32[${H}, ${W}, ${C}] layout: channels_last`), conv(`input image: f32[${C}, ${H}, ${W}]`)].map((src) => compile(src, { file: 'conv.dl' }));
      const ref = new ReferenceRun(last!);
      const [a, b] = await Promise.all([Session.create(last!.artifact!, h.device), Session.create(first!.artifact!, h.device)]);
      try {
        const data = new Rng(4);
        for (let step = 0; step < 2; step++) {
          const { nhwc, nchw } = nhwcAndNchw(data, [N, H, W, C]);
          const label = Int32Array.from({ length: N }, () => data.int(4));
          const la = (await a.trainStep({ image: nhwc, label }, { readLoss: true }))!;
          const lb = (await b.trainStep({ image: nchw, label }, { readLoss: true }))!;
          expect(la).toBe(lb);
          const want = ref.trainStep({ image: nhwc, label });
          expect(Math.abs(la - want) / want).toBeLessThan(1e-5);
          const [za, zb] = [(await a.run('forward', { image: nhwc }, ['logits'])).logits!, (await b.run('forward', { image: nchw }, ['logits'])).logits!];
          expect(za).toEqual(zb);
        }
      } finally {
        a.dispose();
        b.dispose();
      }
    }, 180_000);
  });
}
