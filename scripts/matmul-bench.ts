// Matmul kernel variants side by side in one process: the register-blocked kernel and workgroup-
// memory tiled blockings at the given sizes, interleaved rounds, medians. Also each variant's WGSL
// size, pipeline creation and first dispatch (where Mesa compiles to machine code), and a check of
// sampled outputs against a float64 product, so a fast wrong kernel cannot win.
//   npx tsx scripts/matmul-bench.ts [--adapter gles|vulkan] [--sizes 1024,...] [--rounds 5] [--reps 3]
//     [--variants registers,registers:WG/TM/TN,tiled,tiled:WG/TM/TN/BK,subgroups:G/WG,...] [--trans ab|a|b]
// subgroups:G/WG (Vulkan on lavapipe only; see matmul-subgroups.ts) is a measurement, not a dlc kernel.
// Waits sleep most of the variant's last time first (runtime/wait-pacer.ts), as dlc's session does.
import { matmulBlocking, matmulLayout, TILED_MATMUL, type MatmulBlocking } from '../compiler/ir/ops/structural.ts';
import { renderKernel } from '../compiler/codegen/render.ts';
import type { KernelSpec } from '../compiler/ir/kernel-spec.ts';
import { openDevice } from '../runtime/device-node.ts';
import { WaitPacer } from '../runtime/wait-pacer.ts';
import { subgroupMatmulGrid, subgroupMatmulWgsl } from './matmul-subgroups.ts';
import { Rng } from '../runtime/random.ts';
import { fail, intOption, scriptArgs } from './args.ts';

const args = scriptArgs('matmul-bench', {
  adapter: { type: 'string', default: 'gles' }, sizes: { type: 'string', default: '1024' }, rounds: { type: 'string', default: '5' },
  reps: { type: 'string', default: '3' }, variants: { type: 'string', default: 'registers,tiled' }, trans: { type: 'string', default: '' },
});
if (!['gles', 'vulkan', 'auto'].includes(args.adapter!)) fail('matmul-bench', `--adapter must be gles, vulkan or auto, got '${args.adapter}'`);
const sizes = args.sizes!.split(',').map((s) => intOption('matmul-bench', 'sizes', s, 1, 8192));
const rounds = intOption('matmul-bench', 'rounds', args.rounds, 1);
const reps = intOption('matmul-bench', 'reps', args.reps, 1);
if (!/^(a|b|ab)?$/.test(args.trans!)) fail('matmul-bench', `--trans must be a, b or ab, got '${args.trans}'`);
const transA = args.trans!.includes('a');
const transB = args.trans!.includes('b');

/** 'registers' (the register-blocked kernel at dlc's tile rule) or 'registers:WG/TM/TN', 'rule' (what dlc picks for 'cpu'), 'tiled' (the 'gpu' tiles) or 'tiled:WG/TM/TN/BK'. */
function blocking(name: string, n: number): MatmulBlocking {
  if (name === 'rule') return matmulBlocking(n, n, n);
  if (name === 'registers') {
    const b = matmulBlocking(n, n, n);
    return b.shared ? { TM: 8, TN: 8, wg: 8 } : b;
  }
  if (name === 'tiled') return TILED_MATMUL;
  const r = /^registers:(\d+)\/(\d+)\/(\d+)$/.exec(name);
  if (r) {
    const [wg, TM, TN] = r.slice(1).map(Number) as [number, number, number];
    return { TM, TN, wg };
  }
  const m = /^tiled:(\d+)\/(\d+)\/(\d+)\/(\d+)$/.exec(name);
  if (!m) return fail('matmul-bench', `unknown variant '${name}' (registers, registers:WG/TM/TN, rule, tiled, tiled:WG/TM/TN/BK, subgroups:G/WG)`);
  const [wg, TM, TN, BK] = m.slice(1).map(Number) as [number, number, number, number];
  return { TM, TN, wg, shared: { BK } };
}

const names = args.variants!.split(',');
const subgroupVariant = (name: string): { g: number; wg: number } | undefined => {
  const m = /^subgroups:(\d+)\/(\d+)$/.exec(name);
  return m ? { g: Number(m[1]), wg: Number(m[2]) } : undefined;
};
const wantsSubgroups = names.some((v) => subgroupVariant(v));
if (wantsSubgroups && (transA || transB)) fail('matmul-bench', 'subgroups:G/WG has no transposes');
for (const name of names) {
  const sg = subgroupVariant(name);
  if (sg && (![1, 2].includes(sg.g) || ![8, 16, 32, 64].includes(sg.wg))) fail('matmul-bench', `${name}: G must be 1 or 2, WG 8, 16, 32 or 64`);
  if (sg) for (const n of sizes) if (n % (8 * sg.g) || (n / 4) % sg.wg) fail('matmul-bench', `${name} needs sizes that are multiples of ${Math.max(8 * sg.g, 4 * sg.wg)}, got ${n}`);
}
// Every variant name is checked before the device opens.
for (const name of names) if (!subgroupVariant(name)) for (const n of sizes) blocking(name, n);
const handle = await openDevice(args.adapter as 'gles' | 'vulkan' | 'auto', undefined, wantsSubgroups ? { requiredFeatures: ['subgroups' as GPUFeatureName] } : {})
  .catch((err: Error) => fail('matmul-bench', `${err.message}${wantsSubgroups ? ' (subgroups:G/WG runs on --adapter vulkan)' : ''}`));
