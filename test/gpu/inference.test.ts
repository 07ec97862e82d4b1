// The inference artifact (dlc export) predicts what the training artifact's eval-mode forward
// predicts, for every sample network (and one with several rows per sample): one artifact for 1 sample, an odd count and a count above its
// maximum batch (run in chunks), the counts run from largest to smallest so that rows left in the
// buffers by a larger run are there when a smaller one runs. The reference runs the training
// artifact's forward program at its fixed batch, the last chunk padded with zeros.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { exportInference } from '../../compiler/export.ts';
import { InferenceModel } from '../../runtime/inference.ts';
import { readInferenceFolder } from '../../runtime/inference-node.ts';
import { Rng } from '../../runtime/random.ts';
import { encodeSafetensors } from '../../runtime/safetensors.ts';
import { Session, type TensorData } from '../../runtime/session.ts';
import { dlc, ROOT } from '../helpers/cli.ts';
import { ADAPTERS, relError, useDevice, type AdapterKind } from '../helpers/gpu.ts';
import { syntheticWeights, syntheticWeightsFile } from '../helpers/synthetic-weights.ts';

interface Case {
  file: string;
  /** The program, when it is not samples/<file>. */
  text?: string;
  maxBatch: number;
  /** Largest first. */
  counts: number[];
  adapters: readonly AdapterKind[];
}

// The convolutional samples take a smaller maximum and count: llvmpipe runs them slowly.
const CASES: Case[] = [
  { file: 'binary.dl', maxBatch: 64, counts: [1000, 7, 1], adapters: ['vulkan'] },
  { file: 'blobs.dl', maxBatch: 64, counts: [1000, 7, 1], adapters: ADAPTERS },
  { file: 'regression.dl', maxBatch: 64, counts: [1000, 7, 1], adapters: ['vulkan'] },
  { file: 'mnist_mlp.dl', maxBatch: 64, counts: [1000, 7, 1], adapters: ['vulkan'] },
  { file: 'residual_mlp.dl', maxBatch: 64, counts: [200, 7, 1], adapters: ['vulkan'] },
  { file: 'mnist_cnn.dl', maxBatch: 8, counts: [19, 7, 1], adapters: ['vulkan'] },
  { file: 'resnet_mini.dl', maxBatch: 8, counts: [19, 7, 1], adapters: ADAPTERS },
  { file: 'mnist_lstm.dl', maxBatch: 8, counts: [19, 7, 1], adapters: ['vulkan'] },
  // Not a sample: three rows per sample (the matmul's rows are 3 × the batch), an odd number of
  // elements per sample (the last vec4 of a batch runs into the next sample), a softmax over rows.
  {
    file: 'rows.dl', maxBatch: 16, counts: [100, 7, 1], adapters: ['vulkan'],
    text: `model rows {
  input x: f32[12]
  input y: class[3]
  logits = x -> reshape([-1, 4]) -> dense(5, activation: tanh) -> flatten -> softmax -> dense(3)
  output logits
}
train rows {
  loss = cross_entropy(logits, y)
  optimizer = sgd(lr: 0.1)
  batch = 8
  epochs = 1
}`,
  },
  // Not a sample: random_crop's smart_resize (a slice, then a bilinear resize down) and a bilinear upsampling, whose grids scale with the batch.
  {
    file: 'crop.dl', maxBatch: 8, counts: [19, 7, 1], adapters: ADAPTERS,
    text: `model crop {
  input image: f32[3, 9, 7]
  input y: class[4]
  logits = image -> random_crop(5, 4) -> conv2d(2, kernel: 3) -> upsample(2, interpolation: bilinear) -> flatten -> dense(4)
  output logits
}
train crop {
  loss = cross_entropy(logits, y)
  batch = 4
}`,
  },
  // Not a sample: NHWC images transposed at the input, whose grid scales with the batch.
  {
    file: 'channels_last.dl', maxBatch: 8, counts: [19, 7, 1], adapters: ['vulkan'],
    text: `model cl {
  input image: f32[7, 5, 3] layout: channels_last
  input y: class[4]
  logits = image -> conv2d(4, kernel: 3, padding: same, activation: relu) -> flatten -> dense(4)
  output logits
}
train cl {
  loss = cross_entropy(logits, y)
  batch = 4
}`,
  },
];

const source = (c: Case): string => c.text ?? readFileSync(join(ROOT, 'samples', c.file), 'utf8');

/** `count` samples of every forward input (values in [0, 1), integers below 2), from a fixed seed. */
function samples(inputs: { name: string; dtype: string; shape: number[] }[], count: number): Record<string, TensorData> {
  const rng = new Rng(11);
  return Object.fromEntries(inputs.map((i) => {
    const n = count * i.shape.reduce((a, b) => a * b, 1);
    return [i.name, i.dtype === 'i32' ? Int32Array.from({ length: n }, () => rng.int(2)) : Float32Array.from({ length: n }, () => rng.next())];
  }));
}

