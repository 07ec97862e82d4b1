// samples/resnet_mini.dl compiles from disk and one epoch on a slice of MNIST halves the training loss.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { datasetSlice, loadMnist } from '../../runtime/data/mnist.ts';
import { Session } from '../../runtime/session.ts';
import { ROOT } from '../helpers/cli.ts';
import { useDevice } from '../helpers/gpu.ts';

const STEPS = 64; // a slice of 4,096 digits: half the 8,000 of a full MNIST epoch

describe('samples/resnet_mini.dl', () => {
  const device = useDevice('gles');
  it(`one epoch of ${STEPS} batches lowers the training loss to at most half its first-batch value`, async (t) => {
    const h = device();
    if (!h) return t.skip();
    const r = compile(readFileSync(join(ROOT, 'samples/resnet_mini.dl'), 'utf8'), { file: 'samples/resnet_mini.dl' });
    expect(r.diagnostics).toEqual([]);
    const s = await Session.create(r.artifact!, h.device);
    const B = r.artifact!.manifest.batch;
    const data = datasetSlice(loadMnist().train, 0, STEPS * B);
    const losses: number[] = [];
    for (let k = 0; k < STEPS; k++) {
      const batch = datasetSlice(data, k * B, B);
      losses.push((await s.trainStep({ image: batch.images, label: batch.labels }, { readLoss: true }))!);
    }
    s.dispose();
    // The end of the epoch: the mean of the last four batches, so one lucky batch cannot pass it.
    const end = losses.slice(-4).reduce((a, b) => a + b, 0) / 4;
    expect(end, `losses ${losses.map((l) => l.toFixed(3)).join(' ')}`).toBeLessThanOrEqual(losses[0]! / 2);
  }, 180_000);
});
