// Magnitude pruning's side of the train step: which parameters it prunes, and the mask state (one per
// parameter) that the optimizer update applies, so pruned weights and their optimizer state stay 0.
import { PRUNE_OWNER, type PruneSpec } from '../artifact.ts';
import type { Graph } from '../ir/graph.ts';
import type { ValueId } from '../ir/types.ts';

/**
 * The weights TF Model Optimization's prune_low_magnitude prunes by default (its PruneRegistry):
 * Dense and Conv1D/Conv2D/Conv2DTranspose `kernel`, SeparableConv `pointwise_kernel`, and the RNN
 * cells' `kernel` and `recurrent_kernel`; not biases, normalisation parameters, PReLU's alpha, or
 * DepthwiseConv2D's `depthwise_kernel` (TF-MOT leaves it out too).
 */
export const PRUNED_WEIGHTS: readonly string[] = ['kernel', 'pointwise_kernel', 'recurrent_kernel'];

/**
 * Whether magnitude pruning prunes the parameter named `param` ("dense_1.kernel"); a bidirectional
 * layer's two cells ("bidirectional_1.forward_kernel", "backward_recurrent_kernel") as the cell's own.
 */
export const isPrunedWeight = (param: string): boolean => PRUNED_WEIGHTS.includes(param.slice(param.lastIndexOf('.') + 1).replace(/^(forward|backward)_/, ''));

/** The state holding a parameter's mask. */
export const maskName = (param: string): string => `${param}.prune_mask`;

/**
 * The mask of one parameter: ones to start with (nothing pruned). Every parameter the optimizer
 * updates gets one, pruned or not, so that all updates stay one kernel over the arenas; the masks of
 * parameters that are not pruned stay ones.
 */
export function addPruneMask(g: Graph, param: ValueId): ValueId {
  return g.addState(maskName(g.value(param).name), g.value(param).shape, { kind: 'ones' }, PRUNE_OWNER);
}

/** The pruned parameters of a graph whose updates have masks (those of layers the prune setting selects), with each one's mask, in parameter order. */
export function prunedTensors(g: Graph): PruneSpec['tensors'] {
  const masks = new Set(g.state.filter((s) => s.owner === PRUNE_OWNER).map((s) => g.value(s.value).name));
  return g.params.filter((p) => !p.unpruned).map((p) => g.value(p.value).name).filter((name) => isPrunedWeight(name) && masks.has(maskName(name))).map((param) => ({ param, mask: maskName(param) }));
}
