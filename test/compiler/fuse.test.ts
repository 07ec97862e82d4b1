// The fusion pass: which ops share a kernel, how many dispatches remain, bindings within limits, and
// the float64 reference giving the same results on the graph before and after fusion.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile, limitDiagnostics, type CompileOptions } from '../../compiler/compile.ts';
import { MAX_STORAGE_BUFFERS } from '../../compiler/ir/kernel-spec.ts';
import { Rng } from '../../runtime/random.ts';
import { ROOT } from '../helpers/cli.ts';
import { ReferenceRun } from '../helpers/reference.ts';
import { widePrograms } from '../helpers/wide-programs.ts';

const SAMPLES = readdirSync(join(ROOT, 'samples')).filter((f) => f.endsWith('.dl')).sort();
const read = (f: string): string => readFileSync(join(ROOT, 'samples', f), 'utf8');
/** The binding floor (WebGPU's default maxStorageBuffersPerShaderStage): every kernel must fit it. */
const DEFAULT_STORAGE_LIMIT = MAX_STORAGE_BUFFERS;
const storageBindings = (k: { bindings: { access: string }[] }): number => k.bindings.filter((b) => b.access !== 'uniform').length;

function kernelNames(src: string, opts: CompileOptions = {}, program: 'train_step' | 'eval' = 'train_step'): string[] {
  const m = compile(src, { file: 'net.dl', ...opts }).artifact!.manifest;
  return m.programs[program].kernels.map((k) => m.kernels[k]!.name);
}

/** Random inputs for every model input, by the manifest's shapes and dtypes. */
function randomInputs(src: string, seed: number): Record<string, Float32Array | Int32Array> {
  const m = compile(src).artifact!.manifest;
  const rng = new Rng(seed);
  return Object.fromEntries(m.inputs.map((i) => {
    const n = i.shape.reduce((a, b) => a * b, 1);
    return [i.name, i.dtype === 'i32' ? Int32Array.from({ length: n }, () => rng.int(2)) : Float32Array.from({ length: n }, () => rng.normal())];
  }));
}

