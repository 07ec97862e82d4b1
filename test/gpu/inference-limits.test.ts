// An export too large for a device is refused before anything is allocated: at export time against
// WebGPU's default limits (the --max-batch that fits is suggested), and at load time against the
// device's own limits (an export made elsewhere, or edited), each naming --max-batch.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { exportInference } from '../../compiler/export.ts';
import { InferenceModel } from '../../runtime/inference.ts';
import { encodeSafetensors } from '../../runtime/safetensors.ts';
import { ROOT } from '../helpers/cli.ts';
import { useDevice } from '../helpers/gpu.ts';
import { syntheticWeights } from '../helpers/synthetic-weights.ts';

const sample = (name: string): string => readFileSync(join(ROOT, 'samples', `${name}.dl`), 'utf8');

describe('dlc export refuses a --max-batch whose buffers no device need allow', () => {
  it('mnist_mlp at 50,000: the image binding is past 128 MiB; the batch that fits is suggested', () => {
    const r = exportInference(sample('mnist_mlp'), { file: 'mnist_mlp.dl', maxBatch: 50_000 });
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([
      "E-LIMIT with --max-batch 50,000 kernel 'matmul+add+relu:relu_1' binds 'image', which holds 156,800,000 bytes, more than WebGPU devices allow by default (134,217,728, maxStorageBufferBindingSize); a --max-batch of at most about 42,799 fits",
    ]);
    expect(exportInference(sample('mnist_mlp'), { file: 'mnist_mlp.dl', maxBatch: 42_799 }).ok).toBe(true);
  });

  it('a grid too wide for a device names --max-batch, not the training batch', () => {
    const r = exportInference(sample('blobs'), { file: 'blobs.dl', maxBatch: 16_777_216 });
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0]!.message).toMatch(/a smaller --max-batch \(16,777,216 here\) or layer fits$/);
  });
});

describe('InferenceModel.create checks the device limits first', () => {
  const device = useDevice('vulkan');

  it('a buffer larger than this device allows: refused with the limit, nothing allocated', async (t) => {
    const h = device();
    if (!h) return t.skip();
    const text = sample('blobs');
    const train = compile(text, { file: 'blobs.dl' }).artifact!.manifest;
    const im = exportInference(text, { file: 'blobs.dl', maxBatch: 8 }).manifest!;
    const weights = syntheticWeights(train);
    const files = (m: typeof im) => ({ manifest: m, weights: encodeSafetensors(m.weights.map((w) => ({ name: w.name, dtype: 'F32' as const, shape: w.shape, data: weights.get(w.name)! }))) });
    const limit = h.device.limits.maxBufferSize;
    const size = (Math.floor(limit / 4) + 1) * 4;
    const edited = { ...im, buffers: im.buffers.map((b, i) => (i === 0 ? { ...b, size } : b)) };
    await expect(InferenceModel.create(h.device, files(edited))).rejects.toThrow(
      `the inference artifact: buffer '${im.buffers[0]!.label}' needs ${size.toLocaleString('en-US')} bytes; this device allows ${limit.toLocaleString('en-US')} (maxBufferSize): export the model again with a smaller --max-batch (it is 8)`);
    const model = await InferenceModel.create(h.device, files(im));
    model.dispose();
  }, 300_000);
});
