// Transfer learning on the GPU: frozen layers' weights (and a frozen batch norm's running statistics)
// stay byte-identical over training steps while the others change; weights load by name with a
// report, a shape mismatch is refused or skipped, and a file from before a layer was named loads.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { Rng } from '../../runtime/random.ts';
import { Session } from '../../runtime/session.ts';
import { saveSafetensors } from '../../runtime/checkpoint-node.ts';
import { initFromWeights, saveWeights } from '../../runtime/weights-node.ts';
import { ADAPTERS, useDevice } from '../helpers/gpu.ts';

const B = 3;
const source = (freeze: string) => `model m {
  input x: f32[5]
  input y: class[3]
  h = x -> dense(7, name: enc) -> batchnorm(name: bn) -> relu
  logits = h -> dense(3, name: head)
  output logits
}
train m { loss = cross_entropy(logits, y); optimizer = adam(lr: 0.05); batch = ${B}; seed = 4${freeze} }`;

const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

for (const kind of ADAPTERS) {
  describe(`transfer learning on ${kind}`, () => {
    const device = useDevice(kind);

    it('frozen weights and running statistics stay byte-identical over 4 steps; the head changes', async (t) => {
      const h = device();
      if (!h) return t.skip();
      const s = await Session.create(compile(source('; freeze = [enc, bn]')).artifact!, h.device);
      const rng = new Rng(7);
      const before = await s.weights();
      for (let i = 0; i < 4; i++) {
        await s.trainStep({ x: Float32Array.from({ length: B * 5 }, () => rng.normal()), y: Int32Array.from({ length: B }, (_, k) => (i + k) % 3) });
      }
      const after = await s.weights();
      for (const name of ['enc.kernel', 'enc.bias', 'bn.gamma', 'bn.beta', 'bn.moving_mean', 'bn.moving_variance']) {
        expect(bytes(after.get(name)!).equals(bytes(before.get(name)!)), name).toBe(true);
      }
      for (const name of ['head.kernel', 'head.bias']) expect(bytes(after.get(name)!).equals(bytes(before.get(name)!)), name).toBe(false);
      s.dispose();
    }, 120_000);

    it('init from a file: loaded, missing and unused by name; a shape mismatch refused, or skipped', async (t) => {
      const h = device();
      if (!h) return t.skip();
      const dir = mkdtempSync(join(tmpdir(), 'dlc-init-'));
      const base = await Session.create(compile(source('')).artifact!, h.device);
      const path = join(dir, 'base.safetensors');
      await saveWeights(base, path);
      const want = await base.weights();
      // A new head of 4 classes: its kernel's shape differs.
      const wider = source('').replace('class[3]', 'class[4]').replace('dense(3, name: head)', 'dense(4, name: head)');
      const s = await Session.create(compile(wider).artifact!, h.device);
      await expect(initFromWeights(s, path)).rejects.toThrow(`${path}: 'head.kernel' has shape [7, 3], the model's 'head.kernel' has shape [7, 4]; set skip_mismatch = true in the train section to leave it at its initial value`);
      const r = await initFromWeights(s, path, { skipMismatch: true });
      expect(r).toEqual({
        loaded: ['enc.kernel', 'enc.bias', 'bn.gamma', 'bn.beta', 'bn.moving_mean', 'bn.moving_variance'],
        missing: [],
        mismatched: [{ name: 'head.kernel', file: [7, 3], model: [7, 4] }, { name: 'head.bias', file: [3], model: [4] }],
        unused: [],
      });
      const got = await s.weights();
      expect(bytes(got.get('enc.kernel')!).equals(bytes(want.get('enc.kernel')!))).toBe(true);
      base.dispose();
      s.dispose();
    }, 120_000);

    it('a file written before the layers were named (dense_1.kernel, ...) loads by their positional names', async (t) => {
      const h = device();
      if (!h) return t.skip();
      const s = await Session.create(compile(source('')).artifact!, h.device);
      const rng = new Rng(3);
      const old = new Map<string, { shape: number[]; data: Float32Array }>();
      const renamed = s.manifest.renamedLayers!;
      expect(renamed).toEqual({ enc: 'dense_1', bn: 'batchnorm_1', head: 'dense_2' });
      for (const slot of s.weightSlots) {
        const [layer, ...rest] = slot.name.split('.');
        old.set([renamed[layer!], ...rest].join('.'), { shape: slot.shape, data: Float32Array.from({ length: slot.shape.reduce((a, b) => a * b, 1) }, () => rng.normal()) });
      }
      const path = join(mkdtempSync(join(tmpdir(), 'dlc-old-')), 'old.safetensors');
      await saveSafetensors(path, [...old].map(([name, v]) => ({ name, dtype: 'F32' as const, ...v })), {});
      const r = await initFromWeights(s, path);
      expect(r.loaded).toHaveLength(8);
      expect(r.unused).toEqual([]);
      const got = await s.weights();
      expect(bytes(got.get('head.kernel')!).equals(bytes(old.get('dense_2.kernel')!.data))).toBe(true);
      s.dispose();
    }, 120_000);
  });
}
