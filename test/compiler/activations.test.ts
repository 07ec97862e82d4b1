// The activations a Keras user reaches for: selu, softplus, swish (silu), relu6, and an activation
// with arguments as dense's or conv2d's `activation:`. The float64 reference is held to Keras'
// formulas evaluated at 50 digits in Python; gradients come from the trees (finite differences in
// vjp.test.ts); the language forms, init choice and mistakes are pinned here.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { tensor } from '../../compiler/ir/tensor.ts';
import { evalOp } from '../../compiler/reference/interp.ts';
import { Rng } from '../../runtime/random.ts';
import { ReferenceRun } from '../helpers/reference.ts';
import { compiles, errors } from '../helpers/compile-source.ts';

// Python 3 with decimal at 50 digits, Keras' definitions:
//   selu = scale·(x if x > 0 else alpha·(eˣ − 1)), alpha 1.6732632423543772848170429916717,
//   scale 1.0507009873554804934193349852946; softplus = ln(eˣ + 1); relu6 = min(max(x, 0), 6);
//   silu = swish = x/(1 + e⁻ˣ); leaky_relu(0.2) = x if x > 0 else 0.2·x; elu(0.5) = x if x > 0 else 0.5·(eˣ − 1).
const XS = [-30, -8, -2.5, -0.75, -1e-3, 0.0, 1e-3, 0.5, 2, 5.5, 6.5, 30];
const KERAS: Record<string, { attrs?: Record<string, number>; want: number[] }> = {
  selu: { want: [-1.7580993408472123, -1.7575095642223826, -1.6137857588732425, -0.9276320158350512, -0.0017572205841202705, 0.0, 0.0010507009873554805, 0.5253504936777402, 2.101401974710961, 5.778855430455143, 6.829556417810624, 31.521029620664414] },
  softplus: { want: [9.357622968839737e-14, 0.00033540637289576885, 0.07888973429254963, 0.38687100611489994, 0.6926473055599401, 0.6931471805599453, 0.6936473055599401, 0.9740769841801067, 2.1269280110429727, 5.504078443270571, 6.501502310159754, 30.000000000000092] },
  relu6: { want: [0, 0, 0, 0, 0, 0, 0.001, 0.5, 2, 5.5, 6, 6] },
  silu: { want: [-2.8072868906517896e-12, -0.002682801043731825, -0.18964545005310887, -0.24061597561845527, -0.0004997500000208334, 0.0, 0.0005002499999791667, 0.3112296656009273, 1.7615941559557649, 5.477614242562571, 6.490242315331209, 29.999999999997193] },
  leaky_relu: { attrs: { alpha: 0.2 }, want: [-6, -1.6, -0.5, -0.15, -0.0002, 0, 0.001, 0.5, 2, 5.5, 6.5, 30] },
  elu: { attrs: { alpha: 0.5 }, want: [-0.4999999999999532, -0.49983226868604874, -0.4589575006880506, -0.26381672362949266, -0.0004997500833125042, 0, 0.001, 0.5, 2, 5.5, 6.5, 30] },
};

describe('activations as Keras defines them', () => {
  for (const [op, { attrs, want }] of Object.entries(KERAS)) {
    it(`${op} matches Keras' formula to 1e-14 relative, tails included`, () => {
      const got = evalOp(op, [tensor([XS.length], XS)], attrs ?? {}, [XS.length], { lr: 0, step: 0, seed: 0 })[0]!.data;
      XS.forEach((x, k) => expect(Math.abs(got[k]! - want[k]!), `${op}(${x}) = ${got[k]}, Keras ${want[k]}`).toBeLessThanOrEqual(1e-14 * Math.abs(want[k]!)));
    });
  }
});

const net = (body: string) => `model m {
  input x: f32[2, 6, 6]
  input y: f32[3]
  ${body}
  output p
}
train m { loss = mse(p, y); optimizer = sgd(lr: 0.05); batch = 2; seed = 1 }`;

/** The training forward ops and attributes of layer `layer` after lowering, in order. */
function opsOf(src: string, layer: string): string[] {
  const g = compiles(src).snapshots!.programs!;
  return g.programs.train_step.nodes.map((id) => g.nodes[id]!).filter((n) => n.phase === 'forward' && n.layer === layer)
    .map((n) => (Object.keys(n.attrs).length ? `${n.op} ${JSON.stringify(n.attrs)}` : n.op));
}

