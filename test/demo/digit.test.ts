// The demo pad's digits made as MNIST's were: cropped to the ink, scaled to fit 20×20 with the aspect
// kept, centred by centre of mass in 28×28. A drawing's size and place on the pad must not matter.
import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../runtime/data/mnist.ts';
import { BOX, centreOfMass, FIELD, mnistDigit } from '../../demo/digit.ts';

const PAD = 280;

/** A 280×280 pad with thick strokes along `path` (pad coordinates), radius r. */
function drawPath(path: [number, number][], r: number): Float32Array {
  const px = new Float32Array(PAD * PAD);
  for (let k = 1; k < path.length; k++) {
    const [ax, ay] = path[k - 1]!, [bx, by] = path[k]!;
    const n = Math.ceil(Math.hypot(bx - ax, by - ay));
    for (let t = 0; t <= n; t++) {
      const cx = ax + ((bx - ax) * t) / n, cy = ay + ((by - ay) * t) / n;
      for (let y = Math.floor(cy - r); y <= cy + r; y++) for (let x = Math.floor(cx - r); x <= cx + r; x++) {
        if (x >= 0 && y >= 0 && x < PAD && y < PAD && Math.hypot(x - cx, y - cy) <= r) px[y * PAD + x] = 1;
      }
    }
  }
  return px;
}

/** Extent of the non-zero pixels of a 28×28 field. */
function extent(f: Float32Array): { w: number; h: number } {
  const xs: number[] = [], ys: number[] = [];
  f.forEach((v, i) => { if (v > 0) { xs.push(i % FIELD); ys.push(Math.floor(i / FIELD)); } });
  return { w: Math.max(...xs) - Math.min(...xs) + 1, h: Math.max(...ys) - Math.min(...ys) + 1 };
}

/** The pad shrunk to 28×28 by averaging 10×10 blocks. */
function shrink(pad: Float32Array): Float32Array {
  const out = new Float32Array(FIELD * FIELD);
  pad.forEach((v, i) => { out[Math.floor(Math.floor(i / PAD) / 10) * FIELD + Math.floor((i % PAD) / 10)]! += v / 100; });
  return out;
}

/** A 28×28 field moved by (dx, dy) pixels. */
function shift(f: Float32Array, dx: number, dy: number): Float32Array {
  const out = new Float32Array(f.length);
  f.forEach((v, i) => {
    const x = (i % FIELD) + dx, y = Math.floor(i / FIELD) + dy;
    if (x >= 0 && y >= 0 && x < FIELD && y < FIELD) out[y * FIELD + x] = v;
  });
  return out;
}

const cosine = (a: Float32Array, b: Float32Array): number => {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) { ab += a[i]! * b[i]!; aa += a[i]! ** 2; bb += b[i]! ** 2; }
  return ab / Math.sqrt(aa * bb);
};

describe('mnistDigit', () => {
  it('a tall bar: its longer side scaled to 20 pixels, the aspect kept, the centre of mass at (14, 14)', () => {
    const pad = new Float32Array(PAD * PAD);
    for (let y = 30; y < 110; y++) for (let x = 20; x < 60; x++) pad[y * PAD + x] = 1; // 40 wide, 80 tall, top left
    const f = mnistDigit(pad, PAD, PAD);
    expect(extent(f)).toEqual({ w: BOX / 2, h: BOX });
    const c = centreOfMass(f);
    expect(Math.abs(c.x - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(c.y - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.max(...f)).toBeLessThanOrEqual(1);
  });

  it('a 7 drawn small in a corner and large in the middle gives the same digit', () => {
    const seven: [number, number][] = [[0, 0], [1, 0], [0.35, 1.6]];
    const at = (x: number, y: number, s: number) => seven.map(([a, b]) => [x + a * s, y + b * s] as [number, number]);
    const [smallPad, largePad] = [drawPath(at(15, 15, 45), 5), drawPath(at(70, 40, 130), 13)];
    const small = mnistDigit(smallPad, PAD, PAD);
    const large = mnistDigit(largePad, PAD, PAD);
    expect(extent(small).h).toBe(BOX);
    expect(extent(large).h).toBe(BOX);
    expect(cosine(small, large)).toBeGreaterThan(0.9);
    // Shrinking the whole pad to 28×28, as the page once did, leaves them nothing alike.
    expect(cosine(shrink(smallPad), shrink(largePad))).toBeLessThan(0.2);
  });

  it('an MNIST test digit painted on the pad at 10× comes back as itself, to a pixel of centring', () => {
    const { test } = loadMnist();
    for (let k = 0; k < 5; k++) {
      const digit = test.images.subarray(k * 784, k * 784 + 784);
      const pad = new Float32Array(PAD * PAD);
      for (let i = 0; i < PAD * PAD; i++) pad[i] = digit[Math.floor(Math.floor(i / PAD) / 10) * FIELD + Math.floor((i % PAD) / 10)]!;
      const back = mnistDigit(pad, PAD, PAD);
      expect(extent(back), `test digit ${k}`).toEqual(extent(digit));
      // The package's digits are centred by rounding of their own: allow a shift of one pixel.
      const best = Math.max(...[-1, 0, 1].flatMap((dx) => [-1, 0, 1].map((dy) => cosine(shift(back, dx, dy), digit))));
      expect(best, `test digit ${k}`).toBeGreaterThan(0.97);
    }
  });

  it('a blank pad is a blank field', () => {
    expect(mnistDigit(new Float32Array(PAD * PAD), PAD, PAD).every((v) => v === 0)).toBe(true);
  });
});
