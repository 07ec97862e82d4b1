// Manifests from outside are untrusted: each field is checked before any GPU object exists, and
// every problem is named by its path. A mutation loop proves nothing but ManifestError escapes.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileGraph } from '../../compiler/pipeline.ts';
import { grid } from '../../compiler/ir/kernel-spec.ts';
import { compile } from '../../compiler/compile.ts';
import { Graph, MAX_TENSOR_ELEMENTS } from '../../compiler/ir/graph.ts';
import { OP_TABLE, opDef, updateWrites } from '../../compiler/ir/ops/index.ts';
import { DEFAULT_MAX_WORKGROUPS_PER_DISPATCH, ManifestError, validateManifest } from '../../runtime/manifest-check.ts';
import { dtypeOf, OP_CASES } from '../helpers/op-cases.ts';
import { Rng } from '../../runtime/random.ts';
import { ROOT } from '../helpers/cli.ts';

const SAMPLES = readdirSync(join(ROOT, 'samples')).filter((f) => f.endsWith('.dl'));
const manifestOf = (f: string) => JSON.parse(JSON.stringify(compile(readFileSync(join(ROOT, 'samples', f), 'utf8')).artifact!.manifest)) as Record<string, any>;
const message = (m: unknown, maxWorkgroupsPerDispatch?: number): string => {
  try {
    validateManifest(m, 'm.json', maxWorkgroupsPerDispatch === undefined ? {} : { maxWorkgroupsPerDispatch });
  } catch (e) {
    expect(e).toBeInstanceOf(ManifestError);
    return (e as Error).message;
  }
  return 'valid';
};

describe('manifest validation', () => {
  it('accepts every sample manifest', () => {
    for (const f of SAMPLES) expect(message(manifestOf(f)), f).toBe('valid');
  });
  it('names the field and the problem', () => {
    const m = manifestOf('mnist_mlp.dl');
    expect(message({ ...m, version: 1 })).toBe('m.json: version: 1 is not supported; this runtime reads version 3 (recompile with dlc compile)');
    expect(message({ ...m, format: 'onnx' })).toBe(`m.json: format: is "onnx", not 'dlc-artifact': not a dlc artifact`);
    expect(message({ ...m, format: 'dlc-inference' })).toBe("m.json: format: is 'dlc-inference': this is a model exported for deployment (forward only, run by dlc/infer); train, eval and predict take the .dl file or a folder from dlc compile, with --weights");
    expect(message([1, 2])).toBe('m.json: (top): not a JSON object');
    const k = structuredClone(m);
    k.kernels[3].bindings[1].buffer = 999;
    expect(message(k)).toBe(`m.json: kernels[3].bindings[1].buffer: 999 is not a buffer index (${m.buffers.length} buffers)`);
    const w = structuredClone(m);
    w.kernels[0].workgroups = [0, 1, 1];
    expect(message(w)).toBe('m.json: kernels[0].workgroups[0]: 0 is not an integer in [1, 65535]');
    const o = structuredClone(m);
    o.params[0].offset = m.buffers[o.params[0].buffer].size;
    expect(message(o)).toMatch(/^m\.json: params\[0\]: bytes \d+\.\.\d+ run past buffer \d+ \(\d+ bytes\)$/);
    const p = structuredClone(m);
    p.programs.train_step.kernels.push(m.kernels.length);
    expect(message(p)).toBe(`m.json: programs.train_step.kernels[${m.programs.train_step.kernels.length}]: ${m.kernels.length} is not an integer in [0, ${m.kernels.length - 1}]`);
    const big = structuredClone(m);
    big.buffers[1].size = 2 ** 40;
    expect(message(big)).toBe('m.json: buffers[1].size: 1099511627776 is not an integer in [4, 2147483648]');
  });
  it('takes the step block as exactly 16 bytes and no other uniform buffer (the fuzzer bound 1 GiB as a uniform)', () => {
    const m = manifestOf('binary.dl');
    const step = structuredClone(m);
    step.buffers[m.stepParamsBuffer].size = 2 ** 30;
    expect(message(step)).toBe(`m.json: stepParamsBuffer: buffer ${m.stepParamsBuffer} is not a uniform block of 16 bytes`);
    const other = structuredClone(m);
    const i = m.stepParamsBuffer === 0 ? 1 : 0;
    other.buffers[i].kind = 'uniform';
    expect(message(other)).toBe(`m.json: buffers[${i}].kind: 'uniform' is only the step-parameter block (buffer ${m.stepParamsBuffer}) and the dispatch parameters`);
  });
  it('takes per-dispatch values only in 256-byte slots of the dispatch-parameter buffer, at most 4 u32s bound once', () => {
    const m = manifestOf('mnist_lstm.dl');
    expect(message(m)).toBe('valid');
    const d = m.dispatchParamsBuffer as number;
    const k = (m.kernels as { params?: number[] }[]).findIndex((e) => e.params);
    const edit = (f: (c: Record<string, any>) => void): string => { const c = structuredClone(m); f(c); return message(c); };
    expect(edit((c) => { c.dispatchParamsBuffer = c.stepParamsBuffer; })).toBe(`m.json: dispatchParamsBuffer: buffer ${m.stepParamsBuffer} is not a uniform buffer of 256-byte slots apart from the step block`);
    expect(edit((c) => { c.buffers[d].size += 16; })).toBe(`m.json: dispatchParamsBuffer: buffer ${d} is not a uniform buffer of 256-byte slots apart from the step block`);
    expect(edit((c) => { c.kernels[k].params = [1, 2, 3, 4, 5]; })).toBe(`m.json: kernels[${k}].params: holds 5 values; a dispatch block holds 4`);
    expect(edit((c) => { c.kernels[k].params = [-1]; })).toMatch(new RegExp(`^m.json: kernels\\[${k}\\].params\\[0\\]: `));
    expect(edit((c) => { delete c.kernels[k].params; })).toBe(`m.json: kernels[${k}].params: a kernel with params binds the dispatch parameters once, and one without binds them not at all`);
    const j = (m.kernels[k].bindings as { buffer: number }[]).findIndex((b) => b.buffer === d);
    expect(edit((c) => { c.kernels[k].bindings[j].size = 32; })).toBe(`m.json: kernels[${k}].bindings[${j}].size: a binding of the dispatch parameters spans 16 bytes`);
  });
  it('2,000 random corruptions: valid or a ManifestError, never another exception', () => {
    const base = manifestOf('mnist_cnn.dl');
    const rng = new Rng(5);
    let rejected = 0;
    for (let n = 0; n < 2000; n++) {
      const m = structuredClone(base);
      // Walk to a random leaf and replace it (or delete the key).
      let node: any = m;
      let key: string | number = 'kernels';
      for (let depth = 0; depth < 6; depth++) {
        const keys = Array.isArray(node) ? node.map((_: unknown, i: number) => i) : Object.keys(node);
        if (!keys.length) break;
        key = keys[Math.floor(rng.next() * keys.length)];
        if (typeof node[key] !== 'object' || node[key] === null || rng.next() < 0.2) break;
        node = node[key];
      }
      const choices = [undefined, null, -1, 0, 1.5, 2 ** 53, 'x', [], {}, 1e308, -0];
      const v = choices[Math.floor(rng.next() * choices.length)];
      if (v === undefined && !Array.isArray(node)) delete node[key];
      else node[key] = v;
      const r = message(m);
      if (r !== 'valid') rejected++;
    }
    expect(rejected).toBeGreaterThan(1000);
  });
});

