// Int8 activations (dlc quantize --calibrate) on both adapters: dense and conv kernels quantise their
// inputs with a calibrated per-tensor scale, multiply with int8 weights by dot4I8Packed in i32, and
// must give what the float64 interpreter gives with the same quantised semantics
// (reference/int8-activations.ts, weights dequantised) to float rounding, at awkward shapes: inner
// dimensions 13 and 7 (a partial last word), 8 (whole words), conv filters over 3 and 7 input
// channels (per tap: a partial word, a whole word and a partial one), a strided padded convolution,
// a grouped one, an LSTM's kernels; batches of 3 and counts above the maximum batch; scratch
// buffers poisoned with NaN before each run. The scales come from other samples than the checked
// ones, so some inputs pass the calibrated range and clamp.
import { describe, expect, it } from 'vitest';
import { calibrateActivations } from '../../compiler/calibrate.ts';
import { compile } from '../../compiler/compile.ts';
import { exportInference } from '../../compiler/export.ts';
import { tensor } from '../../compiler/ir/tensor.ts';
import { dequantize, inferenceWeightsFile, quantizePerChannel } from '../../compiler/quantize.ts';
import { runInt8ActivationProgram } from '../../compiler/reference/int8-activations.ts';
import { runProgram } from '../../compiler/reference/interp.ts';
import { InferenceModel } from '../../runtime/inference.ts';
import { Rng } from '../../runtime/random.ts';
import { ADAPTERS, relError, useDevice } from '../helpers/gpu.ts';
import { syntheticWeights } from '../helpers/synthetic-weights.ts';

interface Case {
  name: string;
  text: string;
  maxBatch: number;
  counts: number[];
  /** The weights expected to compute with int8 activations. */
  activations: string[];
  /**
   * Inputs at exact halves of the first kernel's quantisation steps: its calibration inputs peak at
   * 127/64 (scale 1/64, reciprocal 64) and the checked inputs are multiples of 1/128, up to ±300/128
   * (past the range: clamped). Rounding halves to even instead of away from zero would show.
   */
  halves?: { weight: string };
}

const train = (model: string): string => `train ${model} {
  loss = cross_entropy(logits, y)
  batch = 4
}`;

const CASES: Case[] = [
  {
    name: 'dense 13 → 8 (relu) → 7 → 5',
    text: `model mlp {
  input x: f32[13]
  input y: class[5]
  logits = x -> dense(8, activation: relu) -> dense(7, activation: tanh) -> dense(5)
  output logits
}
${train('mlp')}`,
    maxBatch: 4,
    counts: [3, 7],
    activations: ['dense_1.kernel', 'dense_2.kernel', 'dense_3.kernel'],
  },
  {
    name: 'conv 3×9×7 → 7 channels (stride 2, same padding), conv over 7 channels, grouped conv, dense',
    text: `model cnn {
  input image: f32[3, 9, 7]
  input y: class[6]
  logits = image -> conv2d(7, kernel: 3, stride: 2, padding: same, activation: relu)
    -> conv2d(10, kernel: 2, padding: same) -> conv2d(10, kernel: 2, groups: 5) -> flatten -> dense(6)
  output logits
}
${train('cnn')}`,
    maxBatch: 4,
    counts: [3, 5],
    activations: ['conv2d_1.kernel', 'conv2d_2.kernel', 'conv2d_3.kernel', 'dense_1.kernel'],
  },
  {
    name: 'dense 13 → 7 → 5 at exact halves of the input scale',
    text: `model mlp {
  input x: f32[13]
  input y: class[5]
  logits = x -> dense(7, activation: relu) -> dense(5)
  output logits
}
${train('mlp')}`,
    maxBatch: 4,
    counts: [7],
    activations: ['dense_1.kernel', 'dense_2.kernel'],
    halves: { weight: 'dense_1.kernel' },
  },
  {
    name: 'lstm over 5 steps of 3 → 6 units, dense',
    text: `model rnn {
  input x: f32[5, 3]
  input y: class[4]
  logits = x -> lstm(6) -> dense(4)
  output logits
}
${train('rnn')}`,
    maxBatch: 4,
    counts: [3],
    activations: ['dense_1.kernel', 'lstm_1.kernel', 'lstm_1.recurrent_kernel'],
  },
];

