// `dlc export`: a forward-only inference artifact (manifest.json with its kernels, weights.safetensors)
// from a .dl file and trained weights; bad input gives one line, exit 1 and nothing written; the
// folder writer keeps what it must not touch, on a failing disk too.
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeInferenceFolder } from '../../cli/export.ts';
import { compile } from '../../compiler/compile.ts';
import { exportInference } from '../../compiler/export.ts';
import { validateInferenceManifest } from '../../runtime/inference-manifest.ts';
import { decodeSafetensors } from '../../runtime/safetensors.ts';
import type { WriteFs } from '../../runtime/write-node.ts';
import { dlc } from '../helpers/cli.ts';
import { syntheticWeightsFile } from '../helpers/synthetic-weights.ts';

const manifestOf = (file: string) => compile(readFileSync(file, 'utf8'), { file }).artifact!.manifest;

function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const p = join(dir, name);
    if (!lstatSync(p).isDirectory()) files[relative(dir, p)] = readFileSync(p).toString('base64');
  }
  return files;
}

/** One line on stderr, starting `dlc: `, and exit code 1. */
function expectOneLineError(r: { code: number | null; stderr: string; stdout: string }, pattern: RegExp): void {
  expect(r.code).toBe(1);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^dlc: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
}

describe('dlc export', () => {
  let tmp: string;
  let blobsWeights: string;
  let mlpWeights: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'dlc-export-'));
    blobsWeights = join(tmp, 'blobs.safetensors');
    mlpWeights = join(tmp, 'mlp.safetensors');
    writeFileSync(blobsWeights, syntheticWeightsFile(manifestOf('samples/blobs.dl')));
    writeFileSync(mlpWeights, syntheticWeightsFile(manifestOf('samples/mnist_mlp.dl')));
  });

  it('writes manifest.json (forward kernels only, a runtime batch) and the weights the model needs', async () => {
    const out = join(tmp, 'blobs-export');
    const r = await dlc(['export', 'samples/blobs.dl', '--weights', blobsWeights, '-o', out, '--max-batch', '32']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^wrote .*blobs-export\/manifest\.json \(2 forward kernels, batches of 1 to 32 samples per run\) and weights\.safetensors \(4 tensors\)\n$/);
    expect(readdirSync(out).sort()).toEqual(['manifest.json', 'weights.safetensors']);
    const m = validateInferenceManifest(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')));
    expect(m.maxBatch).toBe(32);
    expect(m.inputs.map((i) => [i.name, i.shape])).toEqual([['point', [2]]]);
    expect(m.outputs.map((o) => [o.name, o.shape])).toEqual([['logits', [3]]]);
    expect(m.classifier).toBe('logits');
    // Every kernel scales with the batch and reads it from the uniform block.
    for (const k of m.kernels) {
      expect(k.batchGrid).toBeDefined();
      expect(m.shaders[k.shader]).toContain('batch_params.n');
      expect(k.bindings.at(-1)).toMatchObject({ access: 'uniform', buffer: m.batchBuffer });
    }
    const { tensors, metadata } = decodeSafetensors(readFileSync(join(out, 'weights.safetensors')));
    expect([...tensors.keys()].sort()).toEqual(m.weights.map((w) => w.name).sort());
    expect(metadata.format).toBe('dlc-inference');
    // Exporting again updates the folder in place.
    const again = await dlc(['export', 'samples/blobs.dl', '--weights', blobsWeights, '-o', out]);
    expect(again.code).toBe(0);
    expect(validateInferenceManifest(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'))).maxBatch).toBe(64);
  }, 120_000);

  it('keeps batch norm as per-channel kernels that do not scale, and leaves optimizer state out', () => {
    const src = readFileSync('samples/resnet_mini.dl', 'utf8');
    const m = exportInference(src, { file: 'resnet_mini.dl', maxBatch: 4 }).manifest!;
    const fixed = m.kernels.filter((k) => k.batchGrid === undefined);
    expect(fixed.length).toBeGreaterThan(0);
    for (const k of fixed) expect(m.shaders[k.shader]).not.toContain('batch_params');
    expect(m.weights.some((w) => w.name.endsWith('moving_variance'))).toBe(true);
    expect(m.weights.some((w) => /adam|momentum|velocity|optimizer/i.test(w.name))).toBe(false);
  });

  const bad: [string, (t: { tmp: string; blobs: string; mlp: string }) => string[], RegExp][] = [
    ['a missing weights file', (t) => ['--weights', join(t.tmp, 'nope.safetensors')], /cannot read .*nope\.safetensors/],
    ['no --weights', () => [], /export needs --weights/],
    ['weights of another program', (t) => ['--weights', t.mlp], /mlp\.safetensors: 'dense_1\.kernel' is F32 \[784, 128\], model 'blobs' needs F32 \[2, 16\]/],
    ['--max-batch 0', (t) => ['--weights', t.blobs, '--max-batch', '0'], /--max-batch must be an integer ≥ 1, got '0'/],
    ['an unknown --format', (t) => ['--weights', t.blobs, '--format', 'tflite'], /--format must be one of native, onnx, got 'tflite'/],
    ['an option export does not take', (t) => ['--weights', t.blobs, '--epochs', '3'], /export does not take --epochs/],
  ];
  for (const [what, args, message] of bad) {
    it(`${what}: one line, exit 1, no output folder`, async () => {
      const out = join(tmp, `bad-${what.replace(/\W+/g, '-')}`);
      const r = await dlc(['export', 'samples/blobs.dl', '-o', out, ...args({ tmp, blobs: blobsWeights, mlp: mlpWeights })]);
      expectOneLineError(r, message);
      expect(existsSync(out)).toBe(false);
    }, 60_000);
  }

  it('a .dl error is reported at its line, nothing written', async () => {
    const file = join(tmp, 'broken.dl');
    writeFileSync(file, 'model m {\n  input x: f32[4]\n  y = dense(x, units=)\n}\n');
    const out = join(tmp, 'broken-out');
    const r = await dlc(['export', file, '--weights', blobsWeights, '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/broken\.dl:3/);
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it('a folder in place of the .dl file, a non-empty foreign folder and a compiled artifact folder are refused, untouched', async () => {
    const folder = await dlc(['export', 'samples', '--weights', blobsWeights, '-o', join(tmp, 'x')]);
    expectOneLineError(folder, /export needs the \.dl file of the model; samples is a folder/);
    const foreign = join(tmp, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    const r = await dlc(['export', 'samples/blobs.dl', '--weights', blobsWeights, '-o', foreign]);
    expectOneLineError(r, /foreign is not empty and holds no dlc export; choose another -o, or add --force/);
    expect(readdirSync(foreign)).toEqual(['notes.txt']);
    const compiled = join(tmp, 'compiled');
    expect((await dlc(['compile', 'samples/blobs.dl', '-o', compiled])).code).toBe(0);
    const before = snapshot(compiled);
    const c = await dlc(['export', 'samples/blobs.dl', '--weights', blobsWeights, '-o', compiled, '--force']);
    expectOneLineError(c, /compiled holds another dlc artifact \(dlc-artifact\); choose another -o/);
    expect(snapshot(compiled)).toEqual(before);
    // --force writes beside foreign files, touching nothing else.
    const forced = await dlc(['export', 'samples/blobs.dl', '--weights', blobsWeights, '-o', foreign, '--force']);
    expect(forced.code).toBe(0);
    expect(readdirSync(foreign).sort()).toEqual(['manifest.json', 'notes.txt', 'weights.safetensors']);
    expect(readFileSync(join(foreign, 'notes.txt'), 'utf8')).toBe('mine');
  }, 120_000);

  it('the --weights file is never overwritten by the export', async () => {
    const dir = join(tmp, 'run');
    mkdirSync(dir);
    const weights = join(dir, 'weights.safetensors');
    writeFileSync(weights, readFileSync(blobsWeights));
    const r = await dlc(['export', 'samples/blobs.dl', '--weights', weights, '-o', dir, '--force']);
    expectOneLineError(r, /weights\.safetensors/);
    expect(readFileSync(weights)).toEqual(readFileSync(blobsWeights));
    expect(readdirSync(dir)).toEqual(['weights.safetensors']);
  }, 60_000);
});

describe('writeInferenceFolder on a failing disk', () => {
  const m = exportInference(readFileSync('samples/blobs.dl', 'utf8'), { file: 'blobs.dl', maxBatch: 8 }).manifest!;
  const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: simulated`), { code });
  const failOn = (name: string, code: string): Partial<WriteFs> => ({
    writeNew: async (path, data, mode) => {
      await writeFile(path, path.includes(`${name}.tmp-`) ? data.subarray(0, data.length >> 1) : data, { flag: 'wx', mode });
      if (path.includes(`${name}.tmp-`)) throw errno(code);
    },
  });

  it('no space left for manifest.json of a new folder: no folder is left behind', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'dlc-exp-')), 'out');
    await expect(writeInferenceFolder(dir, m, new Uint8Array(8), { fs: failOn('manifest.json', 'ENOSPC') })).rejects.toThrow(
      expect.objectContaining({ name: 'WriteError', message: `cannot write ${dir}/manifest.json: no space left on device` }),
    );
    expect(existsSync(dir)).toBe(false);
  });

  it('no space left for the weights of an earlier export: the earlier export stays byte-identical', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'dlc-exp-')), 'out');
    await writeInferenceFolder(dir, m, new Uint8Array([1, 2, 3, 4]));
    const before = snapshot(dir);
    await expect(writeInferenceFolder(dir, m, new Uint8Array(64), { fs: failOn('weights.safetensors', 'ENOSPC') })).rejects.toThrow(/no space left on device/);
    expect(snapshot(dir)).toEqual(before);
  });
});
