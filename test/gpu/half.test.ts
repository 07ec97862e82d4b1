// f16 weights (dlc export --precision f16): the inference artifact's dense and conv kernels read
// their weights as f16 (WGSL `enable f16;`, the shader-f16 feature) and must give what the float64
// interpreter gives with the weights rounded to f16 (runtime/half.ts, ties to even) at awkward
// shapes: odd widths, a strided padded convolution with 5 output channels, a grouped one, an LSTM's
// kernels, a batch of 3 and a count above the maximum batch. On an adapter without shader-f16 (Mesa's
// OpenGL ES) the goldens skip, saying so, and the model is refused with a message naming the feature.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { exportInference } from '../../compiler/export.ts';
import { halfWeightsFile } from '../../compiler/half.ts';
import { tensor } from '../../compiler/ir/tensor.ts';
import { DeviceUnavailableError, openDevice, type NodeDeviceHandle } from '../../runtime/device-node.ts';
import { roundToF16 } from '../../runtime/half.ts';
import { InferenceError, InferenceModel } from '../../runtime/inference.ts';
import { HALF_FEATURE } from '../../runtime/inference-manifest.ts';
import { ADAPTERS, relError, type AdapterKind } from '../helpers/gpu.ts';
import { ReferenceRun } from '../helpers/reference.ts';
import { STORED_WEIGHT_CASES as CASES, samples } from '../helpers/stored-weight-cases.ts';
import { syntheticWeights } from '../helpers/synthetic-weights.ts';

/** Opens the adapter with shader-f16 for the block; `reason` says why not when it lacks the feature (or is missing outside CI). */
function useHalfDevice(kind: AdapterKind): { handle: () => NodeDeviceHandle | undefined; reason: () => string | undefined } {
  let handle: NodeDeviceHandle | undefined;
  let reason: string | undefined;
  beforeAll(async () => {
    try {
      handle = await openDevice(kind, undefined, { requiredFeatures: [HALF_FEATURE] });
    } catch (err) {
      const lacksFeature = err instanceof DeviceUnavailableError && err.message.includes(HALF_FEATURE);
      if (!lacksFeature && (!(err instanceof DeviceUnavailableError) || process.env.CI)) throw err;
      reason = err.message;
      console.warn(`f16 goldens on ${kind} skipped: ${reason}`);
    }
  });
  afterAll(() => handle?.destroy());
  return { handle: () => handle, reason: () => reason };
}

describe('f16 weights against the float64 reference with the weights rounded to f16', () => {
  for (const adapter of ADAPTERS) {
    describe(adapter, () => {
      const device = useHalfDevice(adapter);
      for (const c of CASES) {
        it(c.name, async (t) => {
          const h = device.handle();
          // The stated reason: this adapter does not offer shader-f16 (or is not installed).
          if (!h) return t.skip(device.reason());
          const m = compile(c.text, { file: `${c.name}.dl`, batch: c.maxBatch }).artifact!.manifest;
          const f32 = syntheticWeights(m);
          const exported = exportInference(c.text, { maxBatch: c.maxBatch, f16: true });
          expect(exported.diagnostics).toEqual([]);
          const im = exported.manifest!;
          expect(im.weights.filter((w) => w.f16).map((w) => w.name).sort()).toEqual(c.weights);
          expect(im.features).toEqual([HALF_FEATURE]);
          for (const k of im.kernels) expect(im.shaders[k.shader]!.includes('array<f16>'), k.name).toBe(im.shaders[k.shader]!.includes('enable f16;'));
          expect(Object.values(im.shaders).filter((s) => s.includes('array<f16>')).length).toBeGreaterThan(0);
          const file = halfWeightsFile(im, im.weights.map((w) => f32.get(w.name)!), {});
          const model = await InferenceModel.create(h.device, { manifest: im, weights: file });
          try {
            for (const count of c.counts) {
              const inputs = samples(im.inputs, count);
              model.poisonScratch();
              const got = await model.predict(inputs, count);
              // The reference: the same program at batch `count`, its f16 weights rounded to f16.
              const ref = new ReferenceRun(compile(c.text, { batch: count }));
              const g = ref.graph;
              for (const p of g.params) {
                const w = im.weights.find((x) => x.name === g.value(p.value).name)!;
                const data = f32.get(w.name)!;
                ref.env.set(p.value, tensor(w.shape, w.f16 ? Float64Array.from(data, roundToF16) : data));
              }
              const want = ref.run('forward', inputs);
              // Against the f32 weights instead, the outputs move by more than the tolerance: the check sees the rounding.
              const plain = new ReferenceRun(compile(c.text, { batch: count }));
              for (const p of g.params) plain.env.set(p.value, tensor(g.value(p.value).shape, f32.get(g.value(p.value).name)!));
              const unrounded = plain.run('forward', inputs);
              for (const o of im.outputs) {
                const w = want[o.name]!.data;
                expect(Math.max(...w) - Math.min(...w)).toBeGreaterThan(1e-3);
                expect(relError(got[o.name]!, w), `${o.name} at ${count} samples`).toBeLessThan(1e-5);
                expect(relError(got[o.name]!, unrounded[o.name]!.data)).toBeGreaterThan(1e-5);
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

describe('f16 weights on a device without shader-f16', () => {
  it('InferenceModel.create refuses the artifact, naming the feature (gles, which lacks it; vulkan with the feature not requested)', async (t) => {
    const c = CASES[0]!;
    const im = exportInference(c.text, { maxBatch: c.maxBatch, f16: true }).manifest!;
    const m = compile(c.text, { batch: c.maxBatch }).artifact!.manifest;
    const f32 = syntheticWeights(m);
    const file = halfWeightsFile(im, im.weights.map((w) => f32.get(w.name)!), {});
    let tried = 0;
    for (const kind of ADAPTERS) {
      let h: NodeDeviceHandle;
      try {
        h = await openDevice(kind);
      } catch (err) {
        if (err instanceof DeviceUnavailableError && !process.env.CI) continue;
        throw err;
      }
      try {
        expect(h.device.features.has(HALF_FEATURE)).toBe(false);
        await expect(InferenceModel.create(h.device, { manifest: im, weights: file, source: 'net' })).rejects.toThrow(InferenceError);
        await expect(InferenceModel.create(h.device, { manifest: im, weights: file, source: 'net' })).rejects.toThrow(/^net needs the WebGPU feature shader-f16 \(its dense and conv weights are f16\)/);
        tried++;
      } finally {
        h.destroy();
      }
    }
    if (tried === 0) t.skip('no adapter installed');
  }, 600_000);
});
