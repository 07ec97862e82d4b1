// A small convnet with every augmentation layer trained 10 steps on each adapter follows the float64
// interpreter (the same draws at every step), and the draws change training: without them the
// reference's curve is another. The trained net's forward pass (random_crop's smart_resize there)
// matches the interpreter's too.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { Rng } from '../../runtime/random.ts';
import { Session } from '../../runtime/session.ts';
import { ADAPTERS, relError, useDevice } from '../helpers/gpu.ts';
import { ReferenceRun } from '../helpers/reference.ts';

const source = (augment: string, afterConv = '') => `
model aug {
  input x: f32[2, 9, 7]
  input y: class[4]
  h = x${augment} -> conv2d(3, kernel: 3)${afterConv} -> relu -> flatten
  logits = h -> dense(4)
  output logits
}
train aug {
  loss = cross_entropy(logits, y)
  optimizer = adam(lr: 0.01)
  batch = 5
  seed = 7
}`;
const AUGMENTED = source(' -> random_crop(8, 5) -> random_flip() -> random_translation(0.3, [-0.2, 0.4], fill_value: 0.25) -> random_rotation(0.2, fill_value: -0.5) -> random_zoom([-0.3, 0.4], 0.2) -> cutout([3, 2]) -> gaussian_noise(0.3)');
const PLAIN = source('');
// Warps after the convolution: its gradient passes back through their transposes.
const WARPED_FEATURES = source('', ' -> random_rotation(0.15, fill_value: 0.2) -> random_zoom([-0.4, 0.3], [-0.2, 0.2])');
const STEPS = 10;

/** Per-step batches: fixed random images and labels. */
function batches(): { x: Float32Array; y: Int32Array }[] {
  const rng = new Rng(5);
  return Array.from({ length: STEPS }, () => ({
    x: Float32Array.from({ length: 5 * 2 * 9 * 7 }, () => rng.normal()),
    y: Int32Array.from({ length: 5 }, () => rng.int(4)),
  }));
}

function reference(src: string): { losses: number[]; kernel: Float64Array; logits: Float64Array } {
  const ref = new ReferenceRun(compile(src, { file: 'aug.dl' }));
  const losses = batches().map((b) => ref.trainStep(b));
  return { losses, kernel: ref.tensor('conv2d_1.kernel'), logits: ref.run('forward', { x: batches()[0]!.x }).logits!.data };
}

describe('augmentation in the train step', () => {
  const ref = reference(AUGMENTED);

  it('changes training: the reference without augmentation takes another path', () => {
    const plain = reference(PLAIN);
    expect(plain.losses[0]).not.toBeCloseTo(ref.losses[0]!, 3);
    expect(relError(Float32Array.from(plain.kernel), ref.kernel)).toBeGreaterThan(1e-3);
  });

  const warpedRef = reference(WARPED_FEATURES);
  for (const adapter of ADAPTERS) {
    describe(adapter, () => {
      const device = useDevice(adapter);
      const cases = [['every augmentation on the input', AUGMENTED, ref], ['rotation and zoom after the convolution', WARPED_FEATURES, warpedRef]] as const;
      for (const [name, src, want] of cases) {
        it(`${name}: ${STEPS} steps match the float64 loss curve and weights to 1e-4 relative`, async (t) => {
          const h = device();
          if (!h) return t.skip();
          const r = compile(src, { file: 'aug.dl' });
          const s = await Session.create(r.artifact!, h.device);
          try {
            const gpu: number[] = [];
            for (const b of batches()) gpu.push((await s.trainStep(b, { readLoss: true }))!);
            for (let k = 0; k < STEPS; k++) expect(Math.abs(gpu[k]! - want.losses[k]!) / Math.abs(want.losses[k]!), `step ${k + 1}: gpu ${gpu[k]} ref ${want.losses[k]}`).toBeLessThan(1e-4);
            expect(relError(await s.read('conv2d_1.kernel'), want.kernel)).toBeLessThan(1e-4);
            const { logits } = await s.run('forward', { x: batches()[0]!.x }, ['logits']);
            expect(relError(logits!, want.logits), 'forward logits').toBeLessThan(1e-4);
          } finally {
            s.dispose();
          }
        }, 120_000);
      }
    });
  }
});

// A crop with 2 × 1,028 corners: the GPU's integer draw (dlc_scaled's two 12-bit halves, past 2⁸
// choices) picks the reference's corner at every step, or the losses part.
describe('random_crop over a wide image', () => {
  const WIDE = `model wide {
  input x: f32[1, 2, 1030]
  input y: class[2]
  logits = x -> random_crop(1, 3) -> flatten -> dense(2)
  output logits
}
train wide {
  loss = cross_entropy(logits, y)
  optimizer = sgd(lr: 0.5)
  batch = 3
  seed = 9
}`;
  const rng = new Rng(8);
  const wide = Array.from({ length: 20 }, () => ({
    x: Float32Array.from({ length: 3 * 2 * 1030 }, () => rng.normal()),
    y: Int32Array.from({ length: 3 }, () => rng.int(2)),
  }));
  const ref = new ReferenceRun(compile(WIDE, { file: 'wide.dl' }));
  const want = wide.map((b) => ref.trainStep(b));
  for (const adapter of ADAPTERS) {
    describe(adapter, () => {
      const device = useDevice(adapter);
      it('20 steps match the float64 losses to 1e-4 relative', async (t) => {
        const h = device();
        if (!h) return t.skip();
        const s = await Session.create(compile(WIDE, { file: 'wide.dl' }).artifact!, h.device);
        try {
          for (let k = 0; k < wide.length; k++) {
            const loss = (await s.trainStep(wide[k]!, { readLoss: true }))!;
            expect(Math.abs(loss - want[k]!) / Math.abs(want[k]!), `step ${k + 1}: gpu ${loss} ref ${want[k]}`).toBeLessThan(1e-4);
          }
        } finally {
          s.dispose();
        }
      }, 120_000);
    });
  }
});
