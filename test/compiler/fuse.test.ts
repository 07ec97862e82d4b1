// The fusion pass: which ops share a kernel, how many dispatches remain, bindings within limits, and
// the float64 reference giving the same results on the graph before and after fusion.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile, type CompileOptions } from '../../compiler/compile.ts';
import { Rng } from '../../runtime/random.ts';
import { ROOT } from '../helpers/cli.ts';
import { ReferenceRun } from '../helpers/reference.ts';

const SAMPLES = readdirSync(join(ROOT, 'samples')).filter((f) => f.endsWith('.dl')).sort();
const read = (f: string): string => readFileSync(join(ROOT, 'samples', f), 'utf8');
/** WebGPU's default maxStorageBuffersPerShaderStage: every kernel must fit it. */
const DEFAULT_STORAGE_LIMIT = 8;

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
