// Gradients of a value read in slices (compiler/passes/slice-grads.ts): slices that tile the axis are
// joined by concatenation, a run short of the axis is padded once, an overlapping slice and one along
// another axis keep their own slice_bwd, and the sum is the exact gradient.
import { describe, expect, it } from 'vitest';
import { Graph } from '../../compiler/ir/graph.ts';
import { runNode, type Env } from '../../compiler/reference/interp.ts';
import { autodiff } from '../../compiler/passes/autodiff.ts';
import type { ValueId } from '../../compiler/ir/types.ts';
import { Rng } from '../../runtime/random.ts';

type Slice = { axis: number; start: number; size: number };
const W_SHAPE = [3, 8];

/** loss = Σ over slices of Σ (slice(w) ⊙ c): its gradient at w is Σ of each c placed in its slice. */
function gradientOf(slices: Slice[]): { grad: Float64Array; expected: Float64Array; ops: string[] } {
  const g = new Graph();
  const w = g.addParam('w', W_SHAPE, { kind: 'zeros' }, 'layer', false);
  const rng = new Rng(slices.length * 31 + 7);
  const env: Env = new Map();
  env.set(w, { shape: W_SHAPE, data: Float64Array.from({ length: 24 }, () => rng.normal()) });
  const expected = new Float64Array(24);
  const terms: ValueId[] = [];
  slices.forEach((s, k) => {
    const shape = W_SHAPE.map((d, a) => (a === s.axis ? s.size : d));
    const c = g.addInput(`c${k}`, 'f32', shape);
    const cData = Float64Array.from({ length: shape[0]! * shape[1]! }, () => rng.normal());
    env.set(c, { shape, data: cData });
    cData.forEach((v, i) => {
      const [r, col] = [Math.floor(i / shape[1]!), i % shape[1]!];
      const [wr, wc] = s.axis === 0 ? [r + s.start, col] : [r, col + s.start];
      expected[wr * 8 + wc] += v;
    });
    const piece = g.add('slice', [w], { axis: s.axis, start: s.start, size: s.size }, { phase: 'forward' });
    terms.push(g.add('sum_to', [g.add('mul', [piece, c], {}, { phase: 'forward' })], { shape: [1] }, { phase: 'forward' }));
  });
  const loss = terms.slice(1).reduce((a, t) => g.add('add', [a, t], {}, { phase: 'forward' }), terms[0]!);
  const before = g.nodes.length;
  const grads = autodiff(g, loss);
  for (const n of g.nodes) runNode(g, n, env, { lr: 0, step: 1, seed: 1 });
  return { grad: Float64Array.from(env.get(grads.get(w)!)!.data), expected, ops: g.nodes.slice(before).map((n) => n.op) };
}

describe('slice gradients', () => {
  it('slices tiling the axis are concatenated: no slice_bwd, no add', () => {
    const { grad, expected, ops } = gradientOf([{ axis: 1, start: 3, size: 2 }, { axis: 1, start: 0, size: 3 }, { axis: 1, start: 5, size: 3 }]);
    expect(Array.from(grad)).toEqual(Array.from(expected));
    expect(ops.filter((o) => o === 'concat')).toHaveLength(2);
    expect(ops).not.toContain('slice_bwd');
    expect(ops).not.toContain('add');
  });

  it('a run short of the axis is padded once; overlapping and cross-axis slices keep their own slice_bwd; the sum is exact', () => {
    const slices = [
      { axis: 1, start: 0, size: 2 }, { axis: 1, start: 2, size: 1 }, // a run [0, 3)
      { axis: 1, start: 5, size: 2 }, // a gap before it: a run [5, 7)
      { axis: 1, start: 1, size: 3 }, // overlaps the first run
      { axis: 0, start: 1, size: 2 }, // another axis
    ];
    const { grad, expected, ops } = gradientOf(slices);
    grad.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
    expect(ops.filter((o) => o === 'concat')).toHaveLength(1);
    expect(ops.filter((o) => o === 'slice_bwd')).toHaveLength(4);
  });

  it('one slice alone is its slice_bwd, as before', () => {
    const { grad, expected, ops } = gradientOf([{ axis: 0, start: 2, size: 1 }]);
    expect(Array.from(grad)).toEqual(Array.from(expected));
    expect(ops.filter((o) => o === 'slice_bwd')).toHaveLength(1);
    expect(ops).not.toContain('concat');
  });
});
