// A train section's settings written back as the language spells them: `sgd(lr: 0.01, momentum: 0.9,
// nesterov: true)`, `cosine(min: 1e-5, warmup: 1)`, `global_norm(1)`, so that what dlc prints can be
// pasted into a train section.
import type { ClipSpec, EarlyStoppingSpec, OptimizerSpec, ScheduleSpec, TrainSpec } from '../compiler/artifact.ts';
import { OPTIMIZERS } from '../compiler/lower/train.ts';

const call = (name: string, args: [string, unknown][]): string => `${name}(${args.map(([k, v]) => `${k}: ${String(v)}`).join(', ')})`;

/**
 * The optimizer as written in a train section. The compiler turns sgd with momentum into its
 * momentum kind; both print as sgd, Keras's name, with every argument (`all`) or, for a one-line
 * report, the rate and the arguments that differ from their defaults. `lr` overrides the rate
 * (the CLI's --lr).
 */
export function formatOptimizer(o: OptimizerSpec, opts: { all?: boolean; lr?: number } = {}): string {
  const name = o.kind === 'momentum' ? 'sgd' : o.kind;
  const defaults = new Map(OPTIMIZERS[name]!.hyper.map((h) => [h.name, h.default]));
  const args: [string, unknown][] = [['lr', opts.lr ?? o.lr]];
  // Table order (lr first), so the text reads like the documentation's signature.
  for (const h of OPTIMIZERS[name]!.hyper) {
    if (h.name === 'lr' || !(h.name in o.hyper)) continue;
    const v = o.hyper[h.name];
    if (opts.all || v !== defaults.get(h.name)) args.push([h.name, v]);
  }
  return call(name, args);
}

/** Schedule field names as the language spells them, in its argument order. */
const SCHEDULE_ARGS: [keyof ScheduleSpec, string][] = [['every', 'every'], ['factor', 'factor'], ['rate', 'rate'], ['patience', 'patience'], ['minDelta', 'min_delta'], ['min', 'min'], ['monitor', 'monitor'], ['warmup', 'warmup']];

/** `cosine(min: 1e-5, warmup: 1)`. */
export const formatSchedule = (s: ScheduleSpec): string => call(s.kind, SCHEDULE_ARGS.filter(([k]) => s[k] !== undefined).map(([k, name]) => [name, s[k]]));

/** `global_norm(1)` or `value(0.5)`. */
export const formatClip = (c: ClipSpec): string => `${{ norm: 'global_norm', tensor_norm: 'norm', value: 'value' }[c.kind]}(${c.limit})`;

/** `early_stopping(monitor: val_loss, patience: 3, min_delta: 0, restore_best: true)`. */
export const formatEarlyStopping = (e: EarlyStoppingSpec): string =>
  call('early_stopping', [['monitor', e.monitor], ['patience', e.patience], ['min_delta', e.minDelta], ['restore_best', e.restoreBest]]);

type LossCall = Pick<TrainSpec, 'loss' | 'prediction' | 'label' | 'fromLogits' | 'labelSmoothing' | 'delta' | 'sampleWeight'>;
const formatCall = (t: LossCall): string => `${t.loss}(${t.prediction}, ${t.label}${t.fromLogits ? ', from_logits: true' : ''}${
  t.labelSmoothing ? `, label_smoothing: ${t.labelSmoothing}` : ''}${t.delta !== undefined ? `, delta: ${t.delta}` : ''}${t.sampleWeight ? `, sample_weight: ${t.sampleWeight}` : ''})`;

/** `cross_entropy(logits, label)`, with `from_logits: true` when the section said so; a weighted sum term by term. */
export const formatLoss = (t: TrainSpec): string =>
  (t.lossTerms ? t.lossTerms.map((term) => `${term.weight === 1 ? '' : `${term.weight} * `}${formatCall(term)}`).join(' + ') : formatCall(t));

/** `l2(1e-5)`, `l1(0.001)`, `l1_l2(l1: a, l2: b)`, or undefined without regularisation. */
export function formatRegularizer(l1: number, l2: number): string | undefined {
  if (l1 > 0 && l2 > 0) return `l1_l2(l1: ${l1}, l2: ${l2})`;
  if (l1 > 0) return `l1(${l1})`;
  if (l2 > 0) return `l2(${l2})`;
  return undefined;
}
