// Int8 weights (dlc quantize) on both adapters: the inference artifact's dense and conv kernels read
// int8 weights packed four to a word and scale each output channel, and must give what the float64
// interpreter gives with the dequantised weights (q · scale) at awkward shapes: odd widths (the
// per-element path), a width of 8 (whole words), a strided padded convolution with 5 output
// channels, a grouped convolution, an LSTM's kernels, a batch of 3 and a count above the maximum batch.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { exportInference } from '../../compiler/export.ts';
import { tensor } from '../../compiler/ir/tensor.ts';
import { dequantize, inferenceWeightsFile, quantizePerChannel } from '../../compiler/quantize.ts';
import { InferenceModel } from '../../runtime/inference.ts';
import { ADAPTERS, relError, useDevice } from '../helpers/gpu.ts';
import { ReferenceRun } from '../helpers/reference.ts';
import { STORED_WEIGHT_CASES as CASES, samples } from '../helpers/stored-weight-cases.ts';
import { syntheticWeights } from '../helpers/synthetic-weights.ts';

describe('int8 weights against the float64 reference with dequantised weights', () => {
  for (const adapter of ADAPTERS) {
    describe(adapter, () => {
      const device = useDevice(adapter);
      for (const c of CASES) {
        it(c.name, async (t) => {
          const h = device();
          if (!h) return t.skip();
          const m = compile(c.text, { file: `${c.name}.dl`, batch: c.maxBatch }).artifact!.manifest;
          const f32 = syntheticWeights(m);
          const exported = exportInference(c.text, { maxBatch: c.maxBatch, int8: true });
          expect(exported.diagnostics).toEqual([]);
          const im = exported.manifest!;
          expect(im.weights.filter((w) => w.int8).map((w) => w.name).sort()).toEqual(c.weights);
          const file = inferenceWeightsFile(im, im.weights.map((w) => f32.get(w.name)!), {});
          const model = await InferenceModel.create(h.device, { manifest: im, weights: file });
          try {
            for (const count of c.counts) {
              const inputs = samples(im.inputs, count);
              model.poisonScratch();
              const got = await model.predict(inputs, count);
              // The reference: the same program at batch `count`, its int8 weights dequantised.
              const ref = new ReferenceRun(compile(c.text, { batch: count }));
              const g = ref.graph;
              for (const p of g.params) {
                const w = im.weights.find((x) => x.name === g.value(p.value).name)!;
                const data = f32.get(w.name)!;
                ref.env.set(p.value, tensor(w.shape, w.int8 ? dequantize(quantizePerChannel(data, w.shape, w.int8.axis), w.shape, w.int8.axis) : data));
              }
              const want = ref.run('forward', inputs);
              // Against the f32 weights instead, the outputs move by more than the tolerance: the check sees the quantisation.
              const plain = new ReferenceRun(compile(c.text, { batch: count }));
              for (const p of g.params) plain.env.set(p.value, tensor(g.value(p.value).shape, f32.get(g.value(p.value).name)!));
              const unquantised = plain.run('forward', inputs);
              for (const o of im.outputs) {
                const w = want[o.name]!.data;
                expect(Math.max(...w) - Math.min(...w)).toBeGreaterThan(1e-3);
                expect(relError(got[o.name]!, w), `${o.name} at ${count} samples`).toBeLessThan(1e-5);
                expect(relError(got[o.name]!, unquantised[o.name]!.data)).toBeGreaterThan(1e-4);
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
