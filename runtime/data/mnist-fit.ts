// Whether a model can train on the MNIST digits, and which of its inputs take the images and the
// labels: one check for the CLI (--data mnist) and the demo page, so both refuse the same models
// with the same message. Browser-safe (no Node module).
import type { Manifest } from '../../compiler/artifact.ts';
import { printable } from '../../dsl/printable.ts';
import { valuesPerSample } from './model-inputs.ts';

/** The model's inputs that take MNIST's images (784 values each) and class labels. */
export interface MnistInputs {
  image: string;
  label: string;
}

/**
 * The inputs of `m` that take the MNIST images and labels, or the message saying why the model does
 * not fit the data (it names the model's inputs as declared).
 */
export function mnistInputs(m: Manifest): MnistInputs | { error: string } {
  const image = m.inputs.find((i) => i.dtype === 'f32' && valuesPerSample(i.shape) === 784);
  const label = m.inputs.find((i) => i.dtype === 'i32');
  if (image && label && m.inputs.length === 2) return { image: image.name, label: label.name };
  const have = m.inputs.map((i) => `${printable(i.name)}: ${i.dtype === 'i32' ? 'class' : `f32[${i.shape.slice(1).join(', ')}]`}`).join(', ');
  return { error: `the mnist data set gives 28×28 images (784 values, e.g. f32[784] or f32[1, 28, 28]) and class[10] labels; model '${printable(m.model)}' has inputs ${have}` };
}
