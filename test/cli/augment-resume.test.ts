// Training with every augmentation layer through the command: resuming from a checkpoint gives bitwise the
// weights of an uninterrupted run (the draws depend on the seed, the step and the layer, never on
// the process), and the augmentation really changes the weights.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSafetensors } from '../../runtime/checkpoint-node.ts';
import { dlc } from '../helpers/cli.ts';

const model = (augment: string) => `model tiny {
  input image: f32[1, 28, 28]
  input label: class[10]
  x = image${augment} -> conv2d(4, kernel: 3) -> relu -> maxpool(4) -> flatten
  logits = x -> dense(10)
  output logits
}
train tiny {
  loss = cross_entropy(logits, label)
  optimizer = adam(lr: 1e-3)
  batch = 32
  metrics = [accuracy]
  seed = 3
}`;

describe('augmentation and resume', () => {
  it('2 epochs, then --resume to 4, gives bitwise the weights of 4 uninterrupted epochs; without augmentation they differ', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dlc-aug-'));
    const augmented = join(dir, 'tiny.dl');
    const plain = join(dir, 'plain.dl');
    writeFileSync(augmented, model(' -> random_crop(26, 26) -> random_flip(mode: horizontal) -> random_translation(0.1, 0.1) -> random_rotation(0.05) -> random_zoom(0.1) -> cutout(6) -> gaussian_noise(0.1)'));
    // random_crop(26, 26) then the 3×3 convolution and maxpool(4) give the plain model's 6×6 planes: the same weights to compare.
    writeFileSync(plain, model(''));
    const train = (file: string, ...args: string[]) => dlc(['train', file, '--train-size', '96', ...args], { env: { DLC_ADAPTER: 'gles' } });
    const [a, b, c] = ['a', 'b', 'c'].map((d) => join(dir, d)) as [string, string, string];
    expect((await train(augmented, '--epochs', '2', '--out', a)).code).toBe(0);
    const resumed = await train(augmented, '--epochs', '4', '--out', a, '--resume');
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('after epoch 2 (step 6)');
    expect(resumed.stdout).toContain('training on the first 96 of the 8000 training samples (--train-size)');
    expect((await train(augmented, '--epochs', '4', '--out', b)).code).toBe(0);
    expect((await train(plain, '--epochs', '4', '--out', c)).code).toBe(0);
    const [wa, wb, wc] = await Promise.all([a, b, c].map((d) => loadSafetensors(join(d, 'weights.safetensors'))));
    expect([...wa!.tensors.keys()].sort()).toEqual(['conv2d_1.bias', 'conv2d_1.kernel', 'dense_1.bias', 'dense_1.kernel']);
    for (const [name, t] of wa!.tensors) {
      expect([...t.data], name).toEqual([...wb!.tensors.get(name)!.data]);
      expect([...t.data], name).not.toEqual([...wc!.tensors.get(name)!.data]);
    }
    expect(wa!.metadata.step).toBe('12');
  }, 600_000);
});
