// Weights for tests that need a model's weights but not a trained model: the initialisers' values
// plus seeded noise on every tensor (so biases, batch-norm scales and moving statistics are not the
// constants a fresh model starts with); moving variances stay positive.
import type { Manifest } from '../../compiler/artifact.ts';
import { initialTensors } from '../../runtime/init.ts';
import { Rng } from '../../runtime/random.ts';
import { encodeSafetensors } from '../../runtime/safetensors.ts';

/** Every parameter and layer-state tensor of the model, by name. */
export function syntheticWeights(m: Manifest, seed = 7): Map<string, Float32Array> {
  const slots = [...m.params, ...m.state.filter((s) => s.owner === 'layer')];
  const init = initialTensors(slots, seed);
  const rng = new Rng(seed + 1);
  for (const s of slots) {
    const v = init.get(s.name)!;
    const variance = /variance|moving_var/.test(s.name);
    for (let i = 0; i < v.length; i++) v[i] = variance ? 0.5 + rng.next() : v[i]! + (rng.next() - 0.5) * 0.2;
  }
  return init;
}

/** The same weights as a safetensors file's bytes, as dlc train writes them. */
export function syntheticWeightsFile(m: Manifest, seed = 7): Uint8Array {
  const w = syntheticWeights(m, seed);
  return encodeSafetensors([...m.params, ...m.state.filter((s) => s.owner === 'layer')].map((s) => ({ name: s.name, dtype: 'F32' as const, shape: s.shape, data: w.get(s.name)! })), { model: m.model });
}
