// Which models train on the MNIST digits: the one check the CLI and the demo page share.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { mnistInputs } from '../../runtime/data/mnist-fit.ts';
import { ROOT } from '../helpers/cli.ts';

const manifestOf = (sample: string) => compile(readFileSync(join(ROOT, 'samples', sample), 'utf8')).artifact!.manifest;

describe('mnistInputs', () => {
  it('names the image and label inputs of the MNIST samples, flat or NCHW', () => {
    expect(mnistInputs(manifestOf('mnist_mlp.dl'))).toEqual({ image: 'image', label: 'label' });
    expect(mnistInputs(manifestOf('mnist_cnn.dl'))).toEqual({ image: 'image', label: 'label' });
  });
  it('refuses a label of another class count than the ten digits (it trained and showed a made-up accuracy)', () => {
    const three = readFileSync(join(ROOT, 'samples', 'mnist_mlp.dl'), 'utf8').replace('class[10]', 'class[3]').replace('dense(10)', 'dense(3)');
    expect(mnistInputs(compile(three).artifact!.manifest)).toEqual({
      error: "the mnist digits have 10 classes, but model 'mnist_mlp' declares label input 'label' as class[3]: declare class[10] (and 10 logits)",
    });
  });
  it('refuses a model of two features with the inputs it has', () => {
    expect(mnistInputs(manifestOf('blobs.dl'))).toEqual({
      error: "the mnist data set gives 28×28 images (784 values, e.g. f32[784] or f32[1, 28, 28]) and class[10] labels; model 'blobs' has inputs point: f32[2], label: class[3]",
    });
  });
});
