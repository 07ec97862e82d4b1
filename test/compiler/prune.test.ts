// Magnitude pruning, on the CPU: the train section's prune setting and its messages, which tensors
// it prunes (TF-MOT's defaults), the schedule against hand-computed values of TF-MOT's
// PolynomialDecay, the mask rule, and the masked optimizer update in the float64 reference.
import { describe, expect, it } from 'vitest';
import { optimizerAttrs } from '../../compiler/ir/ops/optimizers.ts';
import { tensor } from '../../compiler/ir/tensor.ts';
import { evalOp } from '../../compiler/reference/interp.ts';
import { magnitudeMask, prunesAfter, scheduledSparsity } from '../../runtime/prune.ts';
import { validateManifest } from '../../runtime/manifest-check.ts';
import { compiles, errors } from '../helpers/compile-source.ts';

const program = (prune: string, layers = 'logits = x -> dense(7, activation: tanh) -> dense(3)', input = 'f32[6]') => `model m {
  input x: ${input}
  input y: class[3]
  ${layers}
  output logits
}
train m {
  loss = cross_entropy(logits, y)
  prune = ${prune}
}`;

describe('prune = magnitude(...) in the train section', () => {
  it('goes into the manifest with the pruned kernels and their masks', () => {
    const m = compiles(program('magnitude(sparsity: 0.8, start: 2, end: 6, every: 1)')).artifact!.manifest;
    expect(m.train.prune).toEqual({
      kind: 'magnitude', sparsity: 0.8, start: 2, end: 6, every: 1,
      tensors: [{ param: 'dense_1.kernel', mask: 'dense_1.kernel.prune_mask' }, { param: 'dense_2.kernel', mask: 'dense_2.kernel.prune_mask' }],
    });
    // Every parameter has a mask (ones), so the update of all of them stays one kernel over the arenas.
    const masks = m.state.filter((s) => s.owner === 'prune');
    expect(masks.map((s) => s.name)).toEqual(['dense_1.kernel.prune_mask', 'dense_1.bias.prune_mask', 'dense_2.kernel.prune_mask', 'dense_2.bias.prune_mask']);
    for (const s of masks) expect(s.init).toEqual({ kind: 'ones' });
    const updates = m.programs.train_step.kernels.map((k) => m.kernels[k]!.name).filter((n) => n.startsWith('adam'));
    expect(updates).toEqual(['adam:all parameters']);
    expect(m.buffers.map((b) => b.label)).toContain('arena: pruning masks');
    // The runtime's manifest check accepts it, and refuses a sparsity of 1.
    expect(() => validateManifest(JSON.parse(JSON.stringify(m)))).not.toThrow();
    const bad = JSON.parse(JSON.stringify(m));
    bad.train.prune.sparsity = 1;
    expect(() => validateManifest(bad)).toThrow('train.prune.sparsity: 1 is not a number in [0, 1)');
    const noMask = JSON.parse(JSON.stringify(m));
    noMask.train.prune.tensors[1].mask = 'dense_1.kernel.prune_mask';
    expect(() => validateManifest(noMask)).toThrow('train.prune.tensors[1].mask: "dense_1.kernel.prune_mask" is not a state tensor of the parameter\'s shape');
    const backwards = JSON.parse(JSON.stringify(m));
    backwards.train.prune.end = 1;
    expect(() => validateManifest(backwards)).toThrow('train.prune.end: 1 is not an integer in [2, ');
  });

  it('without it, no masks and the same kernels as before', () => {
    const m = compiles(program('magnitude(sparsity: 0.5, end: 1)').replace(/\n  prune = .*\n/, '\n')).artifact!.manifest;
    expect(m.train.prune).toBeUndefined();
    expect(m.state.some((s) => s.owner === 'prune')).toBe(false);
  });

  it('prunes dense, conv, separable pointwise and recurrent kernels; not biases, norms, PReLU or depthwise kernels (TF-MOT)', () => {
    const conv = program('magnitude(sparsity: 0.5, end: 1)', `logits = x -> conv2d(4, kernel: 3) -> batchnorm -> prelu -> depthwise_conv2d(kernel: 3) -> separable_conv2d(4, kernel: 2) -> flatten -> dense(3)`, 'f32[1, 9, 9]');
    expect(compiles(conv).artifact!.manifest.train.prune!.tensors.map((t) => t.param)).toEqual(['conv2d_1.kernel', 'separable_conv2d_1.pointwise_kernel', 'dense_1.kernel']);
    const rnn = program('magnitude(sparsity: 0.5, end: 1)', 'logits = x -> lstm(5) -> dense(3)', 'f32[4, 6]');
    expect(compiles(rnn).artifact!.manifest.train.prune!.tensors.map((t) => t.param)).toEqual(['lstm_1.kernel', 'lstm_1.recurrent_kernel', 'dense_1.kernel']);
  });

  it('refuses a sparsity of 1 or more', () => {
    expect(errors(program('magnitude(sparsity: 1, end: 3)'))).toBe(`net.dl:9:31: error: argument 'sparsity' of magnitude: expected a number in [0, 1), got the integer 1
 9 |   prune = magnitude(sparsity: 1, end: 3)
   |                               ^`);
  });

  it('refuses a negative sparsity', () => {
    expect(errors(program('magnitude(sparsity: -0.1, end: 3)'))).toBe(`net.dl:9:31: error: argument 'sparsity' of magnitude: expected a number in [0, 1), got the number -0.1
 9 |   prune = magnitude(sparsity: -0.1, end: 3)
   |                               ^^^^`);
  });

  it('refuses an end before the start, named or by position', () => {
    expect(errors(program('magnitude(sparsity: 0.8, start: 4, end: 2)'))).toBe(`net.dl:9:51: error: argument 'end' of magnitude: pruning ends at epoch 2, before it starts (start: 4); end must be ≥ start
 9 |   prune = magnitude(sparsity: 0.8, start: 4, end: 2)
   |                                                   ^`);
    expect(errors(program('magnitude(0.8, 4, 2)'))).toBe(`net.dl:9:29: error: argument 'end' of magnitude: pruning ends at epoch 2, before it starts (start: 4); end must be ≥ start
 9 |   prune = magnitude(0.8, 4, 2)
   |                             ^`);
  });

  it('refuses a negative start, an every of 0, a missing end, and suggests its names for TF-MOT\'s', () => {
    expect(errors(program('magnitude(sparsity: 0.5, start: -1, end: 2)'))).toContain(`net.dl:9:43: error: argument 'start' of magnitude: expected an epoch ≥ 0, got -1`);
    expect(errors(program('magnitude(sparsity: 0.5, end: 2, every: 0)'))).toContain(`net.dl:9:51: error: argument 'every' of magnitude: expected a positive integer, got the integer 0`);
    expect(errors(program('magnitude(sparsity: 0.8)'))).toContain(`net.dl:9:11: error: magnitude needs argument 'end'`);
    expect(errors(program('magnitude(sparsity: 0.5, end: 2, frequency: 1)'))).toContain(`net.dl:9:44: error: unknown argument 'frequency' for magnitude; did you mean 'every'?`);
    expect(errors(program('magnitud(sparsity: 0.5, end: 2)'))).toContain(`net.dl:9:11: error: unknown prune 'magnitud'; did you mean 'magnitude'?`);
  });
});

