// Adds the optimizer's update of every parameter (and its state) to the train step, plus metric sums.
import type { ClipSpec, OptimizerSpec } from '../artifact.ts';
import type { Graph } from '../ir/graph.ts';
import type { ValueId } from '../ir/types.ts';

/** State slots each optimizer keeps per parameter, with their initial values. */
function stateSlots(opt: OptimizerSpec): { suffix: string; fill: number }[] {
  switch (opt.kind) {
    case 'sgd': return [];
    case 'momentum': return [{ suffix: 'velocity', fill: 0 }];
    case 'adagrad': return [{ suffix: 'accumulator', fill: opt.hyper.initial as number }];
    case 'rmsprop': return [{ suffix: 'mean_square', fill: 0 }];
    case 'adam': case 'adamw': return [{ suffix: 'm', fill: 0 }, { suffix: 'v', fill: 0 }];
  }
}

function updateOp(opt: OptimizerSpec): { op: string; attrs: Record<string, number | boolean> } {
  const h = opt.hyper;
  switch (opt.kind) {
    case 'sgd': return { op: 'sgd', attrs: {} };
    case 'momentum': return { op: 'momentum', attrs: { momentum: h.momentum as number, nesterov: h.nesterov === true } };
    case 'adagrad': return { op: 'adagrad', attrs: { eps: h.eps as number } };
    case 'rmsprop': return { op: 'rmsprop', attrs: { rho: h.rho as number, eps: h.eps as number } };
    case 'adam':
    case 'adamw':
      return { op: 'adam', attrs: { beta1: h.beta1 as number, beta2: h.beta2 as number, eps: h.eps as number, weight_decay: h.weight_decay as number, decoupled: opt.kind === 'adamw' } };
  }
}

/**
 * Appends one in-place update node per parameter; the learning rate comes from the step uniform.
 * Clipping by value clamps inside the update; clipping by global norm first sums the squares of
 * every gradient into one value all updates read.
 */
export function addOptimizer(g: Graph, opt: OptimizerSpec, grads: Map<ValueId, ValueId>, clip?: ClipSpec): void {
  const slots = stateSlots(opt);
  const { op, attrs } = updateOp(opt);
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
    const states = slots.map((s) => g.addState(`${name}.${s.suffix}`, g.value(p.value).shape, s.fill === 0 ? { kind: 'zeros' } : { kind: 'constant', value: s.fill }, 'optimizer'));
    g.add(op, [p.value, grad, ...states, ...(sumsq !== undefined ? [sumsq] : [])], { ...attrs, ...clipAttrs }, { phase: 'update', layer: p.layer });
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
