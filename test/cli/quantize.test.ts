// dlc quantize through the command: the int8 artifact it writes, dlc eval of an artifact folder
// (the f32 export scores what the training weights score; the int8 one reports its size), and the
// messages for a bad command line or an artifact of another program.
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSafetensors } from '../../runtime/checkpoint-node.ts';
import { dlc } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'dlc-quantize-cli-'));
const ENV = { DLC_ADAPTER: 'gles' };
const RUN = join(dir, 'run');
const WEIGHTS = join(RUN, 'weights.safetensors');
const DATA = ['--data', 'samples/blobs.csv'];

/** The "loss … accuracy …" part of an eval line. */
const accuracyOf = (stdout: string): string => /accuracy (\d+\.\d+%)/.exec(stdout)?.[1] ?? `no accuracy in ${stdout}`;

describe('dlc quantize', () => {
  beforeAll(async () => {
    const r = await dlc(['train', 'samples/blobs.dl', ...DATA, '--epochs', '4', '--out', RUN], { env: ENV });
    expect(r.code, r.stderr).toBe(0);
  }, 300_000);

  it('writes int8 kernels with their scales; dlc eval scores the folder and prints its size', async () => {
    const q = join(dir, 'q');
    const r = await dlc(['quantize', 'samples/blobs.dl', '--weights', WEIGHTS, '-o', q, '--max-batch', '16']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`wrote ${join(q, 'manifest.json')} (2 forward kernels, batches of 1 to 16 samples per run) and weights.safetensors (4 tensors)\n`);
    expect(r.stdout).toContain('int8 (per output channel): dense_1.kernel, dense_2.kernel; f32: the other 2\n');
    const bytes = statSync(join(q, 'weights.safetensors')).size;
    expect(r.stdout).toMatch(new RegExp(`weights\\.safetensors: ${bytes.toLocaleString('en-US')} bytes \\([\\d,]+ with f32 weights, \\d+\\.\\d\\d× smaller\\)\\n`));
    const { tensors } = await loadSafetensors(join(q, 'weights.safetensors'));
    expect([...tensors].map(([name, t]) => `${name} ${t.dtype} ${t.shape.join('x')}`)).toEqual([
      'dense_1.kernel I8 2x16', 'dense_1.kernel.scale F32 16', 'dense_1.bias F32 16', 'dense_2.kernel I8 16x3', 'dense_2.kernel.scale F32 3', 'dense_2.bias F32 3',
    ]);
    // The largest |q| of every channel is 127 (no channel of the trained kernels is all zeros).
    const k = tensors.get('dense_2.kernel')!.data;
    for (let c = 0; c < 3; c++) expect(Math.max(...Array.from({ length: 16 }, (_, i) => Math.abs(k[i * 3 + c]!)))).toBe(127);

    const ev = await dlc(['eval', 'samples/blobs.dl', '--weights', q, ...DATA], { env: ENV });
    expect(ev.stderr).toBe('');
    expect(ev.stdout).toMatch(new RegExp(`^samples/blobs\\.csv: loss \\d\\.\\d{4}  accuracy \\d+\\.\\d\\d% on [\\d,]+ samples \\(inference artifact ${q.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)\\n`));
    // 2·16 + 16·3 = 80 int8 values; 16 + 3 f32; 99 values as f32 take 396 bytes.
    expect(ev.stdout).toContain(`model size: weights.safetensors ${bytes.toLocaleString('en-US')} bytes (80 values int8 (2 kernels), the other 19 f32; 396 bytes as f32)\n`);
  }, 300_000);

  it('with --calibrate N --data D, int8 activations: their scales in the file, and eval scores the folder within 2 points of the weights', async () => {
    const q = join(dir, 'qa');
    const r = await dlc(['quantize', 'samples/blobs.dl', '--weights', WEIGHTS, '-o', q, '--calibrate', '40', ...DATA]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/int8 activations \(per tensor, from 40 training samples\): dense_1\.kernel scale \d\.\d+(e-\d+)?, dense_2\.kernel scale \d\.\d+(e-\d+)?\n/);
    const manifest = JSON.parse(readFileSync(join(q, 'manifest.json'), 'utf8')) as { weights: { name: string; int8?: { activations?: boolean } }[]; shaders: Record<string, string> };
    expect(manifest.weights.filter((w) => w.int8?.activations).map((w) => w.name)).toEqual(['dense_1.kernel', 'dense_2.kernel']);
    expect(Object.values(manifest.shaders).filter((s) => s.includes('dot4I8Packed'))).toHaveLength(2);
    const { tensors } = await loadSafetensors(join(q, 'weights.safetensors'));
    for (const k of ['dense_1.kernel', 'dense_2.kernel']) {
      const a = tensors.get(`${k}.act_scale`)!;
      expect([a.dtype, a.shape]).toEqual(['F32', [1]]);
      expect(a.data[0]).toBeGreaterThan(0);
    }
    const ev = await dlc(['eval', 'samples/blobs.dl', '--weights', q, ...DATA], { env: ENV });
    expect(ev.stderr).toBe('');
    const fromWeights = await dlc(['eval', 'samples/blobs.dl', '--weights', WEIGHTS, ...DATA], { env: ENV });
    const pct = (out: string): number => Number(accuracyOf(out).replace('%', ''));
    expect(Math.abs(pct(ev.stdout) - pct(fromWeights.stdout))).toBeLessThan(2);
  }, 300_000);

  it('an f32 export evaluates to the accuracy of the training weights', async () => {
    const e = join(dir, 'e');
    expect((await dlc(['export', 'samples/blobs.dl', '--weights', WEIGHTS, '-o', e])).code).toBe(0);
    const [fromFolder, fromWeights] = await Promise.all([
      dlc(['eval', 'samples/blobs.dl', '--weights', e, ...DATA], { env: ENV }),
      dlc(['eval', 'samples/blobs.dl', '--weights', WEIGHTS, ...DATA], { env: ENV }),
    ]);
    expect(fromFolder.code, fromFolder.stderr).toBe(0);
    expect(accuracyOf(fromFolder.stdout)).toBe(accuracyOf(fromWeights.stdout));
    expect(fromFolder.stdout).toContain('values, all f32;');
  }, 300_000);

  it('dlc predict reads an artifact folder: the f32 export predicts what the weights predict, the int8 one nearly', async () => {
    const [e, q] = [join(dir, 'pe'), join(dir, 'pq')];
    expect((await dlc(['export', 'samples/blobs.dl', '--weights', WEIGHTS, '-o', e])).code).toBe(0);
    expect((await dlc(['quantize', 'samples/blobs.dl', '--weights', WEIGHTS, '-o', q])).code).toBe(0);
    const rows = async (weights: string): Promise<number[][]> => {
      const r = await dlc(['predict', 'samples/blobs.dl', '--weights', weights, ...DATA, '--out', '-'], { env: ENV });
      expect(r.code, r.stderr).toBe(0);
      const [head, ...lines] = r.stdout.trim().split('\n');
      expect(head).toBe('class,p0,p1,p2');
      return lines.map((l) => l.split(',').map(Number));
    };
    const [fromWeights, fromExport, fromInt8] = [await rows(WEIGHTS), await rows(e), await rows(q)];
    expect(fromExport.length).toBe(fromWeights.length);
    expect(fromWeights.length).toBeGreaterThan(100);
    for (const [i, row] of fromExport.entries()) {
      expect(row[0], `row ${i}`).toBe(fromWeights[i]![0]);
      for (let j = 1; j < 4; j++) expect(Math.abs(row[j]! - fromWeights[i]![j]!)).toBeLessThan(1e-4);
    }
    // Int8 weights move the probabilities a little: some row moves (they ran), none by much.
    const moved = fromInt8.map((row, i) => Math.max(...[1, 2, 3].map((j) => Math.abs(row[j]! - fromWeights[i]![j]!))));
    expect(Math.max(...moved)).toBeGreaterThan(1e-5);
    expect(Math.max(...moved)).toBeLessThan(0.1);
  }, 300_000);

  it('refuses a bad command line and an artifact of another program, with one line', async () => {
    const noWeights = await dlc(['quantize', 'samples/blobs.dl', '-o', join(dir, 'x')]);
    expect([noWeights.code, noWeights.stderr]).toEqual([1, 'dlc: quantize needs --weights: a .safetensors file written by dlc train\n']);
    const noOut = await dlc(['quantize', 'samples/blobs.dl', '--weights', WEIGHTS]);
    expect([noOut.code, noOut.stderr]).toEqual([1, 'dlc: quantize needs an output folder: -o <dir>\n']);
    const foreign = await dlc(['quantize', 'samples/blobs.dl', '--weights', WEIGHTS, '-o', join(dir, 'y'), '--epochs', '3']);
    expect(foreign.stderr).toBe('dlc: quantize does not take --epochs (it applies to train; dlc --help lists the options)\n');
    const dataAlone = await dlc(['quantize', 'samples/blobs.dl', '--weights', WEIGHTS, '-o', join(dir, 'y'), ...DATA]);
    expect([dataAlone.code, dataAlone.stderr]).toEqual([1, 'dlc: --data is for --calibrate <n>: int8 activations take their scales from the first n training samples of the data\n']);
    const calibrateAlone = await dlc(['quantize', 'samples/blobs.dl', '--weights', WEIGHTS, '-o', join(dir, 'y'), '--calibrate', '8']);
    expect([calibrateAlone.code, calibrateAlone.stderr]).toEqual([1, 'dlc: --calibrate needs --data: the data set whose first training samples set the activation scales (e.g. --data mnist)\n']);
    const zero = await dlc(['quantize', 'samples/blobs.dl', '--weights', WEIGHTS, '-o', join(dir, 'y'), '--calibrate', '0', ...DATA]);
    expect([zero.code, zero.stderr]).toEqual([1, "dlc: --calibrate must be an integer ≥ 1, got '0'\n"]);
    const tooMany = await dlc(['quantize', 'samples/blobs.dl', '--weights', WEIGHTS, '-o', join(dir, 'y'), '--calibrate', '1000000', ...DATA]);
    expect(tooMany.code).toBe(1);
    expect(tooMany.stderr).toMatch(/^dlc: --calibrate 1000000: samples\/blobs\.csv has [\d,]+ training samples\n$/);
    expect(existsSync(join(dir, 'y'))).toBe(false);
    // A model with nothing to quantise: said, nothing written.
    const bn = join(dir, 'bn.dl');
    writeFileSync(bn, 'model bn {\n  input x: f32[4]\n  input y: class[4]\n  logits = x -> batchnorm\n  output logits\n}\ntrain bn {\n  loss = cross_entropy(logits, y)\n  batch = 2\n}\n');
    const none = await dlc(['quantize', bn, '--weights', WEIGHTS, '-o', join(dir, 'bn-out')]);
    expect([none.code, none.stderr]).toEqual([1, "dlc: model 'bn' has no dense or conv kernels to quantise (dlc export writes it with f32 weights)\n"]);
    expect(existsSync(join(dir, 'bn-out'))).toBe(false);
    // Another version of the program (one more epoch in the train section): the artifact is refused by name.
    const q = join(dir, 'q2');
    expect((await dlc(['quantize', 'samples/blobs.dl', '--weights', WEIGHTS, '-o', q])).code).toBe(0);
    const other = join(dir, 'blobs.dl');
    writeFileSync(other, readFileSync('samples/blobs.dl', 'utf8').replace('epochs    = 20', 'epochs    = 21'));
    const ev = await dlc(['eval', other, '--weights', q, ...DATA], { env: ENV });
    expect([ev.code, ev.stderr]).toEqual([1, `dlc: ${q} was exported from another version of model 'blobs' of this file; export or quantize it again\n`]);
  }, 300_000);
});
