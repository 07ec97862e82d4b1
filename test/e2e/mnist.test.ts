// README's main job: `dlc train samples/mnist_mlp.dl` reaches ≥ 94% on the 2,000 held-out digits.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSafetensors } from '../../runtime/checkpoint-node.ts';
import { dlc } from '../helpers/cli.ts';

describe('dlc train samples/mnist_mlp.dl', () => {
  it('trains 20 epochs to at least 94% held-out accuracy and saves loadable weights', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'dlc-mnist-')), 'run');
    const r = await dlc(['train', 'samples/mnist_mlp.dl', '--out', out], { timeoutMs: 300_000 });
    expect(r.stderr.trim()).toBe('');
    expect(r.code).toBe(0);
    const epochs = r.stdout.split('\n').filter((l) => /^epoch\s+\d+\/20/.test(l));
    expect(epochs).toHaveLength(20);
    const held = /held-out: loss ([\d.]+)  accuracy ([\d.]+)% on 2000 samples/.exec(r.stdout);
    expect(held, r.stdout).not.toBeNull();
    expect(Number(held![2])).toBeGreaterThanOrEqual(94);
    const { tensors, metadata } = await loadSafetensors(join(out, 'weights.safetensors'));
    expect([...tensors.keys()].sort()).toEqual(['dense_1.bias', 'dense_1.kernel', 'dense_2.bias', 'dense_2.kernel']);
    expect(tensors.get('dense_1.kernel')!.shape).toEqual([784, 128]);
    expect(metadata.model).toBe('mnist_mlp');
    expect(metadata.step).toBe(String(20 * 63)); // 62 batches of 128 and the last 64 of 8,000 digits
  }, 300_000);
});
