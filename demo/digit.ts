// A digit drawn on the page's pad made into an MNIST digit the way MNIST's own were made (LeCun,
// Cortes, Burges): the ink's bounding box scaled to fit a 20×20 box keeping its aspect ratio, with
// anti-aliasing (area averaging), then placed in the 28×28 field so that its centre of mass lies at
// the field's centre. Shrinking the whole pad instead gives the network digits unlike any it saw.

/** Side of the MNIST field, and of the box the digit is scaled into. */
export const FIELD = 28;
export const BOX = 20;
/** Grey level above which a pixel counts as ink for the bounding box (MNIST's boxes hold their faintest pixels). */
const INK = 0;

/** The bounding box of the ink in a w×h image, or undefined when nothing is drawn. */
function inkBox(px: Float32Array, w: number, h: number): { x: number; y: number; w: number; h: number } | undefined {
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (px[y * w + x]! <= INK) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return x1 < 0 ? undefined : { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

/** Overlap of [a0, a1) with the unit cell [i, i + 1). */
const cover = (a0: number, a1: number, i: number): number => Math.max(0, Math.min(a1, i + 1) - Math.max(a0, i));

/**
 * The region (x, y, w, h) of `px` (row-major, width `stride`) resampled to ow×oh by area averaging:
 * each output pixel is the mean of the source area it covers.
 */
function resample(px: Float32Array, stride: number, r: { x: number; y: number; w: number; h: number }, ow: number, oh: number): Float32Array {
  const out = new Float32Array(ow * oh);
  const sx = r.w / ow, sy = r.h / oh;
  for (let oy = 0; oy < oh; oy++) {
    const ya = oy * sy, yb = ya + sy;
    for (let ox = 0; ox < ow; ox++) {
      const xa = ox * sx, xb = xa + sx;
      let sum = 0;
      for (let y = Math.floor(ya); y < Math.ceil(yb); y++) {
        const wy = cover(ya, yb, y);
        for (let x = Math.floor(xa); x < Math.ceil(xb); x++) sum += wy * cover(xa, xb, x) * px[(r.y + y) * stride + r.x + x]!;
      }
      out[oy * ow + ox] = sum / (sx * sy);
    }
  }
  return out;
}

/**
 * The drawing `px` (w×h grey levels in [0, 1], row-major, white ink on black) as a 28×28 MNIST
 * digit: cropped to its ink, scaled so its longer side is 20 pixels, centred by its centre of mass.
 * A blank drawing gives a blank field.
 */
export function mnistDigit(px: Float32Array, w: number, h: number): Float32Array {
  const field = new Float32Array(FIELD * FIELD);
  const box = inkBox(px, w, h);
  if (!box) return field;
  const scale = BOX / Math.max(box.w, box.h);
  const ow = Math.max(1, Math.round(box.w * scale));
  const oh = Math.max(1, Math.round(box.h * scale));
  const digit = resample(px, w, box, ow, oh);
  let mass = 0, mx = 0, my = 0;
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const v = digit[y * ow + x]!;
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  // Whole-pixel shift putting the centre of mass nearest the field's centre (14, 14).
  const dx = Math.round(FIELD / 2 - mx / mass);
  const dy = Math.round(FIELD / 2 - my / mass);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const fx = x + dx, fy = y + dy;
      if (fx >= 0 && fx < FIELD && fy >= 0 && fy < FIELD) field[fy * FIELD + fx] = Math.min(1, digit[y * ow + x]!);
    }
  }
  return field;
}

/** The centre of mass (x, y) of a 28×28 field, pixel centres at +0.5. */
export function centreOfMass(field: Float32Array): { x: number; y: number } {
  let mass = 0, mx = 0, my = 0;
  for (let i = 0; i < field.length; i++) {
    const v = field[i]!;
    mass += v;
    mx += v * ((i % FIELD) + 0.5);
    my += v * (Math.floor(i / FIELD) + 0.5);
  }
  return { x: mx / mass, y: my / mass };
}
