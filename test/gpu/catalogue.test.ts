// The catalogue of issue 20 on both adapters against the float64 interpreter, at awkward shapes
// (odd planes, a batch of 3, widths off the workgroup sizes): n-ary concat, average and maximum,
// reshape with -1, global_maxpool, zero_padding2d forward; three train steps each of hinge (0/1
// labels, converted) and kl_divergence through all of them, with lecun initialisers.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { Rng } from '../../runtime/random.ts';
import { Session } from '../../runtime/session.ts';
import { ADAPTERS, relError, useDevice } from '../helpers/gpu.ts';
import { ReferenceRun } from '../helpers/reference.ts';

const B = 3;
const program = (loss: string, head: string) => `model m {
  input x: f32[2, 5, 7]
  input t: f32[5]
  a = x -> conv2d(3, kernel: 3, padding: same, init: lecun_normal)
  b = x -> conv2d(3, kernel: 3, padding: same, init: lecun_uniform) -> tanh
  cat = concat(a, b, x, axis: 1)
  avg = average(a, b, a)
  mx = maximum(a, b, avg)
  pad = mx -> zero_padding2d([[1, 2], [0, 3]])
  g = pad -> global_maxpool
  flat = cat -> reshape([-1])
  rows = avg -> reshape([3, -1])
  h = concat(g, flat -> dense(4), axis: 1)
  ${head}
  output cat, avg, mx, pad, g, flat, rows, p
}
train m { loss = ${loss}; optimizer = sgd(lr: 0.5); batch = ${B}; seed = 4 }`;

const PROGRAMS = {
  hinge: program('hinge(p, t)', 'p = h -> dense(5, init: lecun_uniform)'),
  kl_divergence: program('kl_divergence(p, t)', 'p = h -> dense(5) -> softmax'),
};
const OUTPUTS = ['cat', 'avg', 'mx', 'pad', 'g', 'flat', 'rows', 'p'];
const STEPS = 3;

function batches(kind: keyof typeof PROGRAMS): { x: Float32Array; t: Float32Array }[] {
  const rng = new Rng(kind.length);
  return Array.from({ length: STEPS }, () => {
    const x = Float32Array.from({ length: B * 70 }, () => rng.normal());
    // hinge: 0/1 labels (Keras converts them); kl: rows of a distribution with a zero in each.
    const t = kind === 'hinge'
      ? Float32Array.from({ length: B * 5 }, () => (rng.next() < 0.5 ? 0 : 1))
      : Float32Array.from({ length: B * 5 }, (_, k) => [0, 0.1, 0.2, 0.3, 0.4][k % 5]!);
    return { x, t };
  });
}

for (const adapter of ADAPTERS) {
  describe(`the catalogue on ${adapter}`, () => {
    const device = useDevice(adapter);
    for (const [kind, src] of Object.entries(PROGRAMS) as [keyof typeof PROGRAMS, string][]) {
      it(`${kind}: forward values and ${STEPS} sgd steps match the float64 reference`, async (t) => {
        const h = device();
        if (!h) return t.skip();
        const r = compile(src, { file: `${kind}.dl` });
        expect(r.diagnostics).toEqual([]);
        const ref = new ReferenceRun(r);
        const s = await Session.create(r.artifact!, h.device);
        try {
          for (const [k, b] of batches(kind).entries()) {
            const want = ref.run('forward', { x: b.x });
            const got = await s.run('forward', { x: b.x }, OUTPUTS);
            for (const name of OUTPUTS) expect(relError(got[name]!, want[name]!.data), `step ${k}: ${name}`).toBeLessThan(1e-5);
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
      }, 240_000);
    }
  });
}
