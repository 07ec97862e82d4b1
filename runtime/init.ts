// Initial values of parameters and state (Glorot, He, constants), from a seeded generator.
import type { Initializer } from '../compiler/artifact.ts';
import { Rng } from './random.ts';

/** Normal sample redrawn until within two standard deviations (Keras's truncated normal). */
function truncatedNormal(rng: Rng): number {
  for (;;) {
    const x = rng.normal();
    if (Math.abs(x) <= 2) return x;
  }
}

/** Values for one tensor of `count` elements; `rng` advances only for random initialisers. */
export function initialValues(init: Initializer, count: number, rng: Rng): Float32Array {
  const out = new Float32Array(count);
  switch (init.kind) {
    case 'zeros': return out;
    case 'ones': return out.fill(1);
    case 'constant': return out.fill(init.value);
    case 'glorot_uniform':
    case 'he_uniform': {
      const limit = Math.sqrt(6 / (init.kind === 'he_uniform' ? init.fanIn : init.fanIn + init.fanOut));
      for (let i = 0; i < count; i++) out[i] = (rng.next() * 2 - 1) * limit;
      return out;
    }
    case 'glorot_normal':
    case 'he_normal': {
      // 0.8796 is the standard deviation of a unit normal truncated at ±2; Keras divides it out.
      const std = Math.sqrt(2 / (init.kind === 'he_normal' ? init.fanIn : init.fanIn + init.fanOut)) / 0.87962566103423978;
      for (let i = 0; i < count; i++) out[i] = truncatedNormal(rng) * std;
      return out;
    }
  }
}

/** Initial values of every named tensor, drawn in the given order from one generator seeded by `seed`. */
export function initialTensors(specs: { name: string; shape: number[]; init: Initializer }[], seed: number): Map<string, Float32Array> {
  const rng = new Rng(seed);
  const out = new Map<string, Float32Array>();
  for (const s of specs) out.set(s.name, initialValues(s.init, s.shape.reduce((a, b) => a * b, 1), rng));
  return out;
}
