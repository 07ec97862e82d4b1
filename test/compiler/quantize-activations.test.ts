// Int8 activations (dlc quantize --calibrate) on the CPU: the reference's quantisation of an
// activation (halves away from zero, clamping, the f32 product), the dot4I8Packed layout of the
// weights, calibration, the quantised reference semantics, and what an export marks.
import { describe, expect, it } from 'vitest';
import { calibrateActivations } from '../../compiler/calibrate.ts';
import { compile } from '../../compiler/compile.ts';
import { exportInference } from '../../compiler/export.ts';
import { tensor } from '../../compiler/ir/tensor.ts';
import { activationScale, quantizeActivation, runInt8ActivationProgram } from '../../compiler/reference/int8-activations.ts';
import { checkLanguageFeatures, InferenceError } from '../../runtime/inference.ts';
import { validateInferenceManifest } from '../../runtime/inference-manifest.ts';
import { int8ActBuffer, int8ActLayout, int8ActWeightBytes, inverseActScale } from '../../runtime/int8-layout.ts';

describe('quantizeActivation', () => {
  it('rounds halves away from zero on both sides and clamps to ±127', () => {
    expect([2.5, -2.5, 0.5, -0.5, 1.4999, 126.5, 127.5, 300, -300].map((x) => quantizeActivation(x, 1))).toEqual([3, -3, 1, -1, 1, 127, 127, 127, -127]);
    expect(Object.is(quantizeActivation(-0.2, 1), 0)).toBe(true);
  });

  it('multiplies in f32 as the kernel does: fround(fround(x) · inv)', () => {
    // 1/3 in f32 times 3 rounds to exactly 1 in f32 (in float64 it is 1 − 2⁻²⁵ and still 1 after rounding).
    expect(quantizeActivation(1 / 3, 3)).toBe(1);
    // 0.5 − 2⁻²⁶ is below the half in float64 but rounds to 0.5 in f32: the kernel sees a half.
    expect(quantizeActivation(0.5 - 2 ** -26, 1)).toBe(1);
  });

  it('takes scale = max|x| / 127 as f32 and its f32 reciprocal, 0 for all-zero inputs', () => {
    expect(activationScale(127 / 64)).toBe(1 / 64);
    expect(inverseActScale(1 / 64)).toBe(64);
    expect(activationScale(0)).toBe(0);
    expect(inverseActScale(0)).toBe(0);
  });
});

describe('int8ActLayout / int8ActBuffer', () => {
  it('lays a dense kernel [K, N] out column by column along K, padded to whole words, then scales', () => {
    const [K, N] = [5, 3];
    expect(int8ActLayout([K, N], 1)).toEqual({ channels: 3, packed: 5, packedWords: 2, wordsPerChannel: 2, words: 6 });
    const q = Int8Array.from({ length: K * N }, (_, i) => (i % N) * 10 + Math.floor(i / N) + 1);
    const bytes = int8ActBuffer(q, [K, N], 1, Float32Array.of(0.5, 0.25, 2), 0.125);
    expect(bytes.length).toBe(int8ActWeightBytes([K, N], 1));
    expect(bytes.length).toBe(4 * (6 + 3 + 2));
    // Column n: k = 0..4 in bytes 0..4 of its two words, bytes 5..7 zero.
    expect([...bytes.subarray(0, 24)]).toEqual([1, 2, 3, 4, 5, 0, 0, 0, 11, 12, 13, 14, 15, 0, 0, 0, 21, 22, 23, 24, 25, 0, 0, 0]);
    expect([...new Float32Array(bytes.buffer, 24, 5)]).toEqual([0.5, 0.25, 2, 0.125, 8]);
  });

  it('lays conv filters [CO, CIg, KH, KW] out as [CO][KH][KW][CIg padded to 4], negative values as bytes', () => {
    const shape = [2, 3, 2, 1];
    expect(int8ActLayout(shape, 0)).toEqual({ channels: 2, packed: 3, packedWords: 1, wordsPerChannel: 2, words: 4 });
    // Value of (co, ci, kh): -(co·100 + ci·10 + kh + 1).
    const q = Int8Array.from({ length: 12 }, (_, i) => {
      const [co, ci, kh] = [Math.floor(i / 6), Math.floor(i / 2) % 3, i % 2];
      return -(co * 50 + ci * 10 + kh + 1);
    });
    const words = new Int8Array(int8ActBuffer(q, shape, 0, Float32Array.of(1, 1), 1).buffer, 0, 16);
    expect([...words]).toEqual([-1, -11, -21, 0, -2, -12, -22, 0, -51, -61, -71, 0, -52, -62, -72, 0]);
  });
});

const MLP = `model mlp {
  input x: f32[6]
  input y: class[3]
  h = x -> dense(5, activation: relu)
  logits = h -> dense(3)
  output logits
}
train mlp {
  loss = cross_entropy(logits, y)
  batch = 4
}`;

