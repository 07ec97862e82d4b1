// random_crop as Keras 3's RandomCrop: while training one window per batch at a corner drawn from
// the step (every corner reachable), otherwise Keras' smart_resize (the largest centred window of
// the target's aspect ratio, then tf.image.resize's bilinear); the programs each mode compiles to,
// the inference path's values on an image whose bilinear resize is exact, and bad arguments.
import { describe, expect, it } from 'vitest';
import { cropCorner, smartResizeBox } from '../../compiler/ir/ops/crop.ts';
import { tensor } from '../../compiler/ir/tensor.ts';
import { evalOp } from '../../compiler/reference/interp.ts';
import { compiles, errors } from '../helpers/compile-source.ts';
import { ReferenceRun } from '../helpers/reference.ts';

const net = (layers: string) => `model m {
  input image: f32[2, 9, 7]
  input v: f32[12]
  input y: class[3]
${layers}
  output logits
}
train m { loss = cross_entropy(logits, y); optimizer = adam(); batch = 3 }`;

type Programs = NonNullable<NonNullable<ReturnType<typeof compiles>['snapshots']>['programs']>;
const opsOf = (g: Programs, program: 'train_step' | 'eval' | 'forward') => g.programs[program]!.nodes.map((id) => g.nodes.find((n) => n.id === id)!);
const CROP_OPS = ['random_crop', 'slice', 'resize_bilinear'];

