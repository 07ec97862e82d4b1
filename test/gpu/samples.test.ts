// `dlc compile` on every sample writes WGSL that Dawn accepts on both adapters: the artifact is
// loaded back from disk, every pipeline is created, and one train step gives a finite loss.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Artifact } from '../../compiler/artifact.ts';
import { loadArtifact } from '../../runtime/artifact-node.ts';
import { Rng } from '../../runtime/random.ts';
import { Session, type TensorData } from '../../runtime/session.ts';
import { dlc, ROOT } from '../helpers/cli.ts';
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
  const artifacts = new Map<string, Artifact>();
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dlc-samples-'));
    for (const file of SAMPLES) {
      const out = join(dir, file.replace('.dl', ''));
      const r = await dlc(['compile', join('samples', file), '-o', out]);
      if (r.code !== 0) throw new Error(`dlc compile samples/${file} failed:\n${r.stderr}`);
      artifacts.set(file, await loadArtifact(out));
    }
    // One CLI compile per sample, 10 to 30 s each on a busy 2-core machine (mnist_lstm unrolls 28 steps).
  }, 300_000);

  it('there are samples, including the MNIST MLP', async () => {
    expect(SAMPLES).toContain('mnist_mlp.dl');
  });

  for (const adapter of ADAPTERS) {
    describe(adapter, () => {
      const device = useDevice(adapter);
      for (const file of SAMPLES) {
        it(`${file}: every pipeline is created and a train step gives a finite loss`, async (t) => {
          const h = device();
          if (!h) return t.skip();
          // Session.create makes every pipeline and checks each shader's compilation messages.
          const s = await Session.create(artifacts.get(file)!, h.device);
          try {
            expect(s.manifest.kernels.length).toBeGreaterThan(0);
            const loss = await s.trainStep(feed(s, s.manifest.programs.train_step.inputs), { readLoss: true });
            expect(Number.isFinite(loss)).toBe(true);
            const out = await s.run('forward', feed(s, s.manifest.programs.forward.inputs), s.manifest.programs.forward.outputs.map((o) => o.name));
            for (const v of Object.values(out)) expect(v.every((x) => Number.isFinite(x))).toBe(true);
          } finally {
            s.dispose();
          }
        }, 900_000); // mnist_lstm: over a hundred pipelines, minutes on a software driver under load
      }
    });
  }
});
