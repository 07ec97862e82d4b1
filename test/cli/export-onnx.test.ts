// `dlc export --format onnx` on every sample network: the file it writes runs in onnxruntime-node
// (CPU) and gives dlc's float64 forward outputs within a relative error of 1e-4 (max |onnx − dlc|
// / max |dlc|) on 19 random samples, and the same file predicts one sample (the batch is
// symbolic); with weights from `dlc train`, it gives what `dlc predict` computes on the GPU.
// Mistakes are one line, exit 1, and no file.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { saveSafetensors } from '../../runtime/checkpoint-node.ts';
import { dlc, ROOT } from '../helpers/cli.ts';
import { dlcForward, onnxForward, relativeError, testInputs, testWeights } from '../helpers/onnx.ts';

const SAMPLES = ['blobs', 'binary', 'regression', 'mnist_mlp', 'mnist_cnn', 'residual_mlp', 'resnet_mini', 'mnist_lstm'];
const COUNT = 19;

/** Writes weights for `sample` (compiled with its own batch size) to a safetensors file in `dir`. */
async function weightsFile(dir: string, sample: string): Promise<{ path: string; weights: Map<string, Float32Array> }> {
  const file = join(ROOT, 'samples', `${sample}.dl`);
  const r = compile(readFileSync(file, 'utf8'), { file });
  const weights = testWeights(r);
  const m = r.artifact!.manifest;
  const shapeOf = (name: string): number[] => [...m.params, ...m.state].find((s) => s.name === name)!.shape;
  const path = join(dir, `${sample}.safetensors`);
  await saveSafetensors(path, [...weights].map(([name, data]) => ({ name, dtype: 'F32' as const, shape: shapeOf(name), data })), {});
  return { path, weights };
}

describe('dlc export --format onnx on every sample', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dlc-onnx-'));
  });

  for (const sample of SAMPLES) {
    it(`${sample}: onnxruntime's outputs match dlc's, for ${COUNT} samples and for 1`, async () => {
      const file = join(ROOT, 'samples', `${sample}.dl`);
      const { path, weights } = await weightsFile(dir, sample);
      const out = join(dir, `${sample}.onnx`);
      const r = await dlc(['export', '--format', 'onnx', file, '--weights', path, '-o', out]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^wrote ${out}: ONNX opset 17, \\d+ nodes, inputs \\w+ \\[batch, [\\d, ]+\\]\\n$`));
      const bytes = readFileSync(out);

      const reference = compile(readFileSync(file, 'utf8'), { file, batch: COUNT });
      const inputs = testInputs(reference, COUNT);
      const want = dlcForward(reference, weights, inputs);
      const got = await onnxForward(bytes, inputs);
      expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
      for (const [name, values] of Object.entries(want)) {
        expect(got[name]!.dims[0]).toBe(COUNT);
        expect(relativeError(got[name]!.data, values), name).toBeLessThan(1e-4);
      }

      // One sample through the same file: the first row of the batch's outputs.
      const one = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, { shape: [1, ...v.shape.slice(1)], data: v.data.subarray(0, v.data.length / COUNT) }]));
      const single = await onnxForward(bytes, one);
      for (const [name, values] of Object.entries(want)) {
        expect(relativeError(single[name]!.data, values.subarray(0, values.length / COUNT)), name).toBeLessThan(1e-4);
      }
    }, 180_000);
  }

  it('trained weights: dlc predict (the GPU forward program) and the ONNX file agree on all 600 rows of samples/blobs.csv', async () => {
    const env = { DLC_ADAPTER: 'gles' };
    const run = join(dir, 'blobs-run');
    const trained = await dlc(['train', 'samples/blobs.dl', '--data', 'samples/blobs.csv', '--epochs', '2', '--out', run], { env });
    expect(trained.code, trained.stderr).toBe(0);
    const weights = join(run, 'weights.safetensors');
    const preds = join(dir, 'blobs-preds.csv');
    const predicted = await dlc(['predict', 'samples/blobs.dl', '--weights', weights, '--data', 'samples/blobs.csv', '--out', preds], { env });
    expect(predicted.code, predicted.stderr).toBe(0);
    const model = join(dir, 'blobs-trained.onnx');
    const exported = await dlc(['export', '--format', 'onnx', 'samples/blobs.dl', '--weights', weights, '-o', model]);
    expect(exported.code, exported.stderr).toBe(0);

    const rows = readFileSync(join(ROOT, 'samples/blobs.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
    const point = Float32Array.from(rows.flatMap((r) => [r[0]!, r[1]!]));
    const logits = (await onnxForward(readFileSync(model), { point: { shape: [rows.length, 2], data: point } })).logits!;
    expect(logits.dims).toEqual([600, 3]);
    // predict prints the class and softmax probabilities (6 significant digits) of each row.
    const table = readFileSync(preds, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
    const probabilities = Float64Array.from(table.flatMap((r) => r.slice(1)));
    const softmax = Float64Array.from({ length: logits.data.length }, (_, i) => {
      const row = logits.data.subarray(i - (i % 3), i - (i % 3) + 3);
      const top = Math.max(...row);
      return Math.exp(logits.data[i]! - top) / row.reduce((a, x) => a + Math.exp(x - top), 0);
    });
    expect(relativeError(softmax, probabilities)).toBeLessThan(1e-4);
    const classes = table.map((r) => r[0]);
    expect(classes.every((c, k) => c === [0, 1, 2].reduce((best, j) => (softmax[k * 3 + j]! > softmax[k * 3 + best]! ? j : best), 0))).toBe(true);
  }, 300_000);

  it('refuses another format, or --max-batch (native only), and writes nothing', async () => {
    const file = join(ROOT, 'samples', 'blobs.dl');
    const { path } = await weightsFile(dir, 'blobs');
    const out = join(dir, 'refused.onnx');
    expect(await dlc(['export', '--format', 'onnx', '--max-batch', '8', file, '--weights', path, '-o', out])).toMatchObject({ code: 1, stdout: '', stderr: 'dlc: --max-batch applies to --format native; an onnx model takes any batch\n' });
    expect(await dlc(['export', '--format', 'tflite', file, '--weights', path, '-o', out])).toMatchObject({ code: 1, stdout: '', stderr: "dlc: --format must be one of native, onnx, got 'tflite'\n" });
    expect(existsSync(out)).toBe(false);
  }, 120_000);

  it('refuses weights of another model, naming the tensor, and writes nothing', async () => {
    const { path } = await weightsFile(dir, 'blobs');
    const out = join(dir, 'mismatch.onnx');
    const r = await dlc(['export', '--format', 'onnx', join(ROOT, 'samples', 'mnist_mlp.dl'), '--weights', path, '-o', out]);
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: `dlc: ${path}: 'dense_1.kernel' is F32 [2, 16], model 'mnist_mlp' needs F32 [784, 128] (weights of another version of the program?)\n` });
    expect(existsSync(out)).toBe(false);
  }, 120_000);
});
