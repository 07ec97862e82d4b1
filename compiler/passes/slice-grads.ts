// The gradient of a value read in slices (a recurrent layer's input projection, one slice per time
// step; its gates, four column slices of one product) assembled by concatenation. Each slice's VJP
// alone is slice_bwd: a tensor of the whole value's size, zero outside the slice, so T slices of a
// [B, T, W] value wrote T whole-size tensors and summed them (the LSTM sample: 139 of them, 39% of
// its train step on llvmpipe). Slices that tile a stretch of the axis without overlap are joined
// instead, by a balanced tree of concat; only a stretch short of the whole axis is then padded once.
import type { GradBuilder } from '../ir/ops/index.ts';
import type { ValueId } from '../ir/types.ts';

/** The gradient `g` of the slice [start, start + size) of a value along `axis`. */
export interface SliceGrad {
  g: ValueId;
  axis: number;
  start: number;
  size: number;
}

/** Joins adjacent pieces pairwise, level by level, so each element is copied about log2(n) times. */
function concatTree(b: GradBuilder, parts: ValueId[], axis: number): ValueId {
  let level = parts;
  while (level.length > 1) {
    const next: ValueId[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? b.op('concat', [level[i]!, level[i + 1]!], { axis }) : level[i]!);
    level = next;
  }
  return level[0]!;
}

/**
 * The contributions that the slice gradients `pieces` of value `v` make to its gradient, fewest
 * and smallest first: one per run of slices that follow each other without gap or overlap along an
 * axis (the run's concatenation, padded with slice_bwd unless it covers the axis), and a slice_bwd
 * for a slice overlapping one before it. Their sum is the sum of the pieces' slice_bwd.
 */
export function assembleSliceGrads(b: GradBuilder, v: ValueId, pieces: SliceGrad[]): ValueId[] {
  const shape = b.shape(v);
  const out: ValueId[] = [];
  const axes = [...new Set(pieces.map((p) => p.axis))];
  for (const axis of axes) {
    const sorted = pieces.filter((p) => p.axis === axis).sort((x, y) => x.start - y.start);
    const runs: SliceGrad[][] = [];
    const loose: SliceGrad[] = [];
    for (const p of sorted) {
      const run = runs[runs.length - 1];
      const end = run ? run[run.length - 1]!.start + run[run.length - 1]!.size : -1;
      if (run && p.start === end) run.push(p);
      else if (run && p.start < end) loose.push(p);
      else runs.push([p]);
    }
    for (const run of [...runs, ...loose.map((p) => [p])]) {
      const start = run[0]!.start;
      const size = run.reduce((s, p) => s + p.size, 0);
      const joined = concatTree(b, run.map((p) => p.g), axis);
      out.push(start === 0 && size === shape[axis] ? joined : b.op('slice_bwd', [joined], { axis, start, shape: [...shape] }));
    }
  }
  return out;
}
