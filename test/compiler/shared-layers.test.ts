// Layer sharing (Keras: one layer object called on two inputs): `shared = dense(8)` declares a layer,
// `x -> shared` and `shared(y)` apply it with the same weights, and the weights' gradient is the sum
// of the two uses' gradients. Held here on the float64 interpreter against an untied twin program
// started from the same weights, and against central differences; each mistake's message is pinned.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../runtime/random.ts';
import { ReferenceRun } from '../helpers/reference.ts';
import { compiles, errors } from '../helpers/compile-source.ts';
import { gradientMatchesDifferences } from '../helpers/gradient-check.ts';

const B = 3;
const draw = (n: number, rng: Rng): Float32Array => Float32Array.from({ length: n }, () => rng.normal());

/** Two inputs through one dense layer (`tied`) or through two layers (`untied`), then summed. */
const twin = (tied: boolean) => `model m {
  input a: f32[5]
  input b: f32[5]
  input y: f32[7]
  ${tied ? 'shared = dense(7, activation: tanh)\n  p = a -> shared\n  q = shared(b)' : 'p = a -> dense(7, activation: tanh)\n  q = b -> dense(7, activation: tanh)'}
  z = p * q + p
  output z
}
train m { loss = mse(z, y); optimizer = sgd(lr: 1); batch = ${B}; seed = 3 }`;

function inputs(): Record<string, Float32Array> {
  const rng = new Rng(11);
  return { a: draw(B * 5, rng), b: draw(B * 5, rng), y: draw(B * 7, rng) };
}

/** The change one sgd step (lr 1) makes to a parameter: minus its gradient. */
function step(ref: ReferenceRun, name: string, data: Record<string, Float32Array>): Float64Array {
  const before = ref.tensor(name);
  ref.trainStep(data);
  const after = ref.tensor(name);
  return before.map((v, k) => v - after[k]!);
}

describe('a layer applied to two values shares its weights (Keras: the same layer object called twice)', () => {
  it('has one set of weights and one summary row', () => {
    const r = compiles(twin(true));
    expect(r.artifact!.manifest.params.map((p) => `${p.name} [${p.shape.join(', ')}]`)).toEqual(['dense_1.kernel [5, 7]', 'dense_1.bias [7]']);
    expect(r.summary!.filter((row) => row.type === 'dense')).toEqual([{ name: 'dense_1', type: 'dense', shape: [B, 7], params: 42 }]);
  });

  it('its gradient is the sum of the two uses\' gradients', () => {
    const data = inputs();
    const tied = new ReferenceRun(compiles(twin(true)));
    const untiedResult = compiles(twin(false));
    const untied = new ReferenceRun(untiedResult);
    // The untied twin starts with both layers equal to the shared one.
    for (const [tiedName, names] of [['dense_1.kernel', ['dense_1.kernel', 'dense_2.kernel']], ['dense_1.bias', ['dense_1.bias', 'dense_2.bias']]] as const) {
      for (const n of names) {
        const slot = untiedResult.graph!.params.find((p) => untiedResult.graph!.value(p.value).name === n)!;
        untied.env.set(slot.value, { shape: untiedResult.graph!.value(slot.value).shape, data: tied.tensor(tiedName) });
      }
    }
    const before = { k1: untied.tensor('dense_1.kernel'), k2: untied.tensor('dense_2.kernel'), b1: untied.tensor('dense_1.bias'), b2: untied.tensor('dense_2.bias') };
    untied.trainStep(data);
    const g = (name: string, was: Float64Array) => was.map((v, k) => v - untied.tensor(name)[k]!);
    const [gk1, gk2, gb1, gb2] = [g('dense_1.kernel', before.k1), g('dense_2.kernel', before.k2), g('dense_1.bias', before.b1), g('dense_2.bias', before.b2)];
    // Both uses contribute, and differently: one use's gradient alone would fail the comparison.
    const norm = (v: Float64Array) => Math.hypot(...v);
    expect(norm(gk1)).toBeGreaterThan(1e-3);
    expect(norm(gk2)).toBeGreaterThan(1e-3);
    expect(norm(gk1.map((v, k) => v - gk2[k]!))).toBeGreaterThan(1e-3);
    const tiedKernel = step(tied, 'dense_1.kernel', data);
    gk1.forEach((v, k) => expect(tiedKernel[k]).toBeCloseTo(v + gk2[k]!, 12));
    const tiedBias = new ReferenceRun(compiles(twin(true)));
    const bias = step(tiedBias, 'dense_1.bias', data);
    gb1.forEach((v, k) => expect(bias[k]).toBeCloseTo(v + gb2[k]!, 12));
  });

  it('its gradient matches central differences of the loss', () => {
    gradientMatchesDifferences(compiles(twin(true)), 'dense_1.kernel', inputs());
  });

  it('applies in sequence (tied weights), through a block argument, and once per block call when declared in a block', () => {
    const r = compiles(`block twice(x, layer) {
  return x -> layer -> tanh -> layer
}
block own(x) {
  d = dense(4)
  return x -> d -> d
}
model m {
  input a: f32[4]
  input y: f32[4]
  s = dense(4)
  t = twice(a, layer: s)
  u = t -> own -> own
  output u
}
train m { loss = mse(u, y); optimizer = sgd(lr: 0.1); batch = ${B} }`);
    // s, then one layer per call of `own`.
    expect(r.artifact!.manifest.params.map((p) => p.name)).toEqual(['dense_1.kernel', 'dense_1.bias', 'dense_2.kernel', 'dense_2.bias', 'dense_3.kernel', 'dense_3.bias']);
  });

  it('a convolution shared between inputs of different sizes (its weights depend on the channels only)', () => {
    const r = compiles(`model m {
  input a: f32[2, 6, 6]
  input b: f32[2, 9, 5]
  c = conv2d(3, kernel: 3, padding: same)
  p = a -> c -> global_avgpool
  q = b -> c -> global_avgpool
  z = p + q
  output z
}`);
    expect(r.artifact!.manifest.params.map((p) => p.name)).toEqual(['conv2d_1.kernel', 'conv2d_1.bias']);
  });
});

