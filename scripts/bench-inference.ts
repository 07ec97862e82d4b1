// Inference speed of artifact folders (dlc export / dlc quantize) of one model on the same samples:
// each loaded with InferenceModel, warmed up with one chunk, then timed on the mnist held-out digits
// in alternating rounds (so a busy machine slows them alike); prints the median samples/s and the
// accuracy of each. Wall time: run it on a quiet machine, and compare only figures of one run.
//   npx tsx scripts/bench-inference.ts samples/mnist_cnn.dl f32-dir int8-dir [--rounds 5]   (DLC_ADAPTER=gles|vulkan, default gles)
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadData } from '../cli/data.ts';
import { compile } from '../compiler/compile.ts';
import { openDevice } from '../runtime/device-node.ts';
import { InferenceModel } from '../runtime/inference.ts';
import { readInferenceFolder } from '../runtime/inference-node.ts';
import { argmax } from '../runtime/predictions.ts';
import { fail } from './args.ts';

const { values: opts, positionals } = (() => {
  try {
    return parseArgs({ options: { rounds: { type: 'string' } }, allowPositionals: true });
  } catch (err) {
    return fail('bench-inference', (err as Error).message.split('\n')[0]!);
  }
})();
const [file, ...dirs] = positionals;
if (!file || dirs.length === 0) fail('bench-inference', 'usage: npx tsx scripts/bench-inference.ts net.dl dir [dir ...] [--rounds N]');
const rounds = Number(opts.rounds ?? 5);
const r = compile(readFileSync(file!, 'utf8'), { file: file! });
if (!r.ok) fail('bench-inference', `${file} does not compile`);
const m = r.artifact!.manifest;
const test = loadData('mnist', m).test!;
const adapter = (process.env.DLC_ADAPTER ?? 'gles') as 'gles' | 'vulkan';
const files = await Promise.all(dirs.map((d) => readInferenceFolder(d)));
// An f16 export (dlc export --precision f16) needs shader-f16 from the device: ask for it only then.
const half = files.some((f) => ((f.manifest as { features?: unknown[] }).features ?? []).includes('shader-f16'));
const handle = await openDevice(adapter, undefined, { requiredFeatures: half ? ['shader-f16'] : [] });
try {
  const models = await Promise.all(files.map((f) => InferenceModel.create(handle.device, f)));
  const inputs = Object.fromEntries(models[0]!.manifest.inputs.map((i) => [i.name, test.tensors[i.name]!]));
  const K = 10;
  const times: number[][] = dirs.map(() => []);
  const correct: number[] = [];
  for (const model of models) await model.predict(Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.subarray(0, v.length / test.count * model.maxBatch)])), model.maxBatch);
  for (let round = 0; round < rounds; round++) {
    for (const [i, model] of models.entries()) {
      const t0 = performance.now();
      const out = (await model.predict(inputs, test.count))[m.train.prediction]!;
      times[i]!.push(performance.now() - t0);
      const labels = test.tensors[m.train.label]!;
      correct[i] = Array.from({ length: test.count }, (_, s) => (argmax(out, s * K, K) === labels[s] ? 1 : 0) as number).reduce((a, b) => a + b, 0);
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`${adapter}, ${test.count} samples, ${rounds} rounds each, max batch ${models.map((x) => x.maxBatch).join('/')}`);
  for (const [i, d] of dirs.entries()) {
    const ms = median(times[i]!);
    console.log(`${d}: median ${ms.toFixed(0)} ms (${(test.count / (ms / 1000)).toFixed(0)} samples/s; rounds ${times[i]!.map((t) => t.toFixed(0)).join(', ')} ms), accuracy ${((100 * correct[i]!) / test.count).toFixed(2)}%`);
  }
  for (const model of models) model.dispose();
} finally {
  handle.destroy();
}
