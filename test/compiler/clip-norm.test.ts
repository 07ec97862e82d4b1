// Per-tensor gradient clipping, Keras' `clipnorm`: each parameter's gradient g becomes
// g·min(1, c/‖g‖) with its own norm ‖g‖ (Keras' clip_by_norm: g·c / max(‖g‖, c)), where
// `global_clipnorm` (dlc's global_norm) uses one norm over all parameters. Held on the float64
// interpreter against the unclipped gradient of a twin program, with some tensors over the limit
// and some under it.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../runtime/random.ts';
import { compiles, errors } from '../helpers/compile-source.ts';
import { ReferenceRun } from '../helpers/reference.ts';

const B = 4;
const SOURCE = (clip: string) => `model m {
  input x: f32[6]
  input y: class[3]
  logits = x -> dense(7, activation: tanh) -> dense(3)
  output logits
}
train m { loss = cross_entropy(logits, y); optimizer = sgd(lr: 1); batch = ${B}; seed = 8${clip} }`;
const PARAMS = ['dense_1.kernel', 'dense_1.bias', 'dense_2.kernel', 'dense_2.bias'];

function data(): { x: Float32Array; y: Int32Array } {
  const rng = new Rng(3);
  return { x: Float32Array.from({ length: B * 6 }, () => rng.normal() * 3), y: Int32Array.from({ length: B }, (_, i) => i % 3) };
}

/** Each parameter's change over one sgd step (lr 1): its (clipped) gradient. */
function steps(clip: string): Map<string, Float64Array> {
  const ref = new ReferenceRun(compiles(SOURCE(clip)));
  const before = new Map(PARAMS.map((p) => [p, ref.tensor(p)]));
  ref.trainStep(data());
  return new Map(PARAMS.map((p) => [p, before.get(p)!.map((v, k) => v - ref.tensor(p)[k]!)]));
}

const norm = (v: Float64Array): number => Math.hypot(...v);

describe('clip = norm(c): each gradient tensor clipped by its own norm (Keras clipnorm)', () => {
  const plain = steps('');
  const norms = PARAMS.map((p) => norm(plain.get(p)!));
  // A limit between the smallest and the largest gradient norm: some tensors clipped, some not.
  const c = Math.sqrt(Math.min(...norms) * Math.max(...norms));

  it('scales a tensor over the limit to norm c and leaves one under it alone', () => {
    expect(norms.some((n) => n > c * 1.2)).toBe(true);
    expect(norms.some((n) => n < c / 1.2)).toBe(true);
    const clipped = steps(`; clip = norm(${c})`);
    for (const p of PARAMS) {
      const g = plain.get(p)!;
      const s = Math.min(1, c / norm(g));
      clipped.get(p)!.forEach((v, k) => expect(v, `${p}[${k}]`).toBeCloseTo(g[k]! * s, 12));
    }
  });

  it('differs from global_norm(c), which scales every tensor by one factor', () => {
    const global = steps(`; clip = global_norm(${c})`);
    const total = Math.hypot(...norms);
    for (const p of PARAMS) global.get(p)!.forEach((v, k) => expect(v).toBeCloseTo(plain.get(p)![k]! * Math.min(1, c / total), 12));
    const perTensor = steps(`; clip = norm(${c})`);
    expect(PARAMS.some((p) => Math.abs(norm(perTensor.get(p)!) - norm(global.get(p)!)) > 1e-3)).toBe(true);
  });

  it('each parameter gets its own update kernel (the updates read different norms)', () => {
    const m = compiles(SOURCE('; clip = norm(0.5)')).artifact!.manifest;
    const updates = m.programs.train_step.kernels.map((k) => m.kernels[k]!.name).filter((n) => n.startsWith('sgd'));
    expect(updates).toEqual(['sgd:dense_1', 'sgd:dense_1', 'sgd:dense_2', 'sgd:dense_2']);
  });

  it('Keras\' argument name as the clip says what dlc calls it', () => {
    expect(errors(SOURCE('; clip = clipnorm(1)'))).toBe(`net.dl:7:96: error: unknown clip 'clipnorm'; Keras' clipnorm=c is written norm(c) here
 7 | train m { loss = cross_entropy(logits, y); optimizer = sgd(lr: 1); batch = 4; seed = 8; clip = clipnorm(1) }
   |                                                                                                ^^^^^^^^`);
    expect(errors(SOURCE('; clip = global_clipnorm(1)'))).toContain("Keras' global_clipnorm=c is written global_norm(c) here");
    expect(errors(SOURCE('; clip = nrom(1)'))).toContain("unknown clip 'nrom'; did you mean 'norm'?");
  });
});