describe('in the language', () => {
  it('selu, softplus, relu6 and swish are layers; swish is silu', () => {
    const src = net('p = x -> flatten -> selu -> softplus -> relu6 -> swish -> dense(3)');
    expect(opsOf(src, 'selu_1')).toEqual(['selu']);
    expect(opsOf(src, 'softplus_1')).toEqual(['softplus']);
    expect(opsOf(src, 'relu6_1')).toEqual(['relu6']);
    expect(opsOf(src, 'swish_1')).toEqual(['silu']);
  });

  it('each is a dense and a conv2d activation', () => {
    for (const [act, op] of [['selu', 'selu'], ['softplus', 'softplus'], ['relu6', 'relu6'], ['swish', 'silu']]) {
      expect(opsOf(net(`p = x -> flatten -> dense(3, activation: ${act})`), 'dense_1').at(-1)).toBe(op);
      expect(opsOf(net(`p = x -> conv2d(2, 3, activation: ${act}) -> flatten -> dense(3)`), 'conv2d_1').at(-1)).toBe(op);
    }
  });

  it('an activation with arguments: named or positional, in dense and conv2d; defaults as its layer', () => {
    expect(opsOf(net('p = x -> flatten -> dense(3, activation: leaky_relu(alpha: 0.2))'), 'dense_1').at(-1)).toBe('leaky_relu {"alpha":0.2}');
    expect(opsOf(net('p = x -> flatten -> dense(3, leaky_relu(0.1))'), 'dense_1').at(-1)).toBe('leaky_relu {"alpha":0.1}');
    expect(opsOf(net('p = x -> flatten -> dense(3, activation: leaky_relu())'), 'dense_1').at(-1)).toBe('leaky_relu {"alpha":0.3}');
    expect(opsOf(net('p = x -> flatten -> dense(3, activation: leaky_relu)'), 'dense_1').at(-1)).toBe('leaky_relu {"alpha":0.3}');
    expect(opsOf(net('p = flatten(x) -> dense(3, activation: gelu(approximate: true))'), 'dense_1').at(-1)).toBe('gelu {"approximate":true}');
    expect(opsOf(net('p = x -> conv2d(2, 3, activation: elu(alpha: 0.5)) -> flatten -> dense(3)'), 'conv2d_1').at(-1)).toBe('elu {"alpha":0.5}');
    expect(opsOf(net('p = dense(flatten(x), 3, activation: elu(0.25), use_bias: false)'), 'dense_1')).toEqual(['matmul', 'elu {"alpha":0.25}']);
  });

  it('relu-like activations (relu6, leaky_relu with arguments) pick He initialisation, the others Glorot', () => {
    const init = (act: string) => compiles(net(`p = x -> flatten -> dense(4, activation: ${act}) -> dense(3)`)).artifact!.manifest.params.find((p) => p.name === 'dense_1.kernel')!.init.kind;
    expect(init('relu6')).toBe('he_uniform');
    expect(init('leaky_relu(alpha: 0.2)')).toBe('he_uniform');
    expect(init('selu')).toBe('glorot_uniform');
    expect(init('softplus')).toBe('glorot_uniform');
  });

  it('train to the same float64 losses with and without fusion (gradients derived from the trees)', () => {
    const src = net('p = x -> flatten -> dense(8, activation: selu) -> softplus -> dense(8, activation: leaky_relu(alpha: 0.2)) -> relu6 -> swish -> dense(3)');
    const [a, b] = [new ReferenceRun(compile(src, { fuse: false })), new ReferenceRun(compiles(src))];
    const rng = new Rng(6);
    for (let step = 0; step < 3; step++) {
      const batch = { x: Float32Array.from({ length: 144 }, () => 3 * rng.normal()), y: Float32Array.from({ length: 6 }, () => rng.normal()) };
      const [la, lb] = [a.trainStep(batch), b.trainStep(batch)];
      expect(Math.abs(la - lb)).toBeLessThan(1e-12 * Math.abs(la));
    }
  });
});

describe('activation mistakes', () => {
  it('an unknown activation call suggests the closest and lists them', () => {
    expect(errors(net('p = x -> flatten -> dense(3, activation: leaky_rel(alpha: 0.2))'))).toBe(`net.dl:4:44: error: argument 'activation' of dense: unknown activation 'leaky_rel'; did you mean 'leaky_relu'? (one of relu, sigmoid, tanh, gelu, silu, swish, elu, selu, softplus, relu6, leaky_relu, softmax, log_softmax)
 4 |   p = x -> flatten -> dense(3, activation: leaky_rel(alpha: 0.2))
   |                                            ^^^^^^^^^`);
  });

  it('a layer that is not an activation is named as such', () => {
    expect(errors(net('p = x -> flatten -> dense(3, activation: dropout(0.5))'))).toContain(
      "error: argument 'activation' of dense: dropout is a layer, not an activation (one of relu,");
  });

  it("the activation's arguments are checked as its layer checks them", () => {
    expect(errors(net('p = x -> flatten -> dense(3, activation: leaky_relu(alpa: 0.2))'))).toBe(`net.dl:4:55: error: unknown argument 'alpa' for leaky_relu; did you mean 'alpha'?
 4 |   p = x -> flatten -> dense(3, activation: leaky_relu(alpa: 0.2))
   |                                                       ^^^^`);
    expect(errors(net('p = x -> flatten -> dense(3, activation: leaky_relu(x))'))).toContain("error: argument 'alpha' of leaky_relu: expected a number, got a tensor");
    expect(errors(net('p = x -> flatten -> dense(3, activation: relu6(1))'))).toContain('error: relu6 takes no arguments as an activation');
    expect(errors(net('p = x -> flatten -> dense(3, activation: elu(0.5, alpha: 1))'))).toContain("error: argument 'alpha' of elu is given twice");
    expect(errors(net('p = x -> flatten -> dense(3, relu, activation: elu(0.5))'))).toContain("error: argument 'activation' of dense is given twice");
  });
});
