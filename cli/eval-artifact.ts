// `dlc eval` and `dlc predict` with `--weights DIR`, DIR a folder written by dlc export or dlc
// quantize: the inference artifact runs the data's samples (InferenceModel, the runtime dlc/infer
// ships). dlc predict writes its outputs as from weights; for dlc eval its classifier
// output is scored on the host: accuracy, and the mean softmax cross-entropy when the train section's
// loss is plain cross_entropy (no label smoothing, class or sample weights, or extra terms, which
// only the training kernels hold). Then the artifact's size: its weights file, and what the same
// tensors take as f32.
import { groupDigits } from '../dsl/group-digits.ts';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '../compiler/artifact.ts';
import { printable } from '../dsl/printable.ts';
import type { Samples } from '../runtime/fit.ts';
import { InferenceModel } from '../runtime/inference.ts';
import { HALF_FEATURE, INFERENCE_WEIGHTS_FILE, type InferenceManifest } from '../runtime/inference-manifest.ts';
import { DeviceUnavailableError, type NodeDeviceHandle } from '../runtime/device-node.ts';
import { readInferenceFolder } from '../runtime/inference-node.ts';
import { argmax, softmax } from '../runtime/predictions.ts';
import { UserError } from './errors.ts';
import { evalParts } from './progress.ts';
import type { CliOptions } from './options.ts';
import { adapterChoice, openChosenDevice } from './setup.ts';

/**
 * Every output of the inference artifact in `dir` (made from program `m`, checked by its source hash)
 * on `data`, run with InferenceModel on the chosen adapter; and the artifact's manifest.
 */
export async function runInferenceFolder(dir: string, m: Manifest, data: Samples, name: string, opts: CliOptions): Promise<{ outs: Record<string, Float32Array | Int32Array>; manifest: InferenceManifest }> {
  const files = await readInferenceFolder(dir);
  const handle = await openArtifactDevice(dir, files.manifest, opts);
  try {
    const model = await InferenceModel.create(handle.device, { ...files, wgslLanguageFeatures: handle.gpu.wgslLanguageFeatures });
    try {
      const im = model.manifest;
      if (im.model !== m.model || im.sourceHash !== m.sourceHash) {
        throw new UserError(`${printable(dir)} was exported from ${im.model === m.model ? 'another version of' : `model '${printable(im.model)}', not`} model '${printable(m.model)}' of this file; export or quantize it again`);
      }
      const inputs = Object.fromEntries(im.inputs.map((i) => {
        const v = data.tensors[i.name];
        if (!v) throw new UserError(`${name}: no values for input '${printable(i.name)}'`);
        return [i.name, v];
      }));
      return { outs: await model.predict(inputs, data.count), manifest: im };
    } finally {
      model.dispose();
    }
  } finally {
    handle.destroy();
  }
}

/**
 * The chosen adapter's device, with the features the artifact's manifest asks for (shader-f16 for f16
 * weights, requested only then); an adapter without them is refused with a message naming it.
 */
async function openArtifactDevice(dir: string, manifest: unknown, opts: CliOptions): Promise<NodeDeviceHandle> {
  const listed = (manifest as { features?: unknown } | null)?.features;
  const features = Array.isArray(listed) && listed.includes(HALF_FEATURE) ? [HALF_FEATURE] as const : [];
  try {
    return await openChosenDevice(adapterChoice(opts), features);
  } catch (err) {
    if (!(err instanceof DeviceUnavailableError) || features.length === 0 || !err.message.includes(HALF_FEATURE)) throw err;
    throw new UserError(`${printable(dir)} holds f16 weights (dlc export --precision f16), which need the WebGPU feature ${HALF_FEATURE}: ${err.message}; choose an adapter that offers it with --adapter, or export the model again without --precision f16`);
  }
}

/** Scores the inference artifact in `dir` on `data` and prints the eval line and its size. */
export async function evalInferenceFolder(dir: string, m: Manifest, data: Samples, name: string, opts: CliOptions): Promise<void> {
  const t = m.train;
  const label = m.inputs.find((i) => i.name === t.label);
  if (t.loss !== 'cross_entropy' || label?.classes === undefined) {
    throw new UserError(`--weights ${printable(dir)} is an inference artifact: dlc eval scores those for classifiers (cross_entropy with class labels); model '${printable(m.model)}' trains with ${printable(t.loss)} (evaluate its .safetensors weights instead)`);
  }
  const { outs, manifest } = await runInferenceFolder(dir, m, data, name, opts);
  const out = outs[t.prediction];
  if (!out) throw new UserError(`${printable(dir)}: the artifact has no output '${printable(t.prediction)}' to score`);
  const K = label.classes;
  const labels = data.tensors[t.label]!;
  let correct = 0;
  let loss = 0;
  for (let r = 0; r < data.count; r++) {
    const y = labels[r]!;
    if (argmax(out, r * K, K) === y) correct++;
    loss -= Math.log(Math.max(softmax(out, r * K, K)[y]!, Number.MIN_VALUE));
  }
  const plain = !t.labelSmoothing && !t.classWeight && !t.sampleWeight && !t.lossTerms;
  const parts = evalParts({ loss: loss / data.count, accuracy: correct / data.count, count: data.count });
  process.stdout.write(`${name}: ${(plain ? parts : parts.slice(1)).join('  ')} on ${data.count} sample${data.count === 1 ? '' : 's'} (inference artifact ${printable(dir)})\n`);
  process.stdout.write(`${artifactSizeLine(dir, manifest.weights)}\n`);
}

/** "model size: weights.safetensors 227,120 bytes (int8: 4 kernels, …)" for an artifact folder. */
function artifactSizeLine(dir: string, weights: { name: string; shape: number[]; int8?: { axis: number }; f16?: true }[]): string {
  const bytes = statSync(join(dir, INFERENCE_WEIGHTS_FILE)).size;
  const values = (w: { shape: number[] }): number => w.shape.reduce((a, b) => a * b, 1);
  const f32Values = weights.reduce((a, w) => a + values(w), 0);
  const narrow = (kind: string, list: typeof weights): string => `${groupDigits(list.reduce((a, w) => a + values(w), 0))} values ${kind} (${list.length} kernel${list.length === 1 ? '' : 's'}), the other ${groupDigits(f32Values - list.reduce((a, w) => a + values(w), 0))} f32`;
  const int8 = weights.filter((w) => w.int8);
  const f16 = weights.filter((w) => w.f16);
  const kinds = int8.length ? narrow('int8', int8) : f16.length ? narrow('f16', f16) : `${groupDigits(f32Values)} values, all f32`;
  return `model size: ${INFERENCE_WEIGHTS_FILE} ${groupDigits(bytes)} bytes (${kinds}; ${groupDigits(f32Values * 4)} bytes as f32)`;
}