describe('random_crop', () => {
  it("smart_resize's window is Keras': the largest centred box of the target's aspect ratio", () => {
    expect(smartResizeBox([28, 28], [24, 24])).toEqual([0, 0, 28, 28]);
    expect(smartResizeBox([10, 12], [10, 8])).toEqual([0, 2, 10, 8]);
    expect(smartResizeBox([9, 7], [4, 3])).toEqual([0, 0, 9, 6]);
    expect(smartResizeBox([9, 7], [3, 3])).toEqual([1, 0, 7, 7]);
    // Smaller than the target: the window of its aspect ratio, enlarged later.
    expect(smartResizeBox([5, 12], [8, 8])).toEqual([0, 3, 5, 5]);
    expect(smartResizeBox([1, 9], [40, 1])).toEqual([0, 4, 1, 1]);
  });

  it("the resize is tf.image.resize's bilinear: half-pixel centres, clamped edges, no antialias", () => {
    const resize = (row: number[], w: number) => Array.from(evalOp('resize_bilinear', [tensor([1, 1, 1, row.length], row)], { size: [1, w] }, [1, 1, 1, w], { lr: 0, step: 1, seed: 1 })[0]!.data);
    expect(resize([0, 1, 2, 3], 2)).toEqual([0.5, 2.5]);
    expect(resize([0, 1], 4)).toEqual([0, 0.25, 0.75, 1]);
    // Downsampling by 3 reads the middle pixel of each three (an antialiasing filter would average them).
    expect(resize([0, 9, 0, 0, 9, 0], 2)).toEqual([9, 9]);
  });

  it('training crops the whole batch at one corner per step, and every corner is drawn', () => {
    const [N, C, H, W, h, w] = [3, 2, 7, 5, 4, 3];
    const x = tensor([N, C, H, W], Float64Array.from({ length: N * C * H * W }, (_, i) => i));
    const seen = new Map<string, number>();
    for (let step = 1; step <= 600; step++) {
      const ctx = { lr: 0, step, seed: 11 };
      const y = evalOp('random_crop', [x], { salt: 5, size: [h, w], image: [H, W] }, [N, C, h, w], ctx)[0]!;
      const [top, left] = cropCorner(ctx, 5, [H, W], [h, w]);
      for (let p = 0; p < N * C; p++) {
        for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) expect(y.data[(p * h + r) * w + c]).toBe(x.data[(p * H + top + r) * W + left + c]);
      }
      seen.set(`${top},${left}`, (seen.get(`${top},${left}`) ?? 0) + 1);
    }
    // (7 − 4 + 1) × (5 − 3 + 1) = 12 corners, 50 each expected.
    expect(seen.size).toBe(12);
    for (const count of seen.values()) expect(count).toBeGreaterThan(25);
  });

  it('is a random_crop op in the train step only; eval and forward compile the smart_resize (slice, resize_bilinear)', () => {
    const g = compiles(net('  logits = image -> random_crop(4, 3) -> flatten -> dense(3)')).snapshots!.programs!;
    const train = opsOf(g, 'train_step').filter((n) => CROP_OPS.includes(n.op));
    expect(train.map((n) => [n.op, n.attrs])).toEqual([['random_crop', { salt: 1, size: [4, 3], image: [9, 7] }]]);
    for (const p of ['eval', 'forward'] as const) {
      expect(opsOf(g, p).filter((n) => CROP_OPS.includes(n.op)).map((n) => [n.op, n.attrs])).toEqual([
        ['slice', { axis: 3, start: 0, size: 6 }], ['resize_bilinear', { size: [4, 3] }],
      ]);
    }
  });

  it('an image smaller than the target is resized in training too; one of the target size passes unchanged', () => {
    const small = compiles(net('  logits = image -> random_crop(12, 5) -> flatten -> dense(3)')).snapshots!.programs!;
    for (const p of ['train_step', 'eval'] as const) {
      expect(opsOf(small, p).filter((n) => CROP_OPS.includes(n.op)).map((n) => [n.op, n.attrs])).toEqual([
        ['slice', { axis: 3, start: 2, size: 3 }], ['resize_bilinear', { size: [12, 5] }],
      ]);
    }
    const same = compiles(net('  logits = image -> random_crop(9, 7) -> flatten -> dense(3)')).snapshots!.programs!;
    for (const p of ['train_step', 'eval'] as const) expect(opsOf(same, p).filter((n) => CROP_OPS.includes(n.op))).toEqual([]);
  });

  it('after a trainable layer, its gradient is the transpose at the same corner', () => {
    const g = compiles(net('  logits = image -> conv2d(2, kernel: 3) -> random_crop(5, 4) -> flatten -> dense(3)')).snapshots!.programs!;
    const [forward, adjoint, ...rest] = opsOf(g, 'train_step').filter((n) => n.op === 'random_crop');
    expect(rest).toEqual([]);
    expect(adjoint!.attrs).toEqual({ ...forward!.attrs, adjoint: true });
  });

  it('at inference its values are the bilinear resize of the centred window (exact on a linear image)', () => {
    const r = compiles(`model m {
  input image: f32[1, 9, 7]
  a = image -> random_crop(4, 3)
  b = image -> random_crop(3, 3)
  output a, b
}`);
    const image = Float32Array.from({ length: 2 * 9 * 7 }, (_, i) => 10 * Math.floor((i % 63) / 7) + (i % 7) + 100 * Math.floor(i / 63));
    const out = new ReferenceRun(r).run('forward', { image });
    // a: the 9×6 window at (0, 0) to 4×3, rows at (o + 0.5)·9/4 − 0.5, columns at (o + 0.5)·2 − 0.5.
    const rowsA = [0.625, 2.875, 5.125, 7.375];
    const colsA = [0.5, 2.5, 4.5];
    // b: the 7×7 window at (1, 0) to 3×3, rows and columns at (o + 0.5)·7/3 − 0.5.
    const at = [2 / 3, 3, 16 / 3];
    for (let n = 0; n < 2; n++) {
      for (let o = 0; o < 12; o++) expect(out.a!.data[n * 12 + o]).toBeCloseTo(100 * n + 10 * rowsA[Math.floor(o / 3)]! + colsA[o % 3]!, 10);
      for (let o = 0; o < 9; o++) expect(out.b!.data[n * 9 + o]).toBeCloseTo(100 * n + 10 * (1 + at[Math.floor(o / 3)]!) + at[o % 3]!, 10);
    }
  });

  it('bad arguments and inputs are refused at their place', () => {
    const e = (layer: string) => errors(net(`  logits = ${layer} -> dense(3)`)).split('\n')[0];
    expect(e('image -> random_crop(0, 3) -> flatten')).toBe("net.dl:5:33: error: argument 'height' of random_crop: expected a positive integer, got the integer 0");
    expect(e('image -> random_crop(2.5, 3) -> flatten')).toBe("net.dl:5:33: error: argument 'height' of random_crop: expected a positive integer, got the number 2.5");
    expect(e('image -> random_crop(4) -> flatten')).toBe("net.dl:5:21: error: random_crop needs argument 'width'");
    expect(e('image -> random_crop(4, [3, 2]) -> flatten')).toBe("net.dl:5:36: error: argument 'width' of random_crop: expected a positive integer, got a list");
    expect(e('v -> random_crop(2, 2)'))
      .toBe('net.dl:5:17: error: random_crop_1: random_crop needs an input of shape [batch, channels, height, width], got [batch, 12]; declare the input as e.g. f32[1, 28, 28] or reshape it');
    // Keras' seed: dlc draws from the train seed's stream.
    expect(e('image -> random_crop(height: 4, width: 3, seed: 3) -> flatten')).toBe("net.dl:5:54: error: unknown argument 'seed' for random_crop (accepted: height, width)");
  });
});