describe('fusion', () => {
  const mlp = read('mnist_mlp.dl');

  it('the MLP forward pass fuses bias and relu into the matmuls, and the relu gradient into the backward matmul', () => {
    const unfused = kernelNames(mlp, { fuse: false });
    const fused = kernelNames(mlp);
    expect(unfused.slice(0, 5)).toEqual(['matmul:dense_1', 'add:dense_1', 'relu:relu_1', 'matmul:dense_2', 'add:dense_2']);
    expect(fused.slice(0, 2)).toEqual(['matmul+add+relu:relu_1', 'matmul+add:dense_2']);
    expect(fused).toContain('matmul+relu_bwd:relu_1');
    expect(fused).not.toContain('relu_bwd:relu_1');
    expect(fused.length).toBeLessThan(unfused.length);
    expect(kernelNames(mlp, {}, 'eval')[0]).toBe('matmul+add+relu:relu_1');
  });

  it('the CNN fuses bias and relu into each convolution and the relu gradient into each max-pool gradient', () => {
    const fused = kernelNames(read('mnist_cnn.dl'));
    expect(fused.slice(0, 3)).toEqual(['conv2d+add+relu:relu_1', 'maxpool2d:maxpool_1', 'conv2d+add+relu:relu_2']);
    expect(fused).toContain('maxpool2d_bwd+relu_bwd:relu_1');
    expect(fused).toContain('maxpool2d_bwd+relu_bwd:relu_2');
    expect(fused.filter((k) => k.startsWith('relu') || k.startsWith('add'))).toEqual([]);
  });

  it('a convolution takes only short epilogues (bias + activation), not batch norm chains', () => {
    const resnet = kernelNames(read('resnet_mini.dl'));
    const convs = resnet.filter((k) => k.startsWith('conv2d+'));
    expect(convs.length).toBeGreaterThan(0);
    for (const k of convs) expect(k.split(':')[0]!.split('+').length, k).toBeLessThanOrEqual(3);
  });

  it('each switch can be turned off alone', () => {
    expect(kernelNames(mlp, { fuse: { epilogues: false } }).slice(0, 3)).toEqual(['matmul:dense_1', 'add+relu:relu_1', 'matmul:dense_2']);
    expect(kernelNames(mlp, { fuse: { elementwise: false } }).slice(0, 3)).toEqual(['matmul+add:dense_1', 'relu:relu_1', 'matmul+add:dense_2']);
  });

  it('a value read by two kernels, or output by a program, is not fused away', () => {
    const src = `model m {
  input x: f32[6]
  h = x -> dense(5)
  a = h -> relu
  b = h -> tanh
  y = a + b
  output y, h
}`;
    const m = compile(src).artifact!.manifest;
    const names = m.programs.forward.kernels.map((k) => m.kernels[k]!.name);
    // h is an output and read twice: its matmul + bias stays one kernel that stores it; relu, tanh
    // and the sum become one chain reading h.
    expect(names).toEqual(['matmul+add:dense_1', 'relu+tanh+add']);
  });

  it('the binding floor is WebGPU\'s default maxStorageBuffersPerShaderStage, 8', () => {
    expect(MAX_STORAGE_BUFFERS).toBe(8);
  });

  it('a sum too wide for one kernel becomes a run of kernels, each within the floor, adding to the one before', () => {
    const terms = Array.from({ length: 20 }, (_, k) => `t${k}`);
    const src = `model m {
  input x: f32[6]
${terms.map((t) => `  ${t} = x -> dense(2)`).join('\n')}
  y = ${terms.join(' + ')}
  output y
}`;
    const r = compile(src);
    expect(r.diagnostics).toEqual([]);
    const m = r.artifact!.manifest;
    const names = m.programs.forward.kernels.map((k) => m.kernels[k]!.name);
    // 19 additions of 20 dense outputs (and 20 biases): three kernels of six additions, 7 sources and
    // the output each, and the first additions in the epilogue of the first dense layer's matmul.
    expect(names.filter((n) => !n.startsWith('matmul'))).toEqual(Array(3).fill('add+add+add+add+add+add'));
    expect(names).toContain('matmul+add+add+add');
    for (const k of m.kernels) expect(storageBindings(k), k.name).toBeLessThanOrEqual(MAX_STORAGE_BUFFERS);
  });

  it('clip norms, penalties and branch sums over 64 parameters stay within the floor and compute what the unfused graph does', () => {
    for (const p of widePrograms()) {
      const plain = compile(p.source, { fuse: false });
      const fused = compile(p.source);
      expect(fused.diagnostics, p.name).toEqual([]);
      const m = fused.artifact!.manifest;
      for (const k of m.kernels) expect(storageBindings(k), `${p.name}: ${k.name}`).toBeLessThanOrEqual(MAX_STORAGE_BUFFERS);
      expect(m.stats.dispatches.train_step).toBeLessThan(plain.artifact!.manifest.stats.dispatches.train_step!);
      const [a, b] = [new ReferenceRun(plain), new ReferenceRun(fused)];
      expect(b.trainStep(p.inputs), p.name).toBe(a.trainStep(p.inputs));
      for (const q of m.params) expect(b.tensor(q.name), `${p.name}: ${q.name}`).toEqual(a.tensor(q.name));
    }
  });

  it('a kernel past the floor is refused with E-LIMIT at its source, not left to Session.create', () => {
    const r = compile('model m {\n  input x: f32[4]\n  y = x -> dense(3)\n  output y\n}', { file: 'm.dl' });
    const k = r.artifact!.manifest.kernels[0]!;
    const wide = { ...k, name: `${'add+'.repeat(30)}add:clip`, bindings: Array.from({ length: 9 }, (_, i) => ({ binding: i, buffer: 0, access: 'read' as const })) };
    const d = limitDiagnostics(r.graph!, { kernels: [wide], shaders: {} }, r.lowered!.model.nameSpan);
    expect(d).toHaveLength(1);
    expect(d[0]!.code).toBe('E-LIMIT');
    expect(d[0]!.span.line).toBe(3);
    expect(d[0]!.message).toMatch(/^kernel '(add\+){10}…[a-z+]+:clip' binds 9 storage buffers, more than every device allows \(8, maxStorageBuffersPerShaderStage\); this is a compiler bug: please report it with the program$/);
    const big = limitDiagnostics(r.graph!, { kernels: [k], shaders: { [k.shader]: '@compute @workgroup_size(16, 32)\nfn main() {}' } }, r.lowered!.model.nameSpan);
    expect(big.map((x) => x.message)).toEqual([`kernel '${k.name}' runs 512 invocations per workgroup, more than every device allows (256, maxComputeInvocationsPerWorkgroup); this is a compiler bug: please report it with the program`]);
  });

  for (const f of SAMPLES) {
    it(`${f}: every kernel binds at most ${DEFAULT_STORAGE_LIMIT} storage buffers`, () => {
      const m = compile(read(f), { file: f }).artifact!.manifest;
      for (const k of m.kernels) expect(k.bindings.filter((b) => b.access !== 'uniform').length, k.name).toBeLessThanOrEqual(DEFAULT_STORAGE_LIMIT);
    });

    it(`${f}: the reference gives the same losses, parameters and outputs before and after fusion`, () => {
      const src = read(f);
      const plain = compile(src, { file: f, batch: 3, fuse: false });
      const fused = compile(src, { file: f, batch: 3 });
      expect(fused.artifact!.manifest.stats.dispatches.train_step).toBeLessThan(plain.artifact!.manifest.stats.dispatches.train_step!);
      const [a, b] = [new ReferenceRun(plain), new ReferenceRun(fused)];
      const inputs = randomInputs(src.replace(/batch\s*=\s*\d+/, 'batch = 3'), 5);
      for (let step = 0; step < 2; step++) expect(b.trainStep(inputs)).toBe(a.trainStep(inputs));
      for (const p of plain.artifact!.manifest.params) expect(b.tensor(p.name), p.name).toEqual(a.tensor(p.name));
      const outA = a.run('forward', inputs);
      const outB = b.run('forward', inputs);
      for (const [name, t] of Object.entries(outA)) expect([...outB[name]!.data], name).toEqual([...t.data]);
    });
  }
});