/** The training artifact's forward outputs for `count` samples, run at its batch `batch` in padded chunks. */
async function referenceForward(s: Session, inputs: Record<string, TensorData>, count: number, batch: number): Promise<Record<string, Float32Array>> {
  const fwd = s.manifest.programs.forward;
  const per = (shape: number[]): number => shape.slice(1).reduce((a, b) => a * b, 1);
  const outs = Object.fromEntries(fwd.outputs.map((o) => [o.name, new Float32Array(count * per(o.shape))]));
  for (let start = 0; start < count; start += batch) {
    const b = Math.min(batch, count - start);
    const feed = Object.fromEntries(fwd.inputs.map((name) => {
      const slot = s.manifest.inputs.find((i) => i.name === name)!;
      const k = per(slot.shape);
      const src = inputs[name]!.subarray(start * k, (start + b) * k);
      const padded = slot.dtype === 'i32' ? new Int32Array(batch * k) : new Float32Array(batch * k);
      padded.set(src);
      return [name, padded];
    }));
    const res = await s.run('forward', feed, fwd.outputs.map((o) => o.name));
    for (const o of fwd.outputs) outs[o.name]!.set(res[o.name]!.subarray(0, b * per(o.shape)), start * per(o.shape));
  }
  return outs;
}

describe('exported inference artifacts agree with the training artifact', () => {
  for (const adapter of ADAPTERS) {
    describe(adapter, () => {
      const device = useDevice(adapter);
      for (const c of CASES.filter((x) => x.adapters.includes(adapter))) {
        it(`${c.file}: ${c.counts.join(', ')} samples, max batch ${c.maxBatch}`, async (t) => {
          const h = device();
          if (!h) return t.skip();
          const train = compile(source(c), { file: c.file, batch: c.maxBatch });
          expect(train.ok).toBe(true);
          const m = train.artifact!.manifest;
          const weights = syntheticWeights(m);
          const exported = exportInference(source(c), { file: c.file, maxBatch: c.maxBatch });
          expect(exported.diagnostics).toEqual([]);
          const im = exported.manifest!;
          // Forward only: no training kernel, no gradient or optimizer buffer.
          expect(im.kernels.length).toBe(m.programs.forward.kernels.length);
          expect(im.buffers.some((b) => /grad|optimizer|adam|momentum/i.test(b.label))).toBe(false);
          const file = encodeSafetensors(im.weights.map((w) => ({ name: w.name, dtype: 'F32' as const, shape: w.shape, data: weights.get(w.name)! })));
          const model = await InferenceModel.create(h.device, { manifest: im, weights: file });
          const s = await Session.create(train.artifact!, h.device);
          try {
            s.setWeights(weights);
            for (const count of c.counts) {
              const inputs = samples(im.inputs, count);
              const got = await model.predict(inputs, count);
              const want = await referenceForward(s, inputs, count, c.maxBatch);
              for (const o of im.outputs) {
                const w = want[o.name]!;
                expect(got[o.name]!.length).toBe(w.length);
                expect(w.every((x) => Number.isFinite(x))).toBe(true);
                // The outputs differ between samples, so a chunk that read the wrong rows shows.
                if (count > 1) expect(Math.max(...w) - Math.min(...w)).toBeGreaterThan(1e-4);
                expect(relError(got[o.name]!, w), `${o.name} at ${count} samples`).toBeLessThan(1e-5);
              }
            }
          } finally {
            s.dispose();
            model.dispose();
          }
        }, 600_000);
      }
    });
  }
});

describe('a folder written by dlc export', () => {
  const device = useDevice('vulkan');

  it('loads with readInferenceFolder and predicts what the same export in memory predicts; bad calls say what is wrong', async (t) => {
    const h = device();
    if (!h) return t.skip();
    const tmp = mkdtempSync(join(tmpdir(), 'dlc-infer-'));
    const text = readFileSync(join(ROOT, 'samples', 'blobs.dl'), 'utf8');
    const train = compile(text, { file: 'blobs.dl' }).artifact!.manifest;
    writeFileSync(join(tmp, 'w.safetensors'), syntheticWeightsFile(train));
    const r = await dlc(['export', 'samples/blobs.dl', '--weights', join(tmp, 'w.safetensors'), '-o', join(tmp, 'model'), '--max-batch', '16']);
    expect(r.code, r.stderr).toBe(0);
    const fromDisk = await InferenceModel.create(h.device, await readInferenceFolder(join(tmp, 'model')));
    const im = exportInference(text, { file: 'samples/blobs.dl', maxBatch: 16 }).manifest!;
    const weights = syntheticWeights(train);
    const inMemory = await InferenceModel.create(h.device, { manifest: im, weights: encodeSafetensors(im.weights.map((w) => ({ name: w.name, dtype: 'F32' as const, shape: w.shape, data: weights.get(w.name)! }))) });
    try {
      const inputs = samples(im.inputs, 40);
      const a = await fromDisk.predict(inputs, 40);
      const b = await inMemory.predict(inputs, 40);
      expect(a.logits).toEqual(b.logits);
      expect(fromDisk.manifest.classifier).toBe('logits');
      await expect(fromDisk.predict({}, 1)).rejects.toThrow("input 'point' is missing (inputs: point)");
      await expect(fromDisk.predict({ point: new Float32Array(5) }, 3)).rejects.toThrow("input 'point' needs 3 × 2 values (shape [2] per sample), got 5");
      await expect(fromDisk.predict({ point: new Int32Array(2) }, 1)).rejects.toThrow("input 'point' holds floats (Float32Array)");
      expect((await fromDisk.predict({ point: new Float32Array(0) }, 0)).logits).toHaveLength(0);
    } finally {
      fromDisk.dispose();
      inMemory.dispose();
    }
    // Weights that do not fit the manifest are refused before any GPU object is made.
    await expect(InferenceModel.create(h.device, { manifest: im, weights: encodeSafetensors([]) })).rejects.toThrow("the inference artifact/weights.safetensors has no tensor 'dense_1.kernel'");
  }, 300_000);
});
