// Per-kernel times of a network's train step, each kernel in its own submission (profileKernels),
// medians over 18 steps after 2 warm-ups, then the whole step's median for comparison.
//   npx tsx scripts/profile.ts samples/mnist_cnn.dl      (DLC_ADAPTER=gles|vulkan, default gles)
// With --compile, the cost from cold instead: every kernel's WGSL size, its pipeline creation and
// its first dispatch (where Mesa's drivers compile to machine code), one kernel at a time, and the
// session's own total (pipelines created one by one, then warmed up); --kernel TEXT keeps only the
// kernels whose name contains TEXT (and skips the total). CPU time is the whole process's, so it
// holds on a busy machine where wall time does not. Run it with MESA_SHADER_CACHE_DISABLE=true, or
// a second run reads Mesa's disk cache. --target gpu compiles the kernels for hardware GPUs
// (workgroup-memory tiled matmuls; see compiler/ir/kernel-spec.ts KernelTarget), --target swiftshader
// for Chromium's software adapter (narrower convolution blocks), default cpu.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Artifact } from '../compiler/artifact.ts';
import { compile } from '../compiler/compile.ts';
import type { KernelTarget } from '../compiler/ir/kernel-spec.ts';
import { formatDiagnostics } from '../dsl/diagnostics.ts';
import { openDevice } from '../runtime/device-node.ts';
import { Rng } from '../runtime/random.ts';
import { profileKernels } from '../runtime/inspect.ts';
import { Session, type TensorData } from '../runtime/session.ts';
import { warmUpKernels } from '../runtime/warm-up.ts';
import { fail } from './args.ts';

const { values: opts, positionals } = (() => {
  try {
    return parseArgs({ options: { compile: { type: 'boolean' }, kernel: { type: 'string' }, target: { type: 'string', default: 'cpu' } }, allowPositionals: true });
  } catch (err) {
    return fail('profile', (err as Error).message.split('\n')[0]!);
  }
})();
const file = positionals[0];
if (!file || positionals.length > 1) fail('profile', 'usage: npx tsx scripts/profile.ts [--compile [--kernel TEXT]] [--target cpu|gpu|swiftshader|llvmpipe] net.dl');
if (!['cpu', 'gpu', 'swiftshader', 'llvmpipe'].includes(opts.target!)) fail('profile', `--target must be cpu, gpu, swiftshader or llvmpipe, got '${opts.target}'`);
const compileMode = opts.compile === true;
const source = readFileSync(file, 'utf8');
const r = compile(source, { file, target: opts.target as KernelTarget });
if (!r.ok) fail('profile', formatDiagnostics(r.diagnostics, source));
const adapter = process.env.DLC_ADAPTER === 'vulkan' ? 'vulkan' : 'gles';
if (compileMode) await profileCompile(r.artifact!);
else await profileSteps(r.artifact!);