describe('magnitude(…, layers: […]) and magnitude(…, skip: […]): the layers pruned', () => {
  const three = 'h = x -> dense(7, activation: tanh) -> dense(5, activation: tanh)\n  logits = h -> dense(3)';
  const tensors = (prune: string, layers = three): string[] => compiles(program(prune, layers)).artifact!.manifest.train.prune!.tensors.map((t) => t.param);

  it('skip leaves the named layers dense; layers prunes only those; their masks stay ones', () => {
    expect(tensors('magnitude(sparsity: 0.8, end: 2, skip: [dense_1])')).toEqual(['dense_2.kernel', 'dense_3.kernel']);
    expect(tensors('magnitude(sparsity: 0.8, end: 2, layers: [dense_3, dense_1])')).toEqual(['dense_1.kernel', 'dense_3.kernel']);
    expect(tensors('magnitude(0.8, 0, 2, 1, skip: dense_2)')).toEqual(['dense_1.kernel', 'dense_3.kernel']);
    // Every parameter still has a mask (ones from the start) and one update kernel; the manifest has no selection, only the tensors.
    const m = compiles(program('magnitude(sparsity: 0.8, end: 2, skip: [dense_1])', three)).artifact!.manifest;
    expect(m.state.filter((s) => s.owner === 'prune').map((s) => s.name)).toContain('dense_1.kernel.prune_mask');
    expect(Object.keys(m.train.prune!)).toEqual(['kind', 'sparsity', 'start', 'end', 'every', 'tensors']);
    expect(m.programs.train_step.kernels.map((k) => m.kernels[k]!.name).filter((n) => n.startsWith('adam'))).toEqual(['adam:all parameters']);
  });

  it('names a layer by its name: argument or a model-level binding, as freeze does', () => {
    const named = 'h = x -> dense(7, activation: tanh, name: encoder) -> dense(5)\n  logits = h -> dense(3)';
    expect(tensors('magnitude(sparsity: 0.8, end: 2, skip: [encoder])', named)).toEqual(['dense_2.kernel', 'dense_3.kernel']);
    expect(tensors('magnitude(sparsity: 0.8, end: 2, layers: [encoder])', named)).toEqual(['encoder.kernel']);
    // The binding h made dense_1 and dense_2: skipping it prunes only the last layer.
    expect(tensors('magnitude(sparsity: 0.8, end: 2, skip: [h])')).toEqual(['dense_3.kernel']);
    expect(tensors('magnitude(sparsity: 0.8, end: 2, layers: [h])')).toEqual(['dense_1.kernel', 'dense_2.kernel']);
    const rnn = 'logits = x -> lstm(5) -> dense(3)';
    expect(compiles(program('magnitude(sparsity: 0.5, end: 1, layers: [lstm_1])', rnn, 'f32[4, 6]')).artifact!.manifest.train.prune!.tensors.map((t) => t.param)).toEqual(['lstm_1.kernel', 'lstm_1.recurrent_kernel']);
  });

  it('refuses an unknown layer at its name, with the layers there are', () => {
    expect(errors(program('magnitude(sparsity: 0.8, end: 2, skip: [dense_4])', three))).toBe(`net.dl:10:51: error: skip names 'dense_4', which is no layer with weights; did you mean 'dense_1'? (layers: dense_1, dense_2, dense_3)
 10 |   prune = magnitude(sparsity: 0.8, end: 2, skip: [dense_4])
    |                                                   ^^^^^^^`);
    expect(errors(program('magnitude(sparsity: 0.8, end: 2, layers: [dense_1, conv])', three))).toBe(`net.dl:10:62: error: layers names 'conv', which is no layer with weights (layers: dense_1, dense_2, dense_3)
 10 |   prune = magnitude(sparsity: 0.8, end: 2, layers: [dense_1, conv])
    |                                                              ^^^^`);
  });

  it('refuses a layer with no weight that pruning prunes', () => {
    const norm = 'logits = x -> dense(7) -> batchnorm -> dense(3)';
    expect(errors(program('magnitude(sparsity: 0.8, end: 2, layers: [batchnorm_1])', norm))).toBe(`net.dl:9:53: error: layers names 'batchnorm_1', which has no weight that pruning prunes (dense and conv kernels; layers that have one: dense_1, dense_2)
 9 |   prune = magnitude(sparsity: 0.8, end: 2, layers: [batchnorm_1])
   |                                                     ^^^^^^^^^^^`);
  });

  it('refuses both layers and skip, a name twice, an empty list, a number, and suggests the names', () => {
    expect(errors(program('magnitude(sparsity: 0.8, end: 2, skip: [dense_1], layers: [dense_2])'))).toBe(`net.dl:9:61: error: magnitude takes 'layers' (the layers to prune) or 'skip' (the layers to leave dense), not both
 9 |   prune = magnitude(sparsity: 0.8, end: 2, skip: [dense_1], layers: [dense_2])
   |                                                             ^^^^^^`);
    expect(errors(program('magnitude(sparsity: 0.8, end: 2, skip: [dense_1, dense_1])'))).toContain(`net.dl:9:60: error: argument 'skip' of magnitude names 'dense_1' twice`);
    expect(errors(program('magnitude(sparsity: 0.8, end: 2, skip: [])'))).toContain(`net.dl:9:50: error: argument 'skip' of magnitude: expected at least one layer name, e.g. skip: [conv2d_1]`);
    expect(errors(program('magnitude(sparsity: 0.8, end: 2, layers: [1])'))).toContain(`net.dl:9:53: error: argument 'layers' of magnitude: expected layer names, e.g. layers: [conv2d_1]`);
    expect(errors(program('magnitude(sparsity: 0.8, end: 2, skips: [dense_1])'))).toContain(`net.dl:9:44: error: unknown argument 'skips' for magnitude; did you mean 'skip'?`);
  });
});

