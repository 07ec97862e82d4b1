// NHWC data (Keras' channels_last) and the same values in dlc's NCHW, for channels_last tests.
import type { Rng } from '../../runtime/random.ts';

/** Normal draws in NHWC order [n, h, w, c], and the same values moved to NCHW [n, c, h, w]. */
export function nhwcAndNchw(rng: Rng, dims: [number, number, number, number]): { nhwc: Float32Array; nchw: Float32Array } {
  const [n, h, w, c] = dims;
  const nhwc = Float32Array.from({ length: n * h * w * c }, () => rng.normal());
  const nchw = new Float32Array(nhwc.length);
  for (let i = 0; i < n; i++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) {
    nchw[((i * c + k) * h + y) * w + x] = nhwc[((i * h + y) * w + x) * c + k]!;
  }
  return { nhwc, nchw };
}
