// Whether a model can train on the MNIST digits, and which of its inputs take the images and the
// labels: one check for the CLI (--data mnist) and the demo page, so both refuse the same models
// with the same message. Browser-safe (no Node module).
import type { Manifest } from '../../compiler/artifact.ts';
import { printable } from '../../dsl/printable.ts';
import { describeInput, valuesPerSample } from './model-inputs.ts';

/** The model's inputs that take MNIST's images (784 values each) and class labels. */
export interface MnistInputs {
  image: string;
  label: string;
}

/** The digits' ten classes, 0 to 9. */
const MNIST_CLASSES = 10;

/**
 * The inputs of `m` that take the MNIST images and labels, or the message saying why the model does
 * not fit the data (it names the model's inputs as declared).
 */
export function mnistInputs(m: Manifest): MnistInputs | { error: string } {
  const image = m.inputs.find((i) => i.dtype === 'f32' && valuesPerSample(i.shape) === 784);
  const label = m.inputs.find((i) => i.dtype === 'i32');
  // A label of fewer classes would train on digits it cannot name (cross-entropy reads past its
  // logits) and report a made-up accuracy, so the class count is part of the fit.
  if (image && label && m.inputs.length === 2 && label.classes !== undefined && label.classes !== MNIST_CLASSES) {
    return { error: `the mnist digits have ${MNIST_CLASSES} classes, but model '${printable(m.model)}' declares label input '${printable(label.name)}' as class[${label.classes}]: declare class[${MNIST_CLASSES}] (and ${MNIST_CLASSES} logits)` };
  }
  if (image && label && m.inputs.length === 2) return { image: image.name, label: label.name };
  const have = m.inputs.map((i) => describeInput({ ...i, name: printable(i.name) })).join(', ');
  return { error: `the mnist data set gives 28×28 images (784 values, e.g. f32[784] or f32[1, 28, 28]) and class[10] labels; model '${printable(m.model)}' has inputs ${have}` };
}

/**
 * The inputs of `m` for MNIST as sequences (--data mnist-rows): the same digits, row by row, so the
 * image input must be declared f32[28, 28] (28 time steps of 28 pixels); else why it does not fit.
 */
export function mnistRowsInputs(m: Manifest): MnistInputs | { error: string } {
  const fit = mnistInputs(m);
  if ('error' in fit) return { error: fit.error.replace('the mnist data set gives 28×28 images (784 values, e.g. f32[784] or f32[1, 28, 28])', 'the mnist-rows data set gives each digit as 28 time steps of 28 pixels (f32[28, 28])') };
  const image = m.inputs.find((i) => i.name === fit.image)!;
  if (image.shape.length !== 3 || image.shape[1] !== 28 || image.shape[2] !== 28) {
    return { error: `the mnist-rows data set gives each digit as 28 time steps of 28 pixels: declare input '${printable(image.name)}' as f32[28, 28], not ${describeInput({ ...image, name: printable(image.name) })}` };
  }
  return fit;
}
