// How data meets a model's inputs: values per sample, an input as messages show it, and which input
// takes the features and which the labels. One place for every reader (CSV, arrays, MNIST, the
// training loop, the CLI and the demo), so they agree and their messages match. Browser-safe.
import type { InputSpec, Manifest } from '../../compiler/artifact.ts';
import { DataError } from './data-error.ts';

/** Values one sample holds in a tensor of `shape` (the first axis is the batch). */
export const valuesPerSample = (shape: readonly number[]): number => shape.slice(1).reduce((a, b) => a * b, 1);

/** An input as declared: `y: class[3]` or `x: f32[4]` (its per-sample shape). */
export const describeInput = (s: InputSpec): string => (s.classes !== undefined ? `${s.name}: class[${s.classes}]` : `${s.name}: f32[${s.shape.slice(1).join(', ')}]`);

/** The input the loss compares with (the labels or targets), if the model has a train section naming one. */
export const labelInput = (m: Manifest): InputSpec | undefined => m.inputs.find((i) => i.name === m.train.label);

/** The input holding each sample's loss weight (Keras' sample_weight), if the loss names one. */
export const sampleWeightInput = (m: Manifest): InputSpec | undefined => (m.train.sampleWeight ? m.inputs.find((i) => i.name === m.train.sampleWeight) : undefined);

/**
 * The model's feature input and label input (and sample-weight input, when its loss has one), or a
 * DataError when the model does not have exactly one f32 feature input beside them. `what` names the
 * data in the message ("CSV data").
 */
export function featureAndLabel(m: Manifest, what: string): { feature: InputSpec; target: InputSpec; weight?: InputSpec } {
  const target = labelInput(m);
  const weight = sampleWeightInput(m);
  const features = m.inputs.filter((i) => i !== target && i !== weight);
  if (!target || features.length !== 1 || features[0]!.dtype !== 'f32') {
    throw new DataError(`${what} fills a model with one feature input and one label input; model '${m.model}' has inputs ${m.inputs.map(describeInput).join(', ')}`);
  }
  return { feature: features[0]!, target, ...(weight ? { weight } : {}) };
}
