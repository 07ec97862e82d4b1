// Initial values of parameters and state (Glorot, He, LeCun, orthogonal, constants), from a seeded generator.
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

/**
 * Keras's Orthogonal (gain 1) for a rows × cols tensor: the Q of a QR decomposition of a
 * max × min Gaussian matrix, signs fixed so R's diagonal is positive, transposed when rows < cols.
 * QR is modified Gram–Schmidt in float64, run twice per column to keep Q orthogonal to rounding.
 */
function orthogonal(rows: number, cols: number, rng: Rng, out: Float32Array): void {
  const m = Math.max(rows, cols);
  const n = Math.min(rows, cols);
  // a[j] is column j (length m); drawn row by row as Keras fills a [m, n] matrix.
  const a = Array.from({ length: n }, () => new Float64Array(m));
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) a[j]![i] = rng.normal();
  for (let j = 0; j < n; j++) {
    const v = a[j]!;
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        const q = a[k]!;
        let dot = 0;
        for (let i = 0; i < m; i++) dot += q[i]! * v[i]!;
        for (let i = 0; i < m; i++) v[i]! -= dot * q[i]!;
      }
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += v[i]! * v[i]!;
    norm = Math.sqrt(norm);
    // Gram–Schmidt's R has a positive diagonal (the norms), which is the sign Keras imposes.
    for (let i = 0; i < m; i++) v[i]! /= norm;
  }
  // Q is m × n (Q[i][j] = a[j][i]); the tensor is rows × cols: Q itself, or Qᵀ when rows < cols.
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = rows >= cols ? a[c]![r]! : a[r]![c]!;
  }
}

/** Values for one tensor of `count` elements; `rng` advances only for random initialisers. */
export function initialValues(init: Initializer, count: number, rng: Rng): Float32Array {
  const out = new Float32Array(count);
  switch (init.kind) {
    case 'zeros': return out;
    case 'ones': return out.fill(1);
    case 'constant': return out.fill(init.value);
    case 'unit_forget_bias': return out.fill(1, init.units, 2 * init.units);
    case 'uniform':
      for (let i = 0; i < count; i++) out[i] = init.min + rng.next() * (init.max - init.min);
      return out;
    case 'orthogonal':
      if (init.rows * init.cols !== count) throw new Error(`internal error: orthogonal ${init.rows}×${init.cols} for ${count} values`);
      orthogonal(init.rows, init.cols, rng, out);
      return out;
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