describe('calibration and the quantised reference', () => {
  const ex = exportInference(MLP, { maxBatch: 4, int8: true, int8Activations: true });
  const m = ex.manifest!;
  const weights = m.weights.map((w) => Float32Array.from({ length: w.shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 1.7 + w.name.length) * 0.8));

  it('marks every dense kernel of an export with int8 activations and sizes its buffer for the layout', () => {
    expect(ex.diagnostics).toEqual([]);
    const marked = m.weights.filter((w) => w.int8?.activations);
    expect(marked.map((w) => w.name)).toEqual(['dense_1.kernel', 'dense_2.kernel']);
    for (const w of marked) expect(m.buffers[w.buffer]!.size).toBe(int8ActWeightBytes(w.shape, w.int8!.axis));
    expect(Object.values(m.shaders).filter((s) => s.includes('dot4I8Packed'))).toHaveLength(2);
    // Without the option the same export computes with f32 activations.
    const plain = exportInference(MLP, { maxBatch: 4, int8: true }).manifest!;
    expect(plain.weights.some((w) => w.int8?.activations)).toBe(false);
    expect(Object.values(plain.shaders).some((s) => s.includes('dot4I8Packed'))).toBe(false);
  });

  it('refuses a manifest whose int8.activations is not true', () => {
    const bad = JSON.parse(JSON.stringify(m));
    bad.weights.find((w: { int8?: unknown }) => w.int8).int8.activations = 'yes';
    expect(() => validateInferenceManifest(bad, 'm.json')).toThrow(/int8\.activations must be true/);
  });

  it('takes each kernel input scale from the largest |x| over the samples, remainder chunk included', () => {
    const count = 37; // one chunk of 32 and one of 5
    const x = Float32Array.from({ length: count * 6 }, (_, i) => Math.cos(i) * (i === 200 ? 3 : 1));
    const scales = calibrateActivations(MLP, {}, m, weights, { x }, count);
    expect(scales.get('dense_1.kernel')).toBe(Math.fround(3 * Math.abs(Math.cos(200)) / 127));
    expect(scales.get('dense_2.kernel')).toBeGreaterThan(0);
    // Fewer samples miss sample 33's peak.
    expect(calibrateActivations(MLP, {}, m, weights, { x }, 32).get('dense_1.kernel')).toBeLessThan(scales.get('dense_1.kernel')!);
  });

  it('runs a dense kernel on quantised inputs: s · Σ q(x)·w, then the bias', () => {
    const one = MLP.replace('h = x -> dense(5, activation: relu)\n  logits = h -> dense(3)', 'logits = x -> dense(3)');
    const g = compile(one, { batch: 2 }).graph!;
    const k = Float32Array.from({ length: 18 }, (_, i) => Math.sin(i * 1.3));
    const b = Float32Array.of(0.1, -0.2, 0.3);
    const env = new Map();
    for (const p of g.params) env.set(p.value, tensor(g.value(p.value).shape, g.value(p.value).name.endsWith('kernel') ? k : b));
    const xs = Float32Array.from({ length: 12 }, (_, i) => (i - 6) / 7);
    env.set(g.inputs.find((i) => i.name === 'x')!.value, tensor([2, 6], xs));
    const s = 0.01;
    const out = runInt8ActivationProgram(g, 'forward', env, { lr: 0, step: 0, seed: 0 }, new Map([['dense_1.kernel', s]]));
    const logits = out.get(g.programs.forward.outputs[0]!.value)!.data;
    const inv = inverseActScale(s);
    for (let r = 0; r < 2; r++) {
      for (let n = 0; n < 3; n++) {
        let acc = 0;
        for (let j = 0; j < 6; j++) acc += quantizeActivation(xs[r * 6 + j]!, inv) * Math.fround(s) * k[j * 3 + n]!;
        expect(logits[r * 3 + n]).toBeCloseTo(acc + b[n]!, 12);
      }
    }
    // Unquantised inputs give other outputs: the check sees the quantisation.
    const plain = runInt8ActivationProgram(g, 'forward', env, { lr: 0, step: 0, seed: 0 }, new Map());
    expect(Math.abs(plain.get(g.programs.forward.outputs[0]!.value)!.data[0]! - logits[0]!)).toBeGreaterThan(1e-4);
  });
});

describe('checkLanguageFeatures', () => {
  const m = exportInference(MLP, { maxBatch: 4, int8: true, int8Activations: true }).manifest!;
  it('refuses int8 activations on an adapter without packed_4x8_integer_dot_product, naming the way out', () => {
    expect(() => checkLanguageFeatures(m, new Set(['pointer_composite_access']), 'model/')).toThrow(InferenceError);
    expect(() => checkLanguageFeatures(m, new Set(), 'model/')).toThrow(/model\/ computes with int8 activations.*packed_4x8_integer_dot_product.*without --calibrate/);
  });
  it('passes an adapter with it, an unknown feature set, and a model without int8 activations', () => {
    expect(() => checkLanguageFeatures(m, new Set(['packed_4x8_integer_dot_product']), 'model/')).not.toThrow();
    expect(() => checkLanguageFeatures(m, undefined, 'model/')).not.toThrow();
    const plain = exportInference(MLP, { maxBatch: 4, int8: true }).manifest!;
    expect(() => checkLanguageFeatures(plain, new Set(), 'model/')).not.toThrow();
  });
});
