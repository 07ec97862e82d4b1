// Calibration of int8 activations (dlc quantize --calibrate N): the f32 model's forward program (eval
// mode) runs N samples in the float64 interpreter, and each int8 weight's activation scale is the
// largest |x| its dense or conv kernels read, over 127 (symmetric, per tensor; TF Lite's
// post-training quantisation also takes the observed range of a representative data set, but with
// asymmetric activations: see README "Int8 activations").
import type { InferenceManifest } from '../runtime/inference-manifest.ts';
import { compile } from './compile.ts';
import { tensor } from './ir/tensor.ts';
import { activationScale, recordActivationMaxima } from './reference/int8-activations.ts';

/** Samples per interpreter run: the program is compiled at this batch (and once more for a remainder). */
const CHUNK = 32;

/**
 * The activation scale of every int8 weight of `m` marked `activations`, by name, from the first
 * `count` samples of `samples` (inputs by name) through the program with f32 `weights` (every
 * weight of `m`, in its order).
 */
export function calibrateActivations(
  source: string, opts: { file?: string; model?: string }, m: InferenceManifest, weights: readonly Float32Array[],
  samples: Record<string, ArrayLike<number>>, count: number,
): Map<string, number> {
  const maxima = new Map(m.weights.filter((w) => w.int8?.activations).map((w) => [w.name, 0]));
  const byName = new Map(m.weights.map((w, i) => [w.name, weights[i]!]));
  const compiled = new Map<number, ReturnType<typeof compile>>();
  for (let start = 0; start < count; start += CHUNK) {
    const b = Math.min(CHUNK, count - start);
    if (!compiled.has(b)) compiled.set(b, compile(source, { ...opts, batch: b }));
    const r = compiled.get(b)!;
    if (!r.ok) throw new Error(`internal error: the program does not compile at batch ${b}`);
    const g = r.graph!;
    const env = new Map();
    for (const slot of [...g.params, ...g.state.filter((s) => s.owner === 'layer')]) {
      const v = g.value(slot.value);
      const data = byName.get(v.name);
      if (data) env.set(slot.value, tensor(v.shape, data));
    }
    for (const i of g.inputs) {
      const data = samples[i.name];
      if (!data) continue;
      const per = g.value(i.value).shape.slice(1).reduce((a, d) => a * d, 1);
      env.set(i.value, tensor(g.value(i.value).shape, Float64Array.from({ length: b * per }, (_, k) => data[start * per + k]!)));
    }
    recordActivationMaxima(g, 'forward', env, { lr: 0, step: 0, seed: 0 }, maxima);
  }
  return new Map([...maxima].map(([name, max]) => [name, activationScale(max)]));
}
