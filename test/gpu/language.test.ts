// Element-wise forms of the language on both adapters against the float64 interpreter, element by
// element over a wide range of inputs: exact and tanh GELU, arithmetic with numbers and division.
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
 * Each output with its bound: |gpu − ref| ≤ rel·|ref| + abs. Exact GELU keeps its relative
 * accuracy in the far negative tail (gelu(−10) ≈ −7.6e-23); the tanh form saturates to 0 there
 * in f32 (1 + tanh cancels), as in Keras' float32, so it is held to an absolute bound.
 */
const OUTPUTS: Record<string, { expr: string; rel: number; abs: number }> = {
  gelu_exact: { expr: 'x -> gelu', rel: 2e-6, abs: 0 },
  gelu_tanh: { expr: 'x -> gelu(approximate: true)', rel: 2e-6, abs: 1e-6 },
  arith: { expr: '-x * y + 1 / y - (2 - x) / 4 + x / y', rel: 2e-6, abs: 1e-6 },
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
            const excess = Math.abs(out[i]! - want[i]!) / (bound.rel * Math.abs(want[i]!) + bound.abs);
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
