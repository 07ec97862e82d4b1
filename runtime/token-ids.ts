// The one check of token ids handed to the GPU (Session.write, InferenceModel.predict): an id
// outside the vocabulary would read zeros in the embedding kernels, so it is refused by its place.
// Browser-safe and tiny: dlc/infer imports it.

/** "token id 7 of sample 1 (position 2) is out of range; …" for the first id outside [0, vocab), or undefined. */
export function badTokenIdAt(ids: Int32Array | Float32Array, vocab: number, perSample: number): string | undefined {
  const at = ids.findIndex((v) => v < 0 || v >= vocab);
  if (at < 0) return undefined;
  return `token id ${ids[at]} of sample ${Math.floor(at / perSample)} (position ${at % perSample}) is out of range; the model takes ids 0 to ${vocab - 1}`;
}
