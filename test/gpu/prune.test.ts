// Magnitude pruning on the real adapters: after the masks are computed, the pruned weights and their
// optimizer state are exactly 0 and stay 0 through more steps and through a checkpoint and resume;
// the masked update matches the float64 reference (Adam, RMSprop with all its states and global-norm
// clipping, SGD momentum with value clipping); a resumed session continues bit for bit.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compile, type CompileOptions } from '../../compiler/compile.ts';
import { tensor } from '../../compiler/ir/tensor.ts';
import { fit } from '../../runtime/fit.ts';
import { pruneMasks, prunedSparsity, updatePruneMasks } from '../../runtime/prune.ts';
import { Rng } from '../../runtime/random.ts';
import { Session } from '../../runtime/session.ts';
import { loadCheckpoint, saveCheckpoint } from '../../runtime/weights-node.ts';
import { ADAPTERS, relError, useDevice } from '../helpers/gpu.ts';
import { ReferenceRun } from '../helpers/reference.ts';

// Sizes off every alignment: kernels 11×13 = 143 and 13×3 = 39 values (neither a multiple of 4).
const SOURCE = `
model m {
  input x: f32[11]
  input y: class[3]
  logits = x -> dense(13, activation: tanh) -> dense(3)
  output logits
}
train m {
  loss = cross_entropy(logits, y)
  optimizer = adam(lr: 0.02)
  batch = 5
  seed = 4
  prune = magnitude(sparsity: 0.75, start: 0, end: 2)
}`;
const KERNELS = ['dense_1.kernel', 'dense_2.kernel'];

const rng = new Rng(23);
const batches = Array.from({ length: 8 }, () => ({
  x: Float32Array.from({ length: 5 * 11 }, () => rng.normal()),
  y: Int32Array.from({ length: 5 }, () => rng.int(3)),
}));

