// Int8 quantisation of weights (compiler/quantize.ts): per-channel scales, rounding, packing four
// to a u32 word as the kernels unpack it, the weights file, and which weights an export makes int8.
import { describe, expect, it } from 'vitest';
import { exportInference } from '../../compiler/export.ts';
import { dequantize, inferenceWeightsFile, packInt8, quantizePerChannel, unpackInt8 } from '../../compiler/quantize.ts';
import { int8WeightBytes, validateInferenceManifest } from '../../runtime/inference-manifest.ts';
import { decodeSafetensors, encodeSafetensors } from '../../runtime/safetensors.ts';

describe('quantizePerChannel', () => {
  it('scales each channel by max|w| / 127 along the axis and rounds to the nearest step', () => {
    // Shape [2, 3], channels along axis 1 (a dense kernel [in, out]).
    const w = [0.5, -2, 0, -1, 1, 0];
    const { q, scales } = quantizePerChannel(w, [2, 3], 1);
    expect([...scales]).toEqual([Math.fround(1 / 127), Math.fround(2 / 127), 0]);
    expect([...q]).toEqual([64, -127, 0, -127, 64, 0]);
    // Along axis 0 (conv filters [out, ...]): rows are channels.
    const r = quantizePerChannel(w, [2, 3], 0);
    expect([...r.scales]).toEqual([Math.fround(2 / 127), Math.fround(1 / 127)]);
    expect([...r.q]).toEqual([32, -127, 0, -127, 127, 0]);
  });

  it('gives the largest magnitude of a channel exactly ±127, negative values included', () => {
    const { q } = quantizePerChannel([-3, 1.5, 0.75, -0.1], [4, 1], 1);
    expect([...q]).toEqual([-127, 64, 32, -4]);
  });

  it('rounds halves away from zero, on both sides', () => {
    // scale 1 (max 127): w / scale lands on .5 exactly.
    const { q, scales } = quantizePerChannel([127, 2.5, -2.5, 0.5, -0.5, 1.4999], [6, 1], 1);
    expect(scales[0]).toBe(1);
    expect([...q]).toEqual([127, 3, -3, 1, -1, 1]);
  });

  it('gives a channel of zeros scale 0 and zeros, without NaN, and dequantises it to zeros', () => {
    const shape = [2, 2];
    const x = quantizePerChannel([0, 1, -0, -1], shape, 1);
    expect([...x.scales]).toEqual([0, Math.fround(1 / 127)]);
    expect([...x.q]).toEqual([0, 127, 0, -127]);
    const d = dequantize(x, shape, 1);
    expect(d.every((v) => Number.isFinite(v))).toBe(true);
    expect([...d]).toEqual([0, 127 * Math.fround(1 / 127), 0, -127 * Math.fround(1 / 127)]);
  });

  it('dequantises within half a step of each weight', () => {
    const w = Float32Array.from({ length: 60 }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 5)));
    const shape = [5, 3, 4];
    const x = quantizePerChannel(w, shape, 0);
    const d = dequantize(x, shape, 0);
    for (let i = 0; i < w.length; i++) {
      const s = x.scales[Math.floor(i / 12)]!;
      expect(Math.abs(d[i]! - w[i]!)).toBeLessThanOrEqual(s / 2 + 1e-7);
    }
  });
});

describe('packInt8 / unpackInt8', () => {
  it('puts element 4i + j in byte j of word i and sign-extends it back', () => {
    const q = Int8Array.from([1, -1, 127, -127, -128, 0, 5]);
    const words = packInt8(q);
    expect([...words]).toEqual([0x817fff01, 0x00050080]);
    expect([...unpackInt8(words, q.length)]).toEqual([...q]);
    // The same bytes as safetensors' I8 layout (what the runtime uploads).
    expect([...new Uint8Array(words.buffer).subarray(0, q.length)]).toEqual([...new Uint8Array(q.buffer)]);
  });

  it('round-trips every int8 value at every byte position', () => {
    const q = Int8Array.from({ length: 256 * 4 + 3 }, (_, i) => ((i * 37) % 256) - 128);
    expect([...unpackInt8(packInt8(q), q.length)]).toEqual([...q]);
  });
});

