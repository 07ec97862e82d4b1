// Element-wise forms of the language on both adapters against the float64 interpreter, element by
// element over a wide range of inputs: exact and tanh GELU, arithmetic with numbers and division,
// selu, elu, softplus, relu6, swish and leaky_relu.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { Session } from '../../runtime/session.ts';
import { ADAPTERS, useDevice } from '../helpers/gpu.ts';
import { ReferenceRun } from '../helpers/reference.ts';

/** 4001 points evenly over [−10, 10] (an odd count: no vec4 form, a partial workgroup). */
const N = 4001;
const X = Float32Array.from({ length: N }, (_, i) => -10 + (20 * i) / (N - 1));
const Y = Float32Array.from(X, (x, i) => (i % 2 ? 1 : -1) * (0.5 + Math.abs(Math.cos(x))));

/**
 * Each output with its bound: |gpu − ref| ≤ rel·|ref| + abs. Exact GELU's error is the GPU exp's
 * at −x²/2 (WGSL allows exp 3 + 2|x| ulp): measured on both adapters under 1e-6 relative for
 * x > −2, 2e-6 at −4, 3.4e-6 at −6 (|gelu| ≈ 6e-9) and 1e-5 at −10 (where gelu is −7.6e-23,
 * inside 1e-13 absolute). The tanh form saturates to 0 there
 * in f32 (1 + tanh cancels), as in Keras' float32, so it is held to an absolute bound.
 */
const OUTPUTS: Record<string, { expr: string; rel: number; abs: number }> = {
  gelu_exact: { expr: 'x -> gelu', rel: 5e-6, abs: 1e-13 },
  gelu_tanh: { expr: 'x -> gelu(approximate: true)', rel: 2e-6, abs: 1e-6 },
  arith: { expr: '-x * y + 1 / y - (2 - x) / 4 + x / y', rel: 2e-6, abs: 1e-6 },
  // eˣ − 1 by its series near 0 keeps ELU's and SELU's relative accuracy at small negative x.
  selu: { expr: 'x -> selu', rel: 2e-6, abs: 0 },
  elu: { expr: 'x -> elu(alpha: 0.5)', rel: 2e-6, abs: 0 },
  // log1p by its atanh series keeps softplus' negative tail (softplus(−10) = 4.5e-5) to 7e-7 measured.
  softplus: { expr: 'x -> softplus', rel: 2e-6, abs: 0 },
  relu6: { expr: 'x -> relu6', rel: 0, abs: 0 },
  swish: { expr: 'x -> swish', rel: 2e-6, abs: 0 },
  leaky: { expr: 'x -> leaky_relu(alpha: 0.2)', rel: 1e-7, abs: 0 },
};

const SOURCE = `model m {
  input x: f32[${N}]
  input y: f32[${N}]
${Object.entries(OUTPUTS).map(([k, o]) => `  ${k} = ${o.expr}`).join('\n')}
  output ${Object.keys(OUTPUTS).join(', ')}
}
train m { loss = mse(gelu_exact, y); optimizer = sgd(lr: 0.1); batch = 1 }`;

for (const adapter of ADAPTERS) {
  describe(`the language's element-wise forms on ${adapter}`, () => {
    const device = useDevice(adapter);
    it('match the float64 reference element by element', async (t) => {
      const h = device();
      if (!h) return t.skip();
      const r = compile(SOURCE, { file: 'language.dl' });
      expect(r.diagnostics).toEqual([]);
      const ref = new ReferenceRun(r).run('forward', { x: X, y: Y });
      const s = await Session.create(r.artifact!, h.device);
      try {
        const got = await s.run('forward', { x: X, y: Y }, Object.keys(OUTPUTS));
        for (const [name, bound] of Object.entries(OUTPUTS)) {
          const want = ref[name]!.data;
          const out = got[name]!;
          let worst = 0;
          let at = 0;
          for (let i = 0; i < N; i++) {
            const err = Math.abs(out[i]! - want[i]!);
            const excess = err === 0 ? 0 : err / (bound.rel * Math.abs(want[i]!) + bound.abs);
            if (!(excess <= worst)) { worst = excess; at = i; }
          }
          expect(worst, `${name} at x = ${X[at]}: gpu ${out[at]}, float64 ${want[at]}`).toBeLessThanOrEqual(1);
        }
      } finally {
        s.dispose();
      }
    }, 120_000);
  });
}
