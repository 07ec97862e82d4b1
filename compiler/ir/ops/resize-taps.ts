// The float64 reference's bilinear resize (tf.image.resize: half-pixel centres, no antialias), shared
// by random_crop's smart_resize and bilinear upsampling (a resize to n·f values).

/**
 * Bilinear taps along one axis resized from n to m values (tf.image.resize, half-pixel centres,
 * no antialias): output o reads src = (o + 0.5)·(n/m) − 0.5 at rows ⌊src⌋ and ⌈src⌉ clamped to
 * [0, n − 1], with weights 1 − frac and frac.
 */
function resizeTaps(n: number, m: number): { lo: number; hi: number; frac: number }[] {
  const scale = n / m;
  return Array.from({ length: m }, (_, o) => {
    const src = (o + 0.5) * scale - 0.5;
    const fl = Math.floor(src);
    return { lo: Math.min(Math.max(fl, 0), n - 1), hi: Math.min(Math.max(Math.ceil(src), 0), n - 1), frac: src - fl };
  });
}

/** Visits every (output, input, weight) of resizing x's planes [H, W] to [Ho, Wo]. */
export function eachResizeTap(planes: number, [H, W]: [number, number], [Ho, Wo]: [number, number], f: (o: number, i: number, w: number) => void): void {
  const th = resizeTaps(H, Ho);
  const tw = resizeTaps(W, Wo);
  for (let p = 0; p < planes; p++) {
    for (let oh = 0; oh < Ho; oh++) {
      const a = th[oh]!;
      for (let ow = 0; ow < Wo; ow++) {
        const b = tw[ow]!;
        const o = (p * Ho + oh) * Wo + ow;
        for (const [r, wr] of [[a.lo, 1 - a.frac], [a.hi, a.frac]] as const) {
          for (const [c, wc] of [[b.lo, 1 - b.frac], [b.hi, b.frac]] as const) f(o, (p * H + r) * W + c, wr * wc);
        }
      }
    }
  }
}
