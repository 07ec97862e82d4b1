// Per-kernel times of a network's train step, each kernel in its own submission (profileKernels),
// medians over 18 steps after 2 warm-ups, then the whole step's median for comparison.
//   npx tsx scripts/profile.ts samples/mnist_cnn.dl      (DLC_ADAPTER=gles|vulkan, default gles)
import { readFileSync } from 'node:fs';
import { compile } from '../compiler/compile.ts';
import { formatDiagnostics } from '../dsl/diagnostics.ts';
import { openDevice } from '../runtime/device-node.ts';
import { Rng } from '../runtime/random.ts';
import { profileKernels } from '../runtime/inspect.ts';
import { Session, type TensorData } from '../runtime/session.ts';

const file = process.argv[2];
if (!file) throw new Error('usage: npx tsx scripts/profile.ts net.dl');
const source = readFileSync(file, 'utf8');
const r = compile(source, { file });
if (!r.ok) throw new Error(formatDiagnostics(r.diagnostics, source));
const m = r.artifact!.manifest;
const handle = await openDevice(process.env.DLC_ADAPTER === 'vulkan' ? 'vulkan' : 'gles');
const session = await Session.create(r.artifact!, handle.device);
// Random inputs of the model's shapes: normal values, labels below the class count.
const rng = new Rng(1);
const inputs: Record<string, TensorData> = {};
for (const name of m.programs.train_step.inputs) {
  const slot = m.inputs.find((i) => i.name === name)!;
  const n = slot.shape.reduce((a, b) => a * b, 1);
  inputs[name] = slot.dtype === 'i32' ? Int32Array.from({ length: n }, () => Math.floor(rng.next() * (slot.classes ?? 2))) : Float32Array.from({ length: n }, () => rng.normal());
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const times = new Map<string, number[]>();
for (let k = 0; k < 20; k++) {
  const p = await profileKernels(session, 'train_step', inputs);
  if (k >= 2) for (const { kernel, ms } of p) times.set(kernel, [...(times.get(kernel) ?? []), ms]);
}
let total = 0;
for (const [kernel, ms] of times) {
  total += median(ms);
  process.stdout.write(`${median(ms).toFixed(3).padStart(9)} ms  ${kernel}\n`);
}
const whole: number[] = [];
for (let k = 0; k < 40; k++) {
  const t0 = performance.now();
  await session.trainStep(inputs, { readLoss: true });
  whole.push(performance.now() - t0);
}
process.stdout.write(`${total.toFixed(3).padStart(9)} ms  sum of kernels (each with its own submission and wait)\n${median(whole).toFixed(3).padStart(9)} ms  whole train step (one submission, loss read back)\n`);
session.dispose();
handle.destroy();