async function profileSteps(artifact: Artifact): Promise<void> {
  const m = artifact.manifest;
  const handle = await openDevice(adapter);
  const session = await Session.create(artifact, handle.device);
  // Random inputs of the model's shapes: normal values, labels below the class count.
  const rng = new Rng(1);
  const inputs: Record<string, TensorData> = {};
  for (const name of m.programs.train_step.inputs) {
    const slot = m.inputs.find((i) => i.name === name)!;
    const n = slot.shape.reduce((a, b) => a * b, 1);
    inputs[name] = slot.dtype === 'i32' ? Int32Array.from({ length: n }, () => Math.floor(rng.next() * (slot.classes ?? 2))) : Float32Array.from({ length: n }, () => rng.normal());
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  // A kernel name can run many times a step (a recurrent layer's kernels once per time step): each
  // step's time of a name is the sum over its dispatches, and the line gives that step total's median.
  const times = new Map<string, { steps: number[]; dispatches: number }>();
  for (let k = 0; k < 20; k++) {
    const p = await profileKernels(session, 'train_step', inputs);
    if (k < 2) continue;
    const step = new Map<string, { ms: number; n: number }>();
    for (const { kernel, ms } of p) {
      const t = step.get(kernel) ?? { ms: 0, n: 0 };
      step.set(kernel, { ms: t.ms + ms, n: t.n + 1 });
    }
    for (const [kernel, { ms, n }] of step) {
      const t = times.get(kernel) ?? { steps: [], dispatches: n };
      t.steps.push(ms);
      times.set(kernel, t);
    }
  }
  let total = 0;
  for (const [kernel, { steps, dispatches }] of times) {
    total += median(steps);
    process.stdout.write(`${median(steps).toFixed(3).padStart(9)} ms  ${kernel}${dispatches > 1 ? ` (${dispatches} dispatches)` : ''}\n`);
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
}

async function profileCompile(artifact: Artifact): Promise<void> {
  const secs = (t0: number): string => `${((performance.now() - t0) / 1000).toFixed(2)} s`;
  if (process.env.MESA_SHADER_CACHE_DISABLE !== 'true') process.stdout.write('note: MESA_SHADER_CACHE_DISABLE is not true: Mesa may read compiled shaders from its disk cache\n');
  // The session's way first, on a fresh device: all pipelines at once, then one dispatch of each.
  if (opts.kernel === undefined) {
    const handle = await openDevice(adapter);
    const t0 = performance.now();
    const session = await Session.create(artifact, handle.device);
    const created = secs(t0);
    const t1 = performance.now();
    await session.warmUp();
    process.stdout.write(`session: pipelines created in ${created}, warmed up in ${secs(t1)}, ${secs(t0)} in all (${Object.keys(artifact.shaders).length} kernels, ${adapter})\n`);
    session.dispose();
    handle.destroy();
  }
  // Then kernel by kernel on another fresh device, so each cost is its own.
  const handle = await openDevice(adapter);
  const device = handle.device;
  const rows: { name: string; bytes: number; create: number; dispatch: number; cpu: number }[] = [];
  const seen = new Set<string>();
  for (const k of artifact.manifest.kernels) {
    if (seen.has(k.shader) || (opts.kernel !== undefined && !k.name.includes(opts.kernel))) continue;
    seen.add(k.shader);
    const code = artifact.shaders[k.shader]!;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const module = device.createShaderModule({ code });
    const layout = device.createBindGroupLayout({
      entries: k.bindings.map((b) => ({ binding: b.binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: b.access === 'uniform' ? 'uniform' : b.access === 'read' ? 'read-only-storage' : 'storage' } })),
    });
    const pipeline = device.createComputePipeline({ layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }), compute: { module, entryPoint: 'main' } });
    const t1 = performance.now();
    await warmUpKernels(device, artifact.manifest.buffers, [{ pipeline, spec: k }]);
    const cpu = process.cpuUsage(cpu0);
    rows.push({ name: k.name, bytes: Buffer.byteLength(code), create: t1 - t0, dispatch: performance.now() - t1, cpu: (cpu.user + cpu.system) / 1000 });
  }
  const ms = (x: number): string => `${x.toFixed(0).padStart(7)} ms`;
  process.stdout.write(`${'WGSL'.padStart(8)}  ${'create'.padStart(10)}  ${'1st dispatch'.padStart(12)}  ${'CPU'.padStart(10)}  kernel\n`);
  for (const row of [...rows].sort((a, b) => b.cpu - a.cpu)) {
    process.stdout.write(`${(row.bytes / 1024).toFixed(1).padStart(6)} KB  ${ms(row.create)}  ${ms(row.dispatch).padStart(12)}  ${ms(row.cpu)}  ${row.name}\n`);
  }
  const sum = (f: (r: (typeof rows)[number]) => number): number => rows.reduce((a, x) => a + f(x), 0);
  process.stdout.write(`${(sum((x) => x.bytes) / 1024).toFixed(1).padStart(6)} KB  ${ms(sum((x) => x.create))}  ${ms(sum((x) => x.dispatch)).padStart(12)}  ${ms(sum((x) => x.cpu))}  ${rows.length} kernels, one at a time\n`);
  handle.destroy();
}
