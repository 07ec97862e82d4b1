// dlc export --precision f16: weights.safetensors with each weight the manifest marks f16 as F16
// (rounded to nearest, ties to even: runtime/half.ts) and every other one as F32.
import type { InferenceManifest } from '../runtime/inference-manifest.ts';
import { f16Bits, toF16Bits } from '../runtime/half.ts';
import { encodeSafetensors, type NamedTensor } from '../runtime/safetensors.ts';

/** The largest finite f16 value; larger magnitudes would become infinity. */
export const F16_MAX = 65504;

/** The first f16 weight with a value f16 cannot hold (it rounds to infinity), or undefined. */
export function f16Overflow(m: InferenceManifest, f32: readonly Float32Array[]): { name: string; index: number; value: number } | undefined {
  for (const [i, w] of m.weights.entries()) {
    if (!w.f16) continue;
    const index = f32[i]!.findIndex((v) => (f16Bits(v) & 0x7c00) === 0x7c00);
    if (index >= 0) return { name: w.name, index, value: f32[i]![index]! };
  }
  return undefined;
}

/** weights.safetensors of an inference manifest from f32 weights: its f16 weights as F16, the others F32. */
export function halfWeightsFile(m: InferenceManifest, f32: readonly Float32Array[], metadata: Record<string, string>): Uint8Array {
  const tensors = m.weights.map((w, i): NamedTensor => (w.f16 ? { name: w.name, dtype: 'F16', shape: w.shape, data: toF16Bits(f32[i]!) } : { name: w.name, dtype: 'F32', shape: w.shape, data: f32[i]! }));
  return encodeSafetensors(tensors, metadata);
}
