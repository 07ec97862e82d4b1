// Adds the optimizer's update of every parameter (and its state) to the train step, plus metric sums.
import type { ClipSpec, OptimizerSpec } from '../artifact.ts';
import type { Graph } from '../ir/graph.ts';
import { OPTIMIZERS, optimizerAttrs, type OptimizerRow } from '../ir/ops/optimizers.ts';
import type { ValueId } from '../ir/types.ts';

/**
 * Appends one in-place update node per parameter; the learning rate comes from the step uniform.
 * Clipping by value clamps inside the update; clipping by global norm first sums the squares of
 * every gradient into one value all updates read.
 */
export function addOptimizer(g: Graph, opt: OptimizerSpec, grads: Map<ValueId, ValueId>, clip?: ClipSpec): void {
  const row: OptimizerRow = OPTIMIZERS[opt.kind];
  const attrs = optimizerAttrs(opt.kind, opt.hyper);
  const at = { phase: 'update' as const, layer: 'clip' };
  let sumsq: ValueId | undefined;
  if (clip?.kind === 'norm') {
    for (const p of g.params) {
      const grad = grads.get(p.value);
      if (grad === undefined) continue;
      const part = g.add('sum_to', [g.add('square', [grad], {}, at)], { shape: [] }, at);
      sumsq = sumsq === undefined ? part : g.add('add', [sumsq, part], {}, at);
    }
  }
  const clipAttrs: Record<string, number> = clip?.kind === 'norm' ? { clip_norm: clip.limit } : clip?.kind === 'value' ? { clip_value: clip.limit } : {};
  for (const p of g.params) {
    const grad = grads.get(p.value);
    if (grad === undefined) continue;
    const name = g.value(p.value).name;
    const states = row.states.map((s) => {
      const fill = s.initial === undefined ? 0 : opt.hyper[s.initial] as number;
      return g.addState(`${name}.${s.suffix}`, g.value(p.value).shape, fill === 0 ? { kind: 'zeros' } : { kind: 'constant', value: fill }, 'optimizer');
    });
    g.add(opt.kind, [p.value, grad, ...states, ...(sumsq !== undefined ? [sumsq] : [])], { ...attrs, ...clipAttrs }, { phase: 'update', layer: p.layer });
  }
}

/** Running sums the runtime reads once per epoch: Σ loss over steps and Σ correct over samples. */
export function addMetricSums(g: Graph, loss: ValueId, correct: ValueId | undefined): { lossSum: ValueId; correctSum?: ValueId } {
  const at = { phase: 'update' as const, layer: 'metrics' };
  const lossSum = g.addState('metric.loss_sum', [1], { kind: 'zeros' }, 'metric');
  g.add('accumulate', [lossSum, g.add('reshape', [loss], { shape: [1] }, { phase: 'loss' })], {}, at);
  if (correct === undefined) return { lossSum };
  const correctSum = g.addState('metric.correct_sum', [1], { kind: 'zeros' }, 'metric');
  g.add('accumulate', [correctSum, correct], {}, at);
  return { lossSum, correctSum };
}