function samples(inputs: { name: string; shape: number[] }[], count: number, seed: number, value = (u: number) => u * 2 - 1): Record<string, Float32Array> {
  const rng = new Rng(seed);
  return Object.fromEntries(inputs.map((i) => [i.name, Float32Array.from({ length: count * i.shape.reduce((a, b) => a * b, 1) }, () => value(rng.next()))]));
}

/** Calibration inputs peaking at 127/64, and checked inputs n/128 for integers n in [-300, 300]. */
const halvesCalibration = (inputs: { name: string; shape: number[] }[]): Record<string, Float32Array> => {
  const s = samples(inputs, 6, 9, (u) => u * 3.8 - 1.9);
  for (const v of Object.values(s)) v[0] = 127 / 64;
  return s;
};
const halvesInput = (u: number): number => Math.round(u * 600 - 300) / 128;

describe('int8 activations against the float64 reference with the same quantisation', () => {
  for (const adapter of ADAPTERS) {
    describe(adapter, () => {
      const device = useDevice(adapter);
      for (const c of CASES) {
        it(c.name, async (t) => {
          const h = device();
          if (!h) return t.skip();
          const m = compile(c.text, { batch: c.maxBatch }).artifact!.manifest;
          const f32 = syntheticWeights(m);
          const exported = exportInference(c.text, { maxBatch: c.maxBatch, int8: true, int8Activations: true });
          expect(exported.diagnostics).toEqual([]);
          const im = exported.manifest!;
          expect(im.weights.filter((w) => w.int8?.activations).map((w) => w.name).sort()).toEqual(c.activations);
          expect(Object.values(im.shaders).filter((s) => s.includes('dot4I8Packed')).length).toBeGreaterThan(0);
          const weights = im.weights.map((w) => f32.get(w.name)!);
          const scales = calibrateActivations(c.text, {}, im, weights, c.halves ? halvesCalibration(im.inputs) : samples(im.inputs, 6, 9), 6);
          for (const s of scales.values()) expect(s).toBeGreaterThan(0);
          if (c.halves) expect(scales.get(c.halves.weight)).toBe(1 / 64);
          const file = inferenceWeightsFile(im, weights, {}, scales);
          const model = await InferenceModel.create(h.device, { manifest: im, weights: file, wgslLanguageFeatures: h.gpu.wgslLanguageFeatures });
          try {
            for (const count of c.counts) {
              const inputs = c.halves ? samples(im.inputs, count, 5, halvesInput) : samples(im.inputs, count, 5);
              if (c.halves) expect(Object.values(inputs)[0]!.filter((x) => Math.abs(x * 64) % 1 === 0.5 && Math.abs(x * 64) < 127).length).toBeGreaterThan(20);
              model.poisonScratch();
              const got = await model.predict(inputs, count);
              // The reference at batch `count`: int8 weights dequantised, int8 activations quantised.
              const g = compile(c.text, { batch: count }).graph!;
              const env = () => {
                const e = new Map();
                for (const p of g.params) {
                  const w = im.weights.find((x) => x.name === g.value(p.value).name)!;
                  const data = f32.get(w.name)!;
                  e.set(p.value, tensor(w.shape, w.int8 ? dequantize(quantizePerChannel(data, w.shape, w.int8.axis), w.shape, w.int8.axis) : data));
                }
                for (const i of g.inputs) if (inputs[i.name]) e.set(i.value, tensor(g.value(i.value).shape, inputs[i.name]!));
                return e;
              };
              const ctx = { lr: 0, step: 0, seed: 0 };
              const want = runInt8ActivationProgram(g, 'forward', env(), ctx, scales);
              // Int8 weights with f32 activations move the outputs by more than the tolerance: the check sees the activations' quantisation.
              const weightsOnly = runProgram(g, 'forward', env(), ctx);
              for (const o of g.programs.forward.outputs) {
                const w = want.get(o.value)!.data;
                expect(Math.max(...w) - Math.min(...w)).toBeGreaterThan(1e-3);
                expect(relError(got[o.name]!, w), `${o.name} at ${count} samples`).toBeLessThan(1e-6);
                expect(relError(got[o.name]!, weightsOnly.get(o.value)!.data)).toBeGreaterThan(1e-4);
              }
            }
          } finally {
            model.dispose();
          }
        }, 600_000);
      }
    });
  }
});