describe('the schedule: TF-MOT PolynomialDecay from 0, power 3, in epochs', () => {
  const spec = { sparsity: 0.8, start: 2, end: 6, every: 1 };

  it('matches hand values of s(t) = s_f + (0 − s_f)(1 − (t − start)/(end − start))³', () => {
    // t = 3: 0.8·(1 − 0.75³) = 0.8·0.578125; t = 4: 0.8·(1 − 0.5³) = 0.7; t = 5: 0.8·(1 − 0.25³) = 0.7875.
    const hand: [number, number][] = [[0, 0], [2, 0], [3, 0.4625], [4, 0.7], [5, 0.7875], [6, 0.8], [9, 0.8]];
    for (const [t, s] of hand) expect(scheduledSparsity(spec, t), `t = ${t}`).toBeCloseTo(s, 12);
  });

  it('with end = start, jumps to the target at start', () => {
    const once = { sparsity: 0.5, start: 3, end: 3, every: 1 };
    expect([2, 3, 4].map((t) => scheduledSparsity(once, t))).toEqual([0, 0.5, 0.5]);
  });

  it('recomputes the masks between start and end, every `every` epochs', () => {
    const every2 = { ...spec, every: 2 };
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].filter((t) => prunesAfter(every2, t))).toEqual([2, 4, 6]);
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].filter((t) => prunesAfter(spec, t))).toEqual([2, 3, 4, 5, 6]);
  });
});

