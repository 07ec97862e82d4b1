// The inference manifest without a GPU: what validateInferenceManifest refuses (each message names
// the field), and the per-kernel grid formula: the compiled grid at the maximum batch for every
// kernel of every sample, fewer workgroups for fewer samples, and a grid that spilled into y keeping
// its x (the kernels' flat index strides y by it).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportInference } from '../../compiler/export.ts';
import { MAX_WORKGROUPS_PER_DIM } from '../../compiler/ir/kernel-spec.ts';
import { validateInferenceManifest, workgroupsFor, type InferenceManifest } from '../../runtime/inference-manifest.ts';
import { ROOT } from '../helpers/cli.ts';

/** Samples `dlc export` refuses, with why: their grid formula is not defined. */
const NOT_EXPORTED: Record<string, RegExp> = {
  // Attention multiplies two per-sample matrices: no runtime-batch form yet (README, Attention).
  'spam_transformer.dl': /^matmul in (multi_head_attention_1|global_avgpool1d_1) cannot run on a batch chosen at run time: it multiplies by a per-sample matrix$/,
};
const SAMPLES = readdirSync(join(ROOT, 'samples')).filter((f) => f.endsWith('.dl') && !(f in NOT_EXPORTED)).sort();
const exported = (file: string, maxBatch: number): InferenceManifest => {
  const r = exportInference(readFileSync(join(ROOT, 'samples', file), 'utf8'), { file, maxBatch });
  expect(r.diagnostics).toEqual([]);
  return r.manifest!;
};
const groups = (w: number[]): number => w[0]! * w[1]! * w[2]!;

describe('the grid formula of inference kernels', () => {
  for (const file of SAMPLES) {
    it(`${file}: the compiled grid at the maximum batch, no more workgroups at smaller batches`, () => {
      const m = exported(file, 100);
      // Some kernel of every sample runs fewer workgroups for one sample than for 100.
      expect(m.kernels.some((k) => groups(workgroupsFor(k, 1)) < groups(k.workgroups))).toBe(true);
      for (const k of m.kernels) {
        expect(workgroupsFor(k, 100), k.name).toEqual(k.workgroups);
        let last = 0;
        for (const b of [1, 2, 7, 13, 64, 100]) {
          const n = groups(workgroupsFor(k, b));
          expect(n, `${k.name} at batch ${b}`).toBeGreaterThanOrEqual(last);
          last = n;
        }
        if (!k.batchGrid) expect(workgroupsFor(k, 1), k.name).toEqual(k.workgroups);
      }
    });
  }

  for (const [file, why] of Object.entries(NOT_EXPORTED)) {
    it(`${file}: refused by export, each message saying why`, () => {
      const r = exportInference(readFileSync(join(ROOT, 'samples', file), 'utf8'), { file, maxBatch: 100 });
      expect(r.diagnostics.length).toBeGreaterThan(0);
      for (const d of r.diagnostics) expect(d.message).toMatch(why);
    });
  }

  it('a grid that spilled into y keeps its x, and returns to one row of workgroups for few samples', () => {
    // mnist_cnn's first max-pool has 5,408 one-workgroup-per-64-outputs groups per sample: at 800
    // samples its grid spills past 65,535 workgroups along x.
    const m = exported('mnist_cnn.dl', 800);
    const spilled = m.kernels.filter((k) => k.batchGrid?.axis === 0 && k.workgroups[1] > 1);
    expect(spilled.map((k) => k.name)).toEqual(['maxpool2d:maxpool_1']);
    for (const k of spilled) {
      expect(k.workgroups[0]).toBe(MAX_WORKGROUPS_PER_DIM);
      expect(workgroupsFor(k, 800)).toEqual(k.workgroups);
      expect(workgroupsFor(k, 1)[1]).toBe(1);
      // 790 samples still spill (66,755 groups): x stays, y covers the rest.
      expect(workgroupsFor(k, 790)).toEqual([MAX_WORKGROUPS_PER_DIM, 2, 1]);
      // 700 samples fit in one row (59,150 groups).
      expect(workgroupsFor(k, 700)).toEqual([59150, 1, 1]);
    }
  });
});

describe('validateInferenceManifest', () => {
  const good = exported('blobs.dl', 8);
  const edited = (edit: (m: Record<string, any>) => void): unknown => {
    const copy = JSON.parse(JSON.stringify(good)) as Record<string, any>;
    edit(copy);
    return copy;
  };

  it('accepts what dlc export writes, after a JSON round trip', () => {
    expect(validateInferenceManifest(JSON.parse(JSON.stringify(good)))).toEqual(good);
  });

  it('accepts an f16 export (--precision f16): its kernels in buffers of two values a word, and the feature', () => {
    const half = exportInference(readFileSync(join(ROOT, 'samples', 'blobs.dl'), 'utf8'), { maxBatch: 8, f16: true }).manifest!;
    expect(validateInferenceManifest(JSON.parse(JSON.stringify(half)))).toEqual(half);
    expect(half.features).toEqual(['shader-f16']);
    // dense_1.kernel is 2×16: 32 values, 64 bytes; dense_2.kernel 16×3: 48 values, 96 bytes.
    expect(half.weights.filter((w) => w.f16).map((w) => [w.name, half.buffers[w.buffer]!.size])).toEqual([['dense_1.kernel', 64], ['dense_2.kernel', 96]]);
    const shrunk = JSON.parse(JSON.stringify(half)) as InferenceManifest;
    shrunk.weights.find((w) => w.f16)!.shape = [3, 16];
    expect(() => validateInferenceManifest(shrunk)).toThrow(/weights\[0\] does not fit in its buffer/);
  });

  const cases: [string, (m: Record<string, any>) => void, RegExp][] = [
    ['a training artifact', (m) => { m.format = 'dlc-artifact'; }, /model\/manifest\.json: not a dlc inference artifact \(format "dlc-artifact"; dlc export writes one\)/],
    ['a later version', (m) => { m.version = 2; }, /version 2, this runtime reads version 1/],
    ['a kernel naming a missing shader', (m) => { m.kernels[0].shader = 'gone.wgsl'; }, /kernels\[0\] must name a shader of 'shaders'/],
    ['a binding naming no buffer', (m) => { m.kernels[1].bindings[0].buffer = 99; }, /kernels\[1\]\.bindings\[0\]\.buffer names no buffer/],
    ['an input larger than its buffer', (m) => { m.inputs[0].shape = [1_000_000]; }, /inputs\[0\] does not fit in its buffer/],
    ['a zero in a grid formula', (m) => { m.kernels[0].batchGrid.per = 0; }, /kernels\[0\]\.batchGrid must be/],
    ['no batch buffer', (m) => { m.batchBuffer = 0; }, /batchBuffer must be a uniform buffer/],
    ['a classifier naming no output', (m) => { m.classifier = 'probs'; }, /classifier names no output/],
    ['f16 weights without the feature', (m) => { m.weights[0].f16 = true; }, /weights stored as f16 need "features": \["shader-f16"\]/],
    ['a feature it does not know', (m) => { m.features = ['shader-f64']; }, /features must be a list of WebGPU features this runtime knows \(shader-f16\)/],
    ['f16 on an input', (m) => { m.features = ['shader-f16']; m.inputs[0].f16 = true; }, /inputs\[0\]\.f16 must be true, on a weight that is not int8/],
  ];
  for (const [what, edit, message] of cases) {
    it(`refuses ${what}, naming the field`, () => {
      expect(() => validateInferenceManifest(edited(edit), 'model/manifest.json')).toThrow(expect.objectContaining({ name: 'InferenceManifestError', message: expect.stringMatching(message) }));
    });
  }
});
