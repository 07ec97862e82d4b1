// How data meets a model's inputs: values per sample, an input as messages show it, and which input
// takes the features and which the labels. One place for every reader (CSV, arrays, MNIST, the
// training loop, the CLI and the demo), so they agree and their messages match. Browser-safe.
import type { InputSpec, Manifest } from '../../compiler/artifact.ts';
import { DataError } from './data-error.ts';

/** Values one sample holds in a tensor of `shape` (the first axis is the batch). */
export const valuesPerSample = (shape: readonly number[]): number => shape.slice(1).reduce((a, b) => a * b, 1);

/** An input as declared: `y: class[3]`, `text: tokens[1000, 20]` or `x: f32[4]` (its per-sample shape). */
export const describeInput = (s: InputSpec): string => (s.classes !== undefined ? `${s.name}: class[${s.classes}]`
  : s.vocab !== undefined ? `${s.name}: tokens[${s.vocab}, ${s.shape.slice(1).join(', ')}]` : `${s.name}: f32[${s.shape.slice(1).join(', ')}]`);

/** Why `v` is not a token id of input `s` (tokens[V, T] takes integers 0 to V − 1), or undefined when it is one. */
export function badTokenId(v: number, s: InputSpec & { vocab: number }): string | undefined {
  if (Number.isInteger(v) && v >= 0 && v < s.vocab) return undefined;
  return `token id ${v} is out of range; ${describeInput(s)} takes integers 0 to ${s.vocab - 1} (0 pads, 1 is out of vocabulary)`;
}

/** Token ids for a tokens[V, T] input, each checked; `placeOf(sample, position)` starts the message of a bad one. */
export function toTokenIds(values: ArrayLike<number>, s: InputSpec & { vocab: number }, placeOf: (sample: number, position: number) => string, out: Int32Array = new Int32Array(values.length), at = 0): Int32Array {
  const per = valuesPerSample(s.shape);
  for (let i = 0; i < values.length; i++) {
    const why = badTokenId(values[i]!, s);
    if (why !== undefined) throw new DataError(`${placeOf(Math.floor(i / per), i % per)}: ${why}`);
    out[at + i] = values[i]!;
  }
  return out;
}

/** The input the loss compares with (the labels or targets), if the model has a train section naming one. */
export const labelInput = (m: Manifest): InputSpec | undefined => m.inputs.find((i) => i.name === m.train.label);

/** The input holding each sample's loss weight (Keras' sample_weight), if the loss names one. */
export const sampleWeightInput = (m: Manifest): InputSpec | undefined => (m.train.sampleWeight ? m.inputs.find((i) => i.name === m.train.sampleWeight) : undefined);

/**
 * The model's feature input and label input (and sample-weight input, when its loss has one), or a
 * DataError when the model does not have exactly one feature input (f32 values, or token ids) beside
 * them. `what` names the data in the message ("CSV data").
 */
export function featureAndLabel(m: Manifest, what: string): { feature: InputSpec; target: InputSpec; weight?: InputSpec } {
  const target = labelInput(m);
  const weight = sampleWeightInput(m);
  const features = m.inputs.filter((i) => i !== target && i !== weight);
  if (!target || features.length !== 1 || (features[0]!.dtype !== 'f32' && features[0]!.vocab === undefined)) {
    throw new DataError(`${what} fills a model with one feature input and one label input; model '${m.model}' has inputs ${m.inputs.map(describeInput).join(', ')}`);
  }
  return { feature: features[0]!, target, ...(weight ? { weight } : {}) };
}
