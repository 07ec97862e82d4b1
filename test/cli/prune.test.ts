// Pruning through the command: the sparsity of each pruned kernel after every epoch, a resumed run
// that prunes exactly as an uninterrupted one, `dlc check --weights` and the model size `dlc eval` prints,
// and skip: [...] leaving a layer dense.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSafetensors } from '../../runtime/checkpoint-node.ts';
import { dlc } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'dlc-prune-cli-'));
// samples/blobs.dl with pruning to 80% between epochs 0 and 2: kernels of 2×16 = 32 and 16×3 = 48 values.
const NET = join(dir, 'blobs.dl');
writeFileSync(NET, readFileSync('samples/blobs.dl', 'utf8').replace('  seed      = 1\n', '  seed      = 1\n  prune     = magnitude(sparsity: 0.8, start: 0, end: 2)\n'));
const ENV = { DLC_ADAPTER: 'gles' };
const train = (...args: string[]) => dlc(['train', NET, '--data', 'samples/blobs.csv', '--val-split', '0.2', ...args], { env: ENV });

describe('pruning through dlc', () => {
  it('prints each epoch\'s sparsity, and 2 epochs resumed to 3 give bitwise the pruned weights of 3 straight', async () => {
    const [a, b] = [join(dir, 'a'), join(dir, 'b')];
    const first = await train('--epochs', '2', '--out', a);
    expect(first.stderr).toBe('');
    // After epoch 1: s = 0.8·(1 − 0.5³) = 0.7, so 10 of 32 and 14 of 48 kept; after epoch 2: 0.8, 6 and 10 kept.
    expect(first.stdout).toContain('\nsparsity: dense_1.kernel 68.75%  dense_2.kernel 70.83%  (masks recomputed for 70.00%)\n');
    expect(first.stdout).toContain('\nsparsity: dense_1.kernel 81.25%  dense_2.kernel 79.17%  (masks recomputed for 80.00%)\n');
    const resumed = await train('--epochs', '3', '--out', a, '--resume');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('\nsparsity: dense_1.kernel 81.25%  dense_2.kernel 79.17%\n');
    expect((await train('--epochs', '3', '--out', b)).code).toBe(0);
    const [x, y] = [await loadSafetensors(join(a, 'weights.safetensors')), await loadSafetensors(join(b, 'weights.safetensors'))];
    for (const [name, t] of x.tensors) expect([...t.data], name).toEqual([...y.tensors.get(name)!.data]);
    const ckpt = await loadSafetensors(join(a, 'checkpoint.safetensors'));
    const mask = ckpt.tensors.get('dense_1.kernel.prune_mask')!.data;
    const w = x.tensors.get('dense_1.kernel')!.data;
    expect([...mask].filter((v) => v === 0)).toHaveLength(26);
    mask.forEach((keep, i) => { if (keep === 0) expect(w[i]).toBe(0); else expect(w[i]).not.toBe(0); });

    const check = await dlc(['check', NET, '--weights', join(a, 'weights.safetensors')]);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('\n  pruning         magnitude(sparsity: 0.8, start: 0, end: 2, every: 1) of dense_1.kernel, dense_2.kernel\n');
    expect(check.stdout).toContain(`${join(a, 'weights.safetensors')}: zeros in the dense and conv kernels
  dense_1.kernel           26 of          32 zero   81.25%
  dense_2.kernel           38 of          48 zero   79.17%
  total                    64 of          80 zero   80.00%
`);
    const ev = await dlc(['eval', NET, '--weights', join(a, 'weights.safetensors'), '--data', 'samples/blobs.csv'], { env: ENV });
    expect(ev.code).toBe(0);
    expect(ev.stdout).toMatch(/\nmodel size: 396 bytes as f32 \(99 values; f16 198 bytes, int8 99 bytes before scales\)\nsparsity: dense_1\.kernel 81\.25% {2}dense_2\.kernel 79\.17%\n$/);
  }, 600_000);

  it('skip: [dense_1] prunes dense_2 alone: dense_1\'s kernel gets no zeros; an unknown name is one message at its line', async () => {
    const net = join(dir, 'blobs-skip.dl');
    writeFileSync(net, readFileSync(NET, 'utf8').replace('end: 2)', 'end: 2, skip: [dense_1])'));
    const out = join(dir, 'skip');
    const r = await dlc(['train', net, '--data', 'samples/blobs.csv', '--val-split', '0.2', '--epochs', '2', '--out', out], { env: ENV });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('\nsparsity: dense_2.kernel 79.17%  (masks recomputed for 80.00%)\n');
    const w = await loadSafetensors(join(out, 'weights.safetensors'));
    expect([...w.tensors.get('dense_1.kernel')!.data].filter((v) => v === 0)).toHaveLength(0);
    expect([...w.tensors.get('dense_2.kernel')!.data].filter((v) => v === 0)).toHaveLength(38);

    const bad = join(dir, 'blobs-bad.dl');
    writeFileSync(bad, readFileSync(NET, 'utf8').replace('end: 2)', 'end: 2, skip: [dense_9])'));
    const c = await dlc(['check', bad]);
    expect(c.code).toBe(1);
    expect(c.stderr).toBe(`${bad}:20:65: error: skip names 'dense_9', which is no layer with weights; did you mean 'dense_1'? (layers: dense_1, dense_2)
 20 |   prune     = magnitude(sparsity: 0.8, start: 0, end: 2, skip: [dense_9])
    |                                                                 ^^^^^^^
1 error
`);
  }, 600_000);

  it('dlc check --weights with a file that is not there: one message, exit 1', async () => {
    const r = await dlc(['check', NET, '--weights', join(dir, 'none.safetensors')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Total params');
    expect(r.stderr).toMatch(/^dlc: .*none\.safetensors/);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });
});
