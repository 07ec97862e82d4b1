// Initial values of parameters and state (Glorot, He, LeCun, constants), from a seeded generator.
import type { Initializer } from '../compiler/artifact.ts';
import { Rng } from './random.ts';

/** Normal sample redrawn until within two standard deviations (Keras's truncated normal). */
function truncatedNormal(rng: Rng): number {
  for (;;) {
    const x = rng.normal();
    if (Math.abs(x) <= 2) return x;
  }
}

/**
 * Keras' VarianceScaling as scale and n: the variance is scale/n with n = fan_in (He: scale 2,
 * LeCun: 1) or the mean of fan_in and fan_out (Glorot: scale 1, stated as 2/(fan_in + fan_out)).
 */
function variance(init: Initializer & { fanIn: number; fanOut: number }): { scale: number; n: number } {
  if (init.kind.startsWith('he_')) return { scale: 2, n: init.fanIn };
  if (init.kind.startsWith('lecun_')) return { scale: 1, n: init.fanIn };
  return { scale: 2, n: init.fanIn + init.fanOut };
}

/** Values for one tensor of `count` elements; `rng` advances only for random initialisers. */
export function initialValues(init: Initializer, count: number, rng: Rng): Float32Array {
  const out = new Float32Array(count);
  switch (init.kind) {
    case 'zeros': return out;
    case 'ones': return out.fill(1);
    case 'constant': return out.fill(init.value);
    // Uniform in ±√(3·scale/n), or a normal truncated at ±2σ with σ² = scale/n.
    case 'glorot_uniform':
    case 'he_uniform':
    case 'lecun_uniform': {
      const { scale, n } = variance(init);
      const limit = Math.sqrt((3 * scale) / n);
      for (let i = 0; i < count; i++) out[i] = (rng.next() * 2 - 1) * limit;
      return out;
    }
    case 'glorot_normal':
    case 'he_normal':
    case 'lecun_normal': {
      // 0.8796 is the standard deviation of a unit normal truncated at ±2; Keras divides it out.
      const { scale, n } = variance(init);
      const std = Math.sqrt(scale / n) / 0.87962566103423978;
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