describe('layer sharing mistakes', () => {
  it('an input of another width than the first use is refused at the second use', () => {
    expect(errors(`model m {
  input a: f32[4]
  input b: f32[6]
  shared = dense(8)
  p = a -> shared
  q = b -> shared
  output p, q
}`)).toBe(`net.dl:6:12: error: shared layer 'shared' (dense_1): its weights were built for its first use at line 5, an input of shape [batch, 4]; this input, [batch, 6], would need a kernel of shape [6, 8], not [4, 8]
 6 |   q = b -> shared
   |            ^^^^^^`);
  });

  it('a declared layer used as a tensor', () => {
    expect(errors(`model m {
  input a: f32[4]
  shared = dense(8)
  output shared
}`)).toBe(`net.dl:4:10: error: 'shared' is a dense layer (declared at line 3), not a tensor; apply it to an input, e.g. x -> shared or shared(x)
 4 |   output shared
   |          ^^^^^^`);
  });

  it('arguments at a use', () => {
    expect(errors(`model m {
  input a: f32[4]
  shared = dense(8)
  p = a -> shared(units: 3)
  output p
}`)).toBe(`net.dl:4:19: error: 'shared' is a dense layer declared at line 3; its arguments are given there, and a use passes only input tensors: shared(x)
 4 |   p = a -> shared(units: 3)
   |                   ^^^^^`);
  });

  it('a batchnorm used twice (its moving statistics would be updated twice a step)', () => {
    expect(errors(`model m {
  input a: f32[2, 4, 4]
  n = batchnorm()
  p = a -> n
  q = a -> n
  output p, q
}`)).toBe(`net.dl:5:12: error: shared layer 'n' (batchnorm_1): a layer with moving statistics (batchnorm) cannot be shared; it was first applied at line 4. Declare one per use
 5 |   q = a -> n
   |            ^`);
  });

  it('a declaration with a bad argument is refused where it is written, used or not', () => {
    expect(errors(`model m {
  input a: f32[4]
  shared = dense(8, activaton: relu)
  output a
}`)).toBe(`net.dl:3:21: error: unknown argument 'activaton' for dense; did you mean 'activation'?
 3 |   shared = dense(8, activaton: relu)
   |                     ^^^^^^^^^`);
  });
});
