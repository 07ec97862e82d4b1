// Every sample compiles, Dawn accepts every kernel on both adapters, and one train step runs finite.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { Rng } from '../../runtime/random.ts';
import { Session, type TensorData } from '../../runtime/session.ts';
import { ROOT } from '../helpers/cli.ts';
import { ADAPTERS, useDevice } from '../helpers/gpu.ts';

const SAMPLES = readdirSync(join(ROOT, 'samples')).filter((f) => f.endsWith('.dl')).sort();

/** Random inputs of the right kinds for one batch. */
function feed(s: Session, names: string[]): Record<string, TensorData> {
  const rng = new Rng(3);
  return Object.fromEntries(names.map((n) => {
    const slot = s.manifest.inputs.find((i) => i.name === n)!;
    const count = slot.shape.reduce((a, b) => a * b, 1);
    return [n, slot.dtype === 'i32' ? Int32Array.from({ length: count }, () => rng.int(2)) : Float32Array.from({ length: count }, () => rng.next())];
  }));
}

describe('samples', () => {
  it('there are samples, including the MNIST MLP', () => {
    expect(SAMPLES).toContain('mnist_mlp.dl');
  });
  for (const adapter of ADAPTERS) {
    describe(adapter, () => {
      const device = useDevice(adapter);
      for (const file of SAMPLES) {
        it(`${file}: every pipeline is created and a train step gives a finite loss`, async (t) => {
          const h = device();
          if (!h) return t.skip();
          const r = compile(readFileSync(join(ROOT, 'samples', file), 'utf8'), { file });
          expect(r.diagnostics).toEqual([]);
          // Session.create makes every pipeline and checks each shader's compilation messages.
          const s = await Session.create(r.artifact!, h.device);
          try {
            const loss = await s.trainStep(feed(s, s.manifest.programs.train_step.inputs), { readLoss: true });
            expect(Number.isFinite(loss)).toBe(true);
            const out = await s.run('forward', feed(s, s.manifest.programs.forward.inputs), s.manifest.programs.forward.outputs.map((o) => o.name));
            for (const v of Object.values(out)) expect(v.every((x) => Number.isFinite(x))).toBe(true);
          } finally {
            s.dispose();
          }
        });
      }
    });
  }
});
