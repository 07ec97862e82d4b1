// Data sets the CLI can train on, matched to the model's inputs.
import type { Manifest } from '../compiler/artifact.ts';
import { loadMnist } from '../runtime/data/mnist.ts';
import type { Samples } from '../runtime/fit.ts';
import { UserError } from './errors.ts';

export const DATASETS = ['mnist'];

/** Training and held-out samples, keyed by the model's input names. */
export function loadData(name: string, m: Manifest): { train: Samples; test: Samples; description: string } {
  if (name !== 'mnist') throw new UserError(`unknown data set '${name}' (available: ${DATASETS.join(', ')})`);
  const per = (shape: number[]) => shape.slice(1).reduce((a, b) => a * b, 1);
  const image = m.inputs.find((i) => i.dtype === 'f32' && per(i.shape) === 784);
  const label = m.inputs.find((i) => i.dtype === 'i32');
  const labelClasses = m.params.length ? undefined : undefined;
  void labelClasses;
  if (!image || !label || m.inputs.length !== 2) {
    const have = m.inputs.map((i) => `${i.name}: ${i.dtype === 'i32' ? 'class' : `f32[${i.shape.slice(1).join(', ')}]`}`).join(', ');
    throw new UserError(`the mnist data set gives 28×28 images (784 values, e.g. f32[784] or f32[1, 28, 28]) and class[10] labels; model '${m.model}' has inputs ${have}`);
  }
  const { train, test } = loadMnist();
  const wrap = (d: typeof train): Samples => ({ count: d.count, tensors: { [image.name]: d.images, [label.name]: d.labels } });
  return { train: wrap(train), test: wrap(test), description: `mnist: ${train.count} training digits, ${test.count} held out` };
}