describe('manifest validation: grids, batch, kernel files', () => {
  const base = manifestOf('mnist_mlp.dl');
  const withGrid = (k: number, workgroups: number[]) => {
    const m = structuredClone(base);
    m.kernels[k].workgroups = workgroups;
    return m;
  };
  it('bounds the workgroups of a dispatch by their product, not per dimension', () => {
    expect(message(withGrid(0, [65535, 65535, 1]))).toBe('m.json: kernels[0].workgroups: kernel "matmul+add+relu:relu_1" dispatches 65535 × 65535 × 1 = 4,294,836,225 workgroups; at most 268,496,895 are allowed per dispatch');
    // Mesa counts this grid in 32 bits: it "finished" with wrong results before the product was bounded.
    expect(message(withGrid(0, [65535, 65535, 65535]))).toBe('m.json: kernels[0].workgroups: kernel "matmul+add+relu:relu_1" dispatches 65535 × 65535 × 65535 = 281,462,092,005,375 workgroups; at most 268,496,895 are allowed per dispatch');
    expect(message(withGrid(0, [65536, 1, 1]))).toBe('m.json: kernels[0].workgroups[0]: 65536 is not an integer in [1, 65535]');
  });
  it('takes the ceiling on workgroups per dispatch as an option', () => {
    expect(message(base, 3)).toBe('m.json: kernels[0].workgroups: kernel "matmul+add+relu:relu_1" dispatches 2 × 2 × 1 = 4 workgroups; at most 3 are allowed per dispatch');
    expect(message(base, 128)).toBe('valid');
  });
  it('derives the default ceiling from the largest tensor the compiler allows, laid out as the compiler lays grids', () => {
    expect(DEFAULT_MAX_WORKGROUPS_PER_DISPATCH).toBe(grid(MAX_TENSOR_ELEMENTS).reduce((a, b) => a * b, 1));
    expect(DEFAULT_MAX_WORKGROUPS_PER_DISPATCH).toBe(268_496_895);
  });
  it('refuses a grid larger than what its kernel writes', () => {
    // sum_to:dense_2 writes the 10 values of a bias gradient, one workgroup each.
    expect(base.kernels[3].workgroups).toEqual([10, 1, 1]);
    expect(message(withGrid(3, [11, 1, 1]))).toBe('m.json: kernels[3].workgroups: kernel "sum_to:dense_2" dispatches 11 × 1 × 1 = 11 workgroups but writes 10 values; a dlc kernel has at most one workgroup per value it writes (at most 10)');
    expect(message(withGrid(3, [10, 1, 1]))).toBe('valid');
  });
  it('accepts the grid of every kernel the compiler emits for every op case', () => {
    const train = { loss: '', optimizer: { kind: 'sgd' as const, lr: 0.01, hyper: {} }, batch: 1, epochs: 1, metrics: [], seed: 0, shuffle: false, label: '', prediction: '' };
    let kernels = 0;
    for (const op of Object.keys(OP_TABLE) as (keyof typeof OP_TABLE)[]) {
      const def = opDef(op);
      if (def.kind === 'view') continue;
      for (const c of OP_CASES[op]) {
        const g = new Graph();
        const writes = def.kind === 'update' ? updateWrites(def, c.attrs ?? {}) : [];
        const ins = c.shapes.map((shape, k) => (writes.includes(k) ? g.addState(`x${k}`, shape, { kind: 'zeros' }, 'test') : g.addInput(`x${k}`, dtypeOf(c, k), shape)));
        const out = g.add(op, ins, c.attrs ?? {}, { phase: def.kind === 'update' ? 'update' : 'eval' });
        const program = { nodes: g.nodes.map((n) => n.id), outputs: out >= 0 ? [{ name: 'out', value: out }] : [] };
        if (def.kind === 'update') g.programs.train_step = program;
        else g.programs.eval = g.programs.forward = program;
        const m = compileGraph(g, { model: op, sourceHash: '', train }).manifest;
        expect(message(JSON.parse(JSON.stringify(m))), `${op} ${JSON.stringify(c.shapes)}`).toBe('valid');
        kernels += m.kernels.length;
      }
    }
    expect(kernels).toBeGreaterThan(150);
  });
  it('refuses a batch that does not fit the inputs and per-sample outputs', () => {
    expect(message({ ...base, batch: 2 ** 24 })).toBe('m.json: batch: 16777216 samples do not fit inputs[0] (shape [128, 784]: 128 samples of 784 values)');
    const out = structuredClone(base);
    out.programs.forward.outputs[0].shape = [64, 10];
    expect(message(out)).toBe('m.json: batch: 128 samples do not fit programs.forward.outputs[0] (shape [64, 10]: 64 samples of 10 values)');
  });
  it('needs a SHA-256 for every kernel file, and plain file names', () => {
    const file = base.kernels[0].shader;
    const missing = structuredClone(base);
    delete missing.kernelSha256[file];
    expect(message(missing)).toBe(`m.json: kernelSha256["${file}"]: undefined is not a SHA-256 (64 lowercase hex digits)`);
    const short = structuredClone(base);
    short.kernelSha256[file] = 'abc';
    expect(message(short)).toBe(`m.json: kernelSha256["${file}"]: "abc" is not a SHA-256 (64 lowercase hex digits)`);
    const { kernelSha256: _, ...old } = base;
    expect(message(old)).toBe('m.json: kernelSha256: not an object');
    const escape = structuredClone(base);
    escape.kernels[0].shader = '../../../etc/passwd';
    expect(message(escape)).toBe('m.json: kernels[0].shader: "../../../etc/passwd" is not a file name under kernels/ (letters, digits, _ . - and .wgsl)');
  });
  it('quotes text from the file through printable(), cut short', () => {
    expect(message({ ...base, format: '\x1b]0;owned\x07' })).toBe(`m.json: format: is "\\u001b]0;owned\\u0007", not 'dlc-artifact': not a dlc artifact`);
    const long = structuredClone(base);
    long.kernels[0].shader = `${'a'.repeat(5000)}.wgsl`;
    expect(message(long)).toBe(`m.json: kernels[0].shader: "${'a'.repeat(59)}… is not a file name under kernels/ (letters, digits, _ . - and .wgsl)`);
    const twice = structuredClone(base);
    twice.params[0].name = '\u202eevil';
    twice.params[1].name = '\u202eevil';
    expect(message(twice)).toBe('m.json: params[1].name: "\\u202eevil" is used twice');
  });
});