describe('safetensors I8', () => {
  it('encodes and decodes int8 tensors of any length beside F32 ones', () => {
    const q = Int8Array.from([-127, 3, 0, 127, -1]);
    const bytes = encodeSafetensors([
      { name: 'w', dtype: 'I8', shape: [5], data: q },
      { name: 'w.scale', dtype: 'F32', shape: [1], data: Float32Array.from([0.25]) },
    ]);
    const t = decodeSafetensors(bytes).tensors;
    expect(t.get('w')!.dtype).toBe('I8');
    expect([...t.get('w')!.data]).toEqual([...q]);
    expect([...t.get('w.scale')!.data]).toEqual([0.25]);
  });
});

describe('exportInference with int8', () => {
  const text = `model m {
  input x: f32[2, 6, 6]
  input y: class[3]
  e = x -> conv2d(4, kernel: 3, activation: relu) -> flatten
  logits = e -> dense(3)
  output logits
}
train m {
  loss = cross_entropy(logits, y)
  batch = 2
}`;

  it('marks dense and conv kernels int8 (axis: output channels), leaves biases f32, and sizes their buffers', () => {
    const f32 = exportInference(text, { maxBatch: 2 }).manifest!;
    const m = exportInference(text, { maxBatch: 2, int8: true }).manifest!;
    expect(f32.weights.every((w) => w.int8 === undefined)).toBe(true);
    expect(m.weights.map((w) => [w.name, w.int8?.axis])).toEqual([
      ['conv2d_1.kernel', 0], ['conv2d_1.bias', undefined], ['dense_1.kernel', 1], ['dense_1.bias', undefined],
    ]);
    const conv = m.weights[0]!;
    expect(m.buffers[conv.buffer]!.size).toBe(int8WeightBytes(4 * 2 * 9, 4));
    // The parameter arena closes up over the kernels that left it: the two biases, 256-byte aligned.
    const bias = m.weights[1]!;
    expect(m.weights[3]!.buffer).toBe(bias.buffer);
    expect([bias.offset ?? 0, m.weights[3]!.offset]).toEqual([0, 256]);
    expect(m.buffers[bias.buffer]!.size).toBe(256 + 3 * 4);
    expect(validateInferenceManifest(JSON.parse(JSON.stringify(m)))).toBeTruthy();
    // The weights file: I8 values and F32 scales for int8 weights.
    const w = m.weights.map((x) => Float32Array.from({ length: x.shape.reduce((a, b) => a * b, 1) }, (_, i) => (i % 7) - 3));
    const t = decodeSafetensors(inferenceWeightsFile(m, w, {})).tensors;
    expect([...t.keys()]).toEqual(['conv2d_1.kernel', 'conv2d_1.kernel.scale', 'conv2d_1.bias', 'dense_1.kernel', 'dense_1.kernel.scale', 'dense_1.bias']);
    expect(t.get('conv2d_1.kernel')!.dtype).toBe('I8');
    expect(t.get('dense_1.kernel.scale')!.shape).toEqual([3]);
    // A buffer too small for the values and scales is refused by name.
    const bad = JSON.parse(JSON.stringify(m));
    bad.buffers[conv.buffer].size -= 4;
    expect(() => validateInferenceManifest(bad)).toThrow('weights[0] does not fit in its buffer');
    bad.buffers[conv.buffer].size += 4;
    bad.weights[0].int8 = { axis: 4 };
    expect(() => validateInferenceManifest(bad)).toThrow('weights[0].int8 must be { axis } with an axis of its shape, on a weight');
  });

  it("makes a shared dense layer's kernel int8 once (both its matmuls read it along axis 1)", () => {
    const shared = `model s {
  input x: f32[4]
  input y: class[4]
  d = dense(4)
  h = x -> d
  logits = h -> d
  output logits
}
train s {
  loss = cross_entropy(logits, y)
  batch = 2
}`;
    const r = exportInference(shared, { maxBatch: 2, int8: true });
    expect(r.diagnostics).toEqual([]);
    expect(r.manifest!.weights.filter((w) => w.int8).map((w) => [w.name, w.int8!.axis])).toEqual([['dense_1.kernel', 1]]);
  });
});