const dir = mkdtempSync(join(tmpdir(), 'dlc-prune-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every value of `name` that the mask zeroes is +0 (toBe is Object.is: -0 fails); returns how many. */
async function zerosWhereMasked(s: Session, name: string, mask: Float32Array): Promise<number> {
  const v = (await s.read(name)) as Float32Array;
  let n = 0;
  mask.forEach((keep, i) => {
    if (keep === 0) {
      expect(v[i], `${name}[${i}]`).toBe(0);
      n++;
    }
  });
  return n;
}

/** Copies every parameter and state tensor of the session into the reference, so both go on from the same values. */
async function syncReference(s: Session, ref: ReferenceRun): Promise<void> {
  const g = ref.graph;
  for (const slot of [...g.params, ...g.state]) {
    const v = g.value(slot.value);
    ref.env.set(slot.value, tensor(v.shape, (await s.read(v.name)) as Float32Array));
  }
}

const VARIANTS: { name: string; opts: CompileOptions }[] = [
  { name: 'one update kernel over the arenas (vec4)', opts: {} },
  { name: 'an update kernel per parameter (scalar)', opts: { plan: { arenas: false } } },
];

for (const adapter of ADAPTERS) {
  describe(`pruning on ${adapter}`, () => {
    const device = useDevice(adapter);
    for (const variant of VARIANTS) {
      it(`${variant.name}: pruned weights stay exactly 0, match the reference, and resume exactly`, async (t) => {
        const h = device();
        if (!h) return t.skip();
        const r = compile(SOURCE, { file: 'prune.dl', ...variant.opts });
        const m = r.artifact!.manifest;
        const updates = m.programs.train_step.kernels.map((k) => m.kernels[k]!.name).filter((n) => n.startsWith('adam'));
        expect(updates).toHaveLength(variant.opts.plan ? 4 : 1);
        const ref = new ReferenceRun(r);
        const s = await Session.create(r.artifact!, h.device);
        for (const b of batches.slice(0, 3)) { await s.trainStep(b); ref.trainStep(b); }

        // After 1 epoch of 2: s = 0.75·(1 − 0.5³) = 0.65625; k = round(n·0.34375) kept.
        expect(await updatePruneMasks(s, 1)).toBeCloseTo(0.65625, 12);
        const masks = new Map<string, Float32Array>();
        for (const p of m.train.prune!.tensors) masks.set(p.param, (await s.read(p.mask)) as Float32Array);
        const sizes = { 'dense_1.kernel': 143, 'dense_2.kernel': 39 } as Record<string, number>;
        for (const name of KERNELS) expect(await zerosWhereMasked(s, name, masks.get(name)!), name).toBe(sizes[name]! - Math.round(sizes[name]! * 0.34375));
        // Biases are not pruned: their masks stay ones.
        for (const b of ['dense_1.bias', 'dense_2.bias']) expect([...((await s.read(`${b}.prune_mask`)) as Float32Array)].every((v) => v === 1), b).toBe(true);

        // Three more steps: the weights and Adam's m and v stay 0 where masked, and every tensor follows the reference.
        await syncReference(s, ref);
        for (const b of batches.slice(3, 6)) { await s.trainStep(b); ref.trainStep(b); }
        for (const name of KERNELS) {
          for (const suffix of ['', '.m', '.v']) expect(await zerosWhereMasked(s, `${name}${suffix}`, masks.get(name)!)).toBeGreaterThan(0);
        }
        const w = await s.weights();
        for (const p of m.params) expect(relError(w.get(p.name)!, ref.tensor(p.name)), p.name).toBeLessThan(1e-5);
        const state = await s.stateTensors();
        for (const st of m.state.filter((x) => x.owner === 'optimizer')) expect(relError(state.get(st.name)!, ref.tensor(st.name)), st.name).toBeLessThan(1e-4);

        // A checkpoint (masks included) and a fresh session resumed from it: the same weights, bit for bit, after two more steps.
        const file = join(dir, `${adapter}-${variant.opts.plan ? 'split' : 'arena'}.safetensors`);
        await saveCheckpoint(s, file, { epoch: 1, step: s.step, seed: m.train.seed });
        const resumed = await Session.create(r.artifact!, h.device);
        await loadCheckpoint(resumed, file);
        for (const b of batches.slice(6, 8)) { await s.trainStep(b); await resumed.trainStep(b); }
        const [a, b] = [await s.weights(), await resumed.weights()];
        for (const p of m.params) expect(Buffer.from(b.get(p.name)!.buffer).equals(Buffer.from(a.get(p.name)!.buffer)), p.name).toBe(true);
        for (const name of KERNELS) expect(await zerosWhereMasked(resumed, name, masks.get(name)!)).toBeGreaterThan(0);

        // The target after 2 epochs: exactly 75% of each kernel (no ties among random floats).
        expect(await updatePruneMasks(resumed, 2)).toBe(0.75);
        for (const row of await prunedSparsity(resumed)) expect(row.zeros, row.name).toBe(row.size - Math.round(row.size * 0.25));
        s.dispose();
        resumed.dispose();
      }, 300_000);
    }
  });
}

// Other rules, with the most operands an update has (rmsprop's three states, the mask and the
// global norm) and clipping by value: a mask written by hand, the same in the reference.
const OTHERS = ['rmsprop(lr: 0.01, momentum: 0.9, centered: true); clip = global_norm(1.0)', 'sgd(lr: 0.1, momentum: 0.9); clip = value(0.05)'];
const other = (optimizer: string): string => SOURCE.replace('optimizer = adam(lr: 0.02)', `optimizer = ${optimizer}`);

for (const adapter of ADAPTERS) {
  describe(`masked updates of other optimizers on ${adapter}`, () => {
    const device = useDevice(adapter);
    for (const opt of OTHERS) {
      it(`${opt}: the masked weights and every state stay 0; all tensors follow the reference`, async (t) => {
        const h = device();
        if (!h) return t.skip();
        const r = compile(other(opt), { file: 'prune.dl' });
        const m = r.artifact!.manifest;
        const ref = new ReferenceRun(r);
        const s = await Session.create(r.artifact!, h.device);
        const masks = new Map<string, Float32Array>();
        for (const p of m.train.prune!.tensors) {
          const n = m.params.find((q) => q.name === p.param)!.shape.reduce((a, b) => a * b, 1);
          const mask = Float32Array.from({ length: n }, (_, i) => (i % 3 === 1 ? 0 : 1));
          masks.set(p.param, mask);
          s.write(p.mask, mask);
        }
        await syncReference(s, ref);
        for (const b of batches.slice(0, 3)) { await s.trainStep(b); ref.trainStep(b); }
        const states = m.state.filter((x) => x.owner === 'optimizer');
        for (const [name, mask] of masks) {
          for (const st of [name, ...states.filter((x) => x.name.startsWith(`${name}.`)).map((x) => x.name)]) expect(await zerosWhereMasked(s, st, mask), st).toBeGreaterThan(0);
        }
        const w = await s.weights();
        for (const p of m.params) expect(relError(w.get(p.name)!, ref.tensor(p.name)), p.name).toBeLessThan(1e-5);
        const st = await s.stateTensors();
        for (const x of states) expect(relError(st.get(x.name)!, ref.tensor(x.name)), x.name).toBeLessThan(1e-4);
        s.dispose();
      }, 300_000);
    }
  });
}

describe('pruning with early stopping', () => {
  const device = useDevice('gles');
  it('restore_best brings back the best epoch\'s masks with its weights: every masked weight is exactly 0', async (t) => {
    const h = device();
    if (!h) return t.skip();
    // Masks jump to 95% after epoch 2 and validation sees the pruned weights, so epoch 1 stays the best
    // epoch and its (all-ones) masks come back with its weights, not the 95% masks of epoch 2.
    const source = SOURCE.replace('prune = magnitude(sparsity: 0.75, start: 0, end: 2)', 'prune = magnitude(sparsity: 0.95, start: 2, end: 2)\n  early_stopping = early_stopping(patience: 5, restore_best: true)');
    const s = await Session.create(compile(source, { file: 'net.dl' }).artifact!, h.device);
    const x = new Float32Array(40 * 11), y = new Int32Array(40);
    batches.forEach((b, i) => { x.set(b.x, i * 55); y.set(b.y, i * 5); });
    const data = { count: 40, tensors: { x, y } };
    const history = await fit(s, data, { epochs: 2, validation: data });
    expect(history[1]!.pruneTarget).toBe(0.95);
    expect(history[1]!.val!.loss).toBeGreaterThan(history[0]!.val!.loss);
    expect(history[1]!.stopped).toEqual({ bestEpoch: 1, restored: true });
    const masks = await pruneMasks(s);
    expect([...masks.keys()]).toEqual(KERNELS.map((k) => `${k}.prune_mask`));
    for (const k of KERNELS) {
      const mask = masks.get(`${k}.prune_mask`)!;
      expect(mask.every((v) => v === 1), `${k}: epoch 1's masks keep every weight`).toBe(true);
      const w = (await s.read(k)) as Float32Array;
      expect(w.some((v) => v === 0), `${k}: epoch 1's weights, unpruned`).toBe(false);
    }
    // Another step leaves the restored weights unpruned (stale 95% masks would zero them in the update).
    await s.trainStep(batches[0]!);
    for (const k of KERNELS) expect(((await s.read(k)) as Float32Array).filter((v) => v === 0).length, k).toBe(0);
    s.dispose();
  }, 300_000);
});

// skip: [dense_1] (TF-MOT wrapping only the other layers): the compiled step prunes dense_2 alone;
// dense_1's mask stays ones and its weights get no zeros, through mask updates and more steps.
for (const adapter of ADAPTERS) {
  describe(`pruning chosen layers on ${adapter}`, () => {
    const device = useDevice(adapter);
    it('skip: [dense_1] prunes dense_2.kernel to the target and leaves dense_1.kernel dense', async (t) => {
      const h = device();
      if (!h) return t.skip();
      const source = SOURCE.replace('end: 2)', 'end: 2, skip: [dense_1])');
      const r = compile(source, { file: 'prune.dl' });
      const m = r.artifact!.manifest;
      expect(m.train.prune!.tensors.map((x) => x.param)).toEqual(['dense_2.kernel']);
      const s = await Session.create(r.artifact!, h.device);
      for (const b of batches.slice(0, 3)) await s.trainStep(b);
      expect(await updatePruneMasks(s, 2)).toBe(0.75);
      for (const b of batches.slice(3, 6)) await s.trainStep(b);
      expect(await updatePruneMasks(s, 2)).toBe(0.75);
      const mask2 = (await s.read('dense_2.kernel.prune_mask')) as Float32Array;
      expect(await zerosWhereMasked(s, 'dense_2.kernel', mask2)).toBe(39 - Math.round(39 * 0.25));
      expect([...((await s.read('dense_1.kernel.prune_mask')) as Float32Array)].every((v) => v === 1)).toBe(true);
      const w1 = (await s.read('dense_1.kernel')) as Float32Array;
      expect(w1.filter((v) => v === 0).length, 'dense_1.kernel has no zeros').toBe(0);
      expect((await prunedSparsity(s)).map((row) => row.name)).toEqual(['dense_2.kernel']);
      s.dispose();
    }, 300_000);
  });
}
