// GELU as Keras defines it: exact (erf) by default, the tanh form with approximate: true. The
// float64 erfc is held to Python's math.erfc; the float32 fit the WGSL helper computes is held to
// the float64 erfc through its float64 twin (the GPU side is test/gpu/gelu.test.ts).
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { erfc64, erfcApprox } from '../../compiler/ir/erf.ts';
import { tensor } from '../../compiler/ir/tensor.ts';
import { evalOp } from '../../compiler/reference/interp.ts';
import { formatDiagnostics } from '../../dsl/diagnostics.ts';

// Python 3: [repr(math.erfc(x)) for x in XS]
const XS = [-3, -1, -0.5, 0, 1e-8, 0.1, 0.5, 1, 1.5, 1.9999, 2, 2.5, 3, 4, 5, 7, 10, 20, 26];
const ERFC = [
  1.9999779095030015, 1.842700792949715, 1.5204998778130465, 1.0, 0.9999999887162083, 0.8875370839817152, 0.4795001221869535,
  0.15729920705028513, 0.033894853524689274, 0.004679802092970608, 0.004677734981047265, 0.0004069520174449589,
  2.2090496998585438e-05, 1.541725790028002e-08, 1.5374597944280351e-12, 4.183825607779414e-23, 2.088487583762545e-45,
  5.3958656116079005e-176, 5.663192408856143e-296,
];
// Python 3, Keras' two formulas in float64: 0.5·x·erfc(−x/√2) = 0.5·x·(1 + erf(x/√2)), and
// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
const GX = [-8, -5, -3, -1.5, -0.5, -1e-3, 0, 0.25, 1, 2.5, 6];
const GELU = [-4.9767684594174555e-15, -1.4332578593959731e-06, -0.004049694094890287, -0.10021080190328713, -0.15426876936299344,
  -0.000499601057786089, 0.0, 0.14967658142073093, 0.8413447460685429, 2.4844758366855597, 5.999999994080474];
const GELU_TANH = [-0.0, -2.2917961972623857e-07, -0.0036373920817729943, -0.10042842301976707, -0.15428599017485606,
  -0.000499601057786418, 0.0, 0.149675350701685, 0.8411919906082768, 2.484915733910001, 5.9999999999156035];

const rel = (a: number, b: number): number => (a === b ? 0 : Math.abs(a - b) / Math.abs(b));
const gelu = (xs: number[], attrs = {}) => Array.from(evalOp('gelu', [tensor([xs.length], xs)], attrs, [xs.length], { lr: 0, step: 0, seed: 0 })[0]!.data);

describe('erfc', () => {
  it('float64: the reference agrees with Python math.erfc to 1e-13 relative', () => {
    XS.forEach((x, k) => expect(rel(erfc64(x), ERFC[k]!), `erfc(${x})`).toBeLessThan(1e-13));
  });

  it('float32 fit: within 1.2e-7 relative of the float64 erfc for every x >= 0, and erf within 1.2e-7 absolute', () => {
    let worstRel = 0;
    let worstAbs = 0;
    for (let i = 0; i <= 40000; i++) {
      const x = -12 + (24 * i) / 40000;
      const [approx, exact] = [erfcApprox(x), erfc64(x)];
      if (x >= 0) worstRel = Math.max(worstRel, rel(approx, exact));
      worstAbs = Math.max(worstAbs, Math.abs(approx - exact));
    }
    expect(worstRel).toBeLessThan(1.2e-7);
    expect(worstAbs).toBeLessThan(1.2e-7);
  });
});

describe('gelu', () => {
  it('is exact by default: 0.5·x·(1 + erf(x/√2)) to 1e-13', () => {
    gelu(GX).forEach((y, k) => expect(Math.abs(y - GELU[k]!), `gelu(${GX[k]})`).toBeLessThan(1e-13 * Math.max(Math.abs(GELU[k]!), 1e-300)));
  });

  it('with approximate: true is the tanh form', () => {
    gelu(GX, { approximate: true }).forEach((y, k) => expect(Math.abs(y - GELU_TANH[k]!), `gelu(${GX[k]})`).toBeLessThan(1e-14));
  });

  it("the WGSL helper's formula keeps 2e-7 relative accuracy everywhere, the far negative tail included", () => {
    let worst = 0;
    for (let i = 0; i <= 20000; i++) {
      const x = -10 + (20 * i) / 20000;
      const exact = 0.5 * x * erfc64(-x * Math.SQRT1_2);
      const approx = 0.5 * x * erfcApprox(-x * Math.SQRT1_2);
      if (exact !== 0) worst = Math.max(worst, rel(approx, exact));
    }
    expect(worst).toBeLessThan(2e-7);
  });

  const net = (act: string) => `model m {
  input x: f32[4]
  input y: f32[3]
  p = x -> ${act} -> dense(3)
  output p
}
train m { loss = mse(p, y); optimizer = sgd(lr: 0.1); batch = 2 }`;
  const geluAttrs = (act: string) => {
    const r = compile(net(act));
    expect(formatDiagnostics(r.diagnostics, net(act))).toBe('');
    // One node in the training graph, one in the eval graph: the same attrs.
    return [...new Set(r.snapshots!.programs!.nodes.filter((n) => n.op === 'gelu').map((n) => JSON.stringify(n.attrs)))].map((a) => JSON.parse(a) as unknown);
  };

  it('the layer and the dense activation are exact unless asked: gelu, gelu(approximate: true), dense(activation: gelu)', () => {
    expect(geluAttrs('gelu')).toEqual([{ approximate: false }]);
    expect(geluAttrs('gelu(approximate: true)')).toEqual([{ approximate: true }]);
    expect(geluAttrs('dense(4, activation: gelu)')).toEqual([{ approximate: false }]);
  });

  it('approximate takes true or false', () => {
    const src = net('gelu(approximate: 1)');
    expect(formatDiagnostics(compile(src, { file: 'net.dl' }).diagnostics, src)).toBe(`net.dl:4:30: error: argument 'approximate' of gelu: expected true or false, got the integer 1
 4 |   p = x -> gelu(approximate: 1) -> dense(3)
   |                              ^`);
  });
});
