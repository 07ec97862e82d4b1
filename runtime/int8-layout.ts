// How an int8 weight lies in its GPU buffer when the kernel also quantises its input activations
// (dlc quantize --calibrate): WGSL's dot4I8Packed multiplies four int8 pairs packed in two u32
// words, so each output channel's values must run along the summed (inner) dimension, four to a
// word. The weight is read as its channel axis, then the packed axis (the first other axis: K of a
// dense kernel, the input channels of a conv filter), zero-padded to a multiple of 4 and moved
// innermost, the remaining axes (a filter's KH, KW) in their order between. After the words: one f32
// scale per channel, the activation scale, and its f32 reciprocal (what the kernel multiplies by).
// Browser-safe: the runtime packs the safetensors I8 values into this layout when it loads them.

export interface Int8ActLayout {
  channels: number;
  /** Values along the packed axis, and u32 words they take (padded to 4). */
  packed: number;
  packedWords: number;
  /** Words per channel: one packed run per position of the remaining axes. */
  wordsPerChannel: number;
  /** The words of all channels; the channel scales start here, the activation scale at words + channels. */
  words: number;
}

/** The layout of an int8 weight of `shape` with output channels along `axis` (rank 2 or more). */
export function int8ActLayout(shape: readonly number[], axis: number): Int8ActLayout {
  const packedAxis = shape.findIndex((_, i) => i !== axis);
  const channels = shape[axis]!;
  const packed = shape[packedAxis]!;
  const rest = shape.reduce((a, d, i) => (i === axis || i === packedAxis ? a : a * d), 1);
  const packedWords = Math.ceil(packed / 4);
  return { channels, packed, packedWords, wordsPerChannel: rest * packedWords, words: channels * rest * packedWords };
}

/** Bytes of such a weight's buffer: the words, the channel scales, the activation scale and its reciprocal. */
export const int8ActWeightBytes = (shape: readonly number[], axis: number): number => {
  const l = int8ActLayout(shape, axis);
  return 4 * (l.words + l.channels + 2);
};

/** The f32 reciprocal of an activation scale the kernels multiply by (0 for a scale of 0: all inputs quantise to 0). */
export const inverseActScale = (scale: number): number => (scale === 0 ? 0 : Math.fround(1 / Math.fround(scale)));

/**
 * The buffer contents of such a weight: `q` (int8 values in the weight's row-major order), its
 * channel scales and its activation scale.
 */
export function int8ActBuffer(q: Int8Array, shape: readonly number[], axis: number, scales: Float32Array, actScale: number): Uint8Array {
  const l = int8ActLayout(shape, axis);
  const packedAxis = shape.findIndex((_, i) => i !== axis);
  const bytes = new Uint8Array(int8ActWeightBytes(shape, axis));
  // Walk the row-major index: coordinates along each axis, the rest axes' flat position in order.
  const coord = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < q.length; i++) {
    let rest = 0;
    for (let d = 0; d < shape.length; d++) if (d !== axis && d !== packedAxis) rest = rest * shape[d]! + coord[d]!;
    const p = coord[packedAxis]!;
    const word = coord[axis]! * l.wordsPerChannel + rest * l.packedWords + (p >> 2);
    bytes[4 * word + (p & 3)] = q[i]! & 0xff;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++coord[d]! < shape[d]!) break;
      coord[d] = 0;
    }
  }
  const tail = new Float32Array(bytes.buffer, 4 * l.words, l.channels + 2);
  tail.set(scales);
  tail[l.channels] = actScale;
  tail[l.channels + 1] = inverseActScale(actScale);
  return bytes;
}

/** The safetensors name of an int8 weight's activation scale (F32, one value). */
export const actScaleTensorName = (weight: string): string => `${weight}.act_scale`;