// The subgroup kernel broadcasts rows from lanes 0-7: it needs subgroups of exactly 8 (lavapipe's).
const { subgroupMinSize, subgroupMaxSize } = handle.device.adapterInfo;
if (wantsSubgroups && (subgroupMinSize !== 8 || subgroupMaxSize !== 8)) fail('matmul-bench', `subgroups:G/WG needs subgroups of exactly 8 lanes; this adapter's are ${subgroupMinSize} to ${subgroupMaxSize}`);
const pacer = new WaitPacer();
const device = handle.device;
process.stdout.write(`adapter: ${handle.description}\n`);
for (const n of sizes) {
  const rng = new Rng(n);
  const a = Float32Array.from({ length: n * n }, () => rng.normal());
  const b = Float32Array.from({ length: n * n }, () => rng.normal());
  const buf = (data: Float32Array<ArrayBuffer> | null): GPUBuffer => {
    const g = device.createBuffer({ size: n * n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    if (data) device.queue.writeBuffer(g, 0, data);
    return g;
  };
  const [ga, gb] = [buf(a), buf(b)];
  const runs = [];
  for (const name of names) {
    const sg = subgroupVariant(name);
    const blk = sg ? { TM: 8 * sg.g, TN: 4, wg: sg.wg } : blocking(name, n);
    const workgroups = sg ? subgroupMatmulGrid(n, sg.g, sg.wg) : matmulLayout(n, n, blk).workgroups;
    const spec = {
      name: `matmul_${name}`, comment: `matmul ${name}`, shader: '', workgroups,
      bindings: [{ name: 'mm_c', access: 'read_write', dtype: 'f32' }, { name: 'mm_a', access: 'read', dtype: 'f32' }, { name: 'mm_b', access: 'read', dtype: 'f32' }],
      template: { kind: 'matmul', a: 'mm_a', b: 'mm_b', out: 'mm_c', M: n, N: n, K: n, transA, transB, ...blk },
    } as unknown as KernelSpec;
    const code = sg ? subgroupMatmulWgsl(n, sg.g, sg.wg) : renderKernel(spec);
    const t0 = performance.now();
    const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module: device.createShaderModule({ code }), entryPoint: 'main' } });
    const createMs = performance.now() - t0;
    const out = buf(null);
    const bind = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [out, ga, gb].map((buffer, binding) => ({ binding, resource: { buffer } })) });
    const dispatch = async (): Promise<number> => {
      const t = performance.now();
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bind);
      pass.dispatchWorkgroups(...workgroups);
      pass.end();
      device.queue.submit([enc.finish()]);
      const submitted = performance.now();
      const slept = await pacer.pause(`${name}@${n}`);
      await device.queue.onSubmittedWorkDone();
      pacer.learn(`${name}@${n}`, performance.now() - submitted, slept);
      return (performance.now() - t) / 1000;
    };
    const firstMs = (await dispatch()) * 1000;
    // Sampled outputs against float64.
    const read = device.createBuffer({ size: n * n * 4, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
    const enc = device.createCommandEncoder();
    enc.copyBufferToBuffer(out, 0, read, 0, n * n * 4);
    device.queue.submit([enc.finish()]);
    await read.mapAsync(GPUMapMode.READ);
    const c = new Float32Array(read.getMappedRange().slice(0));
    read.destroy();
    let worst = 0;
    for (let s = 0; s < 64; s++) {
      const i = (s * 7919) % n, j = (s * 104729 + n - 1) % n;
      let ref = 0, mag = 0;
      for (let k = 0; k < n; k++) {
        const x = a[transA ? k * n + i : i * n + k]! * b[transB ? j * n + k : k * n + j]!;
        ref += x;
        mag += Math.abs(x);
      }
      worst = Math.max(worst, Math.abs(c[i * n + j]! - ref) / (mag + 1e-30));
    }
    runs.push({ name, blk, bytes: Buffer.byteLength(code), createMs, firstMs, worst, dispatch, secs: [] as number[] });
  }
  for (let r = 0; r < rounds; r++) for (const run of runs) for (let k = 0; k < reps; k++) run.secs.push(await run.dispatch());
  process.stdout.write(`\nmatmul ${n}×${n}×${n}${transA ? ' transA' : ''}${transB ? ' transB' : ''}: medians of ${rounds} interleaved rounds × ${reps}\n`);
  process.stdout.write(`${'variant'.padEnd(26)}${'GFLOP/s'.padStart(9)}${'min–max'.padStart(14)}${'WGSL'.padStart(9)}${'create'.padStart(10)}${'1st run'.padStart(10)}  max rel err\n`);
  for (const run of runs) {
    const s = [...run.secs].sort((x, y) => x - y);
    const g = (t: number): number => (2 * n ** 3) / t / 1e9;
    const blk = run.blk;
    const label = subgroupVariant(run.name) ? `${run.name} ${blk.TM}×${blk.TN} per lane` : `${run.name} ${blk.wg}²×${blk.TM}×${blk.TN}${blk.shared ? ` BK ${blk.shared.BK}` : ''}`;
    process.stdout.write(`${label.padEnd(26)}${g(s[s.length >> 1]!).toFixed(1).padStart(9)}${`${g(s[s.length - 1]!).toFixed(1)}–${g(s[0]!).toFixed(1)}`.padStart(14)}${`${run.bytes} B`.padStart(9)}${`${run.createMs.toFixed(0)} ms`.padStart(10)}${`${run.firstMs.toFixed(0)} ms`.padStart(10)}  ${run.worst.toExponential(1)}\n`);
  }
  ga.destroy();
  gb.destroy();
}
handle.destroy();