describe('the mask: keep the round(n·(1 − s)) largest magnitudes (TF-MOT _update_mask)', () => {
  it('keeps the two largest of ten at 80%', () => {
    const w = Float32Array.from([0.5, -0.1, 0.3, -0.7, 0.2, 0, 0.9, -0.4, 0.05, 0.6]);
    expect([...magnitudeMask(w, 0.8)]).toEqual([0, 0, 0, 1, 0, 0, 1, 0, 0, 0]);
  });

  it('rounds half to even, keeps ties at the threshold, and keeps at least one', () => {
    // 5·0.5 = 2.5 rounds to 2: keep 0.9 and -0.8.
    expect([...magnitudeMask(Float32Array.from([0.1, 0.9, -0.8, 0.3, 0.2]), 0.5)]).toEqual([0, 1, 1, 0, 0]);
    expect([...magnitudeMask(Float32Array.from([1, -1, 1, 0.5]), 0.5)]).toEqual([1, 1, 1, 0]);
    expect([...magnitudeMask(Float32Array.from([0.1, -0.3, 0.2]), 0.99)]).toEqual([0, 1, 0]);
  });
});

describe('the masked optimizer update in the float64 reference', () => {
  it('leaves the parameter and its states at exactly 0 where the mask is 0, and is the plain update elsewhere', () => {
    const attrs = optimizerAttrs('adam', {});
    const n = 6;
    const p = tensor([n], [0.3, -0.2, 0.5, -0.9, 0.1, 0.7]);
    const g = tensor([n], [0.1, 0.2, -0.3, 0.4, -0.5, 0.6]);
    const m = tensor([n], [0.01, -0.02, 0.03, 0.04, 0.05, -0.06]);
    const v = tensor([n], [0.001, 0.002, 0.003, 0.004, 0.005, 0.006]);
    const mask = tensor([n], [1, 0, 1, 0, 0, 1]);
    const ctx = { lr: 0.01, step: 3, seed: 0 };
    const plain = evalOp('adam', [p, g, m, v], attrs, null, ctx);
    const masked = evalOp('adam', [p, g, m, v, mask], { ...attrs, masked: true }, null, ctx);
    for (let k = 0; k < 3; k++) {
      for (let i = 0; i < n; i++) {
        if (mask.data[i] === 0) expect(Object.is(masked[k]!.data[i], 0), `output ${k}[${i}] is +0`).toBe(true);
        else expect(masked[k]!.data[i]).toBe(plain[k]!.data[i]);
      }
    }
    // The unmasked update moves every parameter: the masked zeros are the mask's doing.
    for (let i = 0; i < n; i++) expect(plain[0]!.data[i]).not.toBe(0);
  });
});
