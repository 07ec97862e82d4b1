// Adds the optimizer's update of every parameter (and its state) to the train step, plus metric sums.
import type { ClipSpec, OptimizerSpec } from '../artifact.ts';
import type { Graph } from '../ir/graph.ts';
import { activeStates, OPTIMIZERS, optimizerAttrs, type OptimizerRow } from '../ir/ops/optimizers.ts';
import type { ValueId } from '../ir/types.ts';
import { addPruneMask } from './prune-masks.ts';

/**
 * Appends one in-place update node per parameter; the learning rate comes from the step uniform.
 * Clipping by value clamps inside the update; clipping by global norm first sums the squares of
 * every gradient into one value all updates read; clipping by each tensor's norm gives each update
 * the sum of its own gradient's squares (so the updates no longer run as one kernel). With `prune`,
 * every update also reads its parameter's pruning mask (after the states) and keeps the parameter
 * and its states at 0 where the mask is 0.
 */
export function addOptimizer(g: Graph, opt: OptimizerSpec, grads: Map<ValueId, ValueId>, clip?: ClipSpec, prune = false): void {
  const row: OptimizerRow = OPTIMIZERS[opt.kind];
  const attrs = optimizerAttrs(opt.kind, opt.hyper);
  const at = { phase: 'update' as const, layer: 'clip' };
  let sumsq: ValueId | undefined;
  const squares = (grad: ValueId): ValueId => g.add('sum_to', [g.add('square', [grad], {}, at)], { shape: [] }, at);
  if (clip?.kind === 'norm') {
    for (const p of g.params) {
      const grad = grads.get(p.value);
      if (grad === undefined) continue;
      const part = squares(grad);
      sumsq = sumsq === undefined ? part : g.add('add', [sumsq, part], {}, at);
    }
  }
  const clipAttrs: Record<string, number> = clip?.kind === 'norm' || clip?.kind === 'tensor_norm' ? { clip_norm: clip.limit } : clip?.kind === 'value' ? { clip_value: clip.limit } : {};
  for (const p of g.params) {
    const grad = grads.get(p.value);
    if (grad === undefined) continue;
    const name = g.value(p.value).name;
    const states = activeStates(row, attrs).map((s) => {
      const fill = s.initial === undefined ? 0 : opt.hyper[s.initial] as number;
      return g.addState(`${name}.${s.suffix}`, g.value(p.value).shape, fill === 0 ? { kind: 'zeros' } : { kind: 'constant', value: fill }, 'optimizer');
    });
    const norm = clip?.kind === 'tensor_norm' ? squares(grad) : sumsq;
    const mask = prune ? [addPruneMask(g, p.value)] : [];
    g.add(opt.kind, [p.value, grad, ...states, ...mask, ...(norm !== undefined ? [norm] : [])], { ...attrs, ...clipAttrs, ...(prune ? { masked: true } : {}) }, { phase: 'update', layer: p.layer });
  }
}

/** What a train step's figures are summed from: the scalar loss, and the per-row correct flags when accuracy is asked for. */
interface MetricSources {
  loss: ValueId;
  correct: ValueId | undefined;
}

/**
 * The running sums a train step accumulates, one row each, named once: the state holding it (its
 * manifest name; the runtime reads it once per epoch as train.lossSum / train.correctSum) and the
 * value each step adds, or undefined when the program has none.
 */
export const METRIC_SUMS = {
  lossSum: { state: 'metric.loss_sum', doc: 'Σ loss over steps', source: (g: Graph, s: MetricSources): ValueId | undefined => g.add('reshape', [s.loss], { shape: [1] }, { phase: 'loss' }) },
  correctSum: { state: 'metric.correct_sum', doc: 'Σ correct over samples', source: (_g: Graph, s: MetricSources): ValueId | undefined => s.correct },
} as const;

/** The state of each running sum a program keeps (the loss sum always). */
export type MetricSlots = { lossSum: ValueId } & { [K in keyof typeof METRIC_SUMS]?: ValueId };

/** Adds the running sums of METRIC_SUMS: a state each, and the update adding the step's value to it. */
export function addMetricSums(g: Graph, loss: ValueId, correct: ValueId | undefined): MetricSlots {
  const at = { phase: 'update' as const, layer: 'metrics' };
  const slots: Partial<Record<keyof typeof METRIC_SUMS, ValueId>> = {};
  for (const [key, row] of Object.entries(METRIC_SUMS) as [keyof typeof METRIC_SUMS, (typeof METRIC_SUMS)[keyof typeof METRIC_SUMS]][]) {
    if (key !== 'lossSum' && correct === undefined) continue;
    const state = g.addState(row.state, [1], { kind: 'zeros' }, 'metric');
    g.add('accumulate', [state, row.source(g, { loss, correct })!], {}, at);
    slots[key] = state;
  }
  return slots as MetricSlots;
}
