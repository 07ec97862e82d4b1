// Post-training int8 quantisation of weights (dlc quantize): symmetric, one scale per output
// channel. For the channel c along `axis`, scale_c = max|w_c| / 127 (rounded to f32, the value the
// kernels read) and q = round(w / scale_c), ties away from zero, clamped to [-127, 127]; the value
// the kernels compute with is q · scale_c. A channel of zeros gets scale 0 and q = 0 (no 0/0).
// In a buffer the int8 values lie four to a little-endian u32 word (element 4i + j in byte j of
// word i), which is also how safetensors stores an I8 tensor, and the scales follow as f32 words.
import { scaleTensorName, type InferenceManifest } from '../runtime/inference-manifest.ts';
import { actScaleTensorName } from '../runtime/int8-layout.ts';
import { encodeSafetensors, type NamedTensor } from '../runtime/safetensors.ts';

export interface Quantized {
  /** The int8 values, in the tensor's row-major order. */
  q: Int8Array;
  /** One scale per channel along the axis. */
  scales: Float32Array;
}

/** Channel of flat element i of `shape` along `axis`, and the channel count. */
function channelOf(shape: readonly number[], axis: number): { channels: number; at: (i: number) => number } {
  if (!Number.isInteger(axis) || axis < 0 || axis >= shape.length) throw new Error(`internal error: channel axis ${axis} of shape [${shape.join(', ')}]`);
  const channels = shape[axis]!;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  return { channels, at: (i) => Math.floor(i / inner) % channels };
}

/** Rounds to the nearest integer, halves away from zero (as C's round, which TFLite's quantiser uses). */
const roundAway = (x: number): number => Math.sign(x) * Math.round(Math.abs(x));

/** Symmetric per-channel int8 quantisation of `w` (shape `shape`) along `axis`. */
export function quantizePerChannel(w: ArrayLike<number>, shape: readonly number[], axis: number): Quantized {
  const { channels, at } = channelOf(shape, axis);
  const max = new Float64Array(channels);
  for (let i = 0; i < w.length; i++) {
    const c = at(i);
    max[c] = Math.max(max[c]!, Math.abs(w[i]!));
  }
  const scales = Float32Array.from(max, (m) => m / 127);
  const q = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const s = scales[at(i)]!;
    q[i] = s === 0 ? 0 : Math.max(-127, Math.min(127, roundAway(w[i]! / s)));
  }
  return { q, scales };
}

/** The values the quantised kernels compute with: q · scale of its channel, exactly, in float64. */
export function dequantize(x: Quantized, shape: readonly number[], axis: number): Float64Array {
  const { at } = channelOf(shape, axis);
  return Float64Array.from(x.q, (v, i) => v * x.scales[at(i)]!);
}

/** The int8 values packed four to a u32 word (little-endian bytes), the last word padded with zeros. */
export function packInt8(q: Int8Array): Uint32Array {
  const words = new Uint32Array(Math.ceil(q.length / 4));
  for (let i = 0; i < q.length; i++) words[i >> 2] = (words[i >> 2]! | ((q[i]! & 0xff) << (8 * (i & 3)))) >>> 0;
  return words;
}

/** The inverse of packInt8: `count` int8 values, each byte sign-extended as the kernels do. */
export function unpackInt8(words: Uint32Array, count: number): Int8Array {
  return Int8Array.from({ length: count }, (_, i) => ((words[i >> 2]! << (24 - 8 * (i & 3))) >> 24));
}

/**
 * weights.safetensors of an inference manifest from f32 weights: each weight the manifest marks int8
 * as its I8 values and F32 scales (scaleTensorName), with int8 activations also its activation scale
 * from `actScales` (actScaleTensorName); every other one as F32.
 */
export function inferenceWeightsFile(m: InferenceManifest, f32: readonly Float32Array[], metadata: Record<string, string>, actScales: ReadonlyMap<string, number> = new Map()): Uint8Array {
  const tensors = m.weights.flatMap((w, i): NamedTensor[] => {
    const data = f32[i]!;
    if (!w.int8) return [{ name: w.name, dtype: 'F32', shape: w.shape, data }];
    const { q, scales } = quantizePerChannel(data, w.shape, w.int8.axis);
    const out: NamedTensor[] = [{ name: w.name, dtype: 'I8', shape: w.shape, data: q }, { name: scaleTensorName(w.name), dtype: 'F32', shape: [scales.length], data: scales }];
    if (!w.int8.activations) return out;
    const act = actScales.get(w.name);
    if (act === undefined) throw new Error(`internal error: no activation scale for '${w.name}'`);
    return [...out, { name: actScaleTensorName(w.name), dtype: 'F32', shape: [1], data: Float32Array.of(act) }];
  });
  return encodeSafetensors(tensors, metadata);
}
