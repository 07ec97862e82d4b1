// Lowers the loss and metrics of a train section onto the model's values, for training or eval.
import { didYouMean, type Span } from '../../dsl/diagnostics.ts';
import type { Emit } from '../ir/graph.ts';
import { numel } from '../ir/tensor.ts';
import type { ValueId } from '../ir/types.ts';
import { userShape, type Lowering, type Scope } from './scope.ts';
import { CLASS_METRICS, REGRESSION_METRICS, type ClassWeightConfig, type LossConfig, type LossTerm, type TrainConfig } from './train.ts';

export interface LossValues {
  /** Per-sample loss [batch]. */
  rows: ValueId;
  /** Per-sample 1/0 correctness [batch], when accuracy is asked for. */
  correct?: ValueId;
  /** Name of the label input and of the prediction the metrics use. */
  label: string;
  prediction: string;
}

function named(L: Lowering, scope: Scope, ref: { name: string; span: Span }, what: string): ValueId | undefined {
  const found = scope.lookup(ref.name);
  if (!found || found.val.kind !== 'tensor') return L.error('E-UNDEFINED', `${what} '${ref.name}' is not a value of the model${found ? '' : didYouMean(ref.name, scope.allNames())}`, ref.span);
  return found.val.id;
}

/** Per-row mean over the non-batch axes of an element-wise loss. */
function rowMean(L: Lowering, x: ValueId, at: Emit): ValueId {
  const g = L.graph;
  const shape = g.value(x).shape;
  if (shape.length === 1) return x;
  const perRow = numel(shape.slice(1));
  const summed = g.add('sum_to', [x], { shape: [shape[0]!, ...shape.slice(1).map(() => 1)] }, at);
  const flat = g.add('reshape', [summed], { shape: [shape[0]!] }, at);
  return perRow === 1 ? flat : g.add('scale', [flat], { factor: 1 / perRow }, at);
}

/**
 * Keras' weighted loss: each sample's loss times its weight, which the batch mean then divides by the
 * batch size (`sum_over_batch_size`: Σ wᵢ·ℓᵢ / B). The weight is the `sample_weight` input, or the
 * class weight of the sample's target (training only: Keras' `fit(class_weight=…)`).
 */
function weighRows(L: Lowering, scope: Scope, loss: LossConfig, classWeight: ClassWeightConfig | undefined, target: ValueId, rows: ValueId, at: Emit): ValueId | undefined {
  const g = L.graph;
  const isInput = (v: ValueId): boolean => g.inputs.some((i) => i.value === v);
  const B = g.value(rows).shape[0]!;
  let w: ValueId | undefined;
  if (loss.sampleWeight) {
    const sw = named(L, scope, loss.sampleWeight, 'sample_weight');
    if (sw === undefined) return undefined;
    const v = g.value(sw);
    if (!isInput(sw) || v.dtype !== 'f32' || v.shape.length !== 2 || v.shape[1] !== 1) {
      return L.error('E-TYPE', `sample_weight must be an input of the model holding one weight per sample, declared e.g. 'input ${loss.sampleWeight.name}: f32[1]'; '${loss.sampleWeight.name}' ${isInput(sw) ? `has shape ${userShape(v.shape)}${v.dtype === 'f32' ? '' : ' and holds class labels'}` : 'is computed'}`, loss.sampleWeight.span);
    }
    w = g.add('reshape', [sw], { shape: [B] }, at);
  } else if (classWeight) {
    const cw = classWeight.weights;
    const t = g.value(target);
    const classes = L.classCount.get(target);
    if (!isInput(target)) return L.error('E-TYPE', `class_weight weighs each sample by the class of its target, which must be an input of the model (data, as Keras' y); '${loss.target.name}' is computed`, classWeight.span);
    if (classes !== undefined) {
      if (cw.length !== classes) return L.error('E-SHAPE', `class_weight has ${cw.length} weight${cw.length === 1 ? '' : 's'} but '${loss.target.name}' has ${classes} classes; give one weight per class, class 0 first`, classWeight.span);
      w = g.add('class_weight', [target], { weights: cw }, at);
    } else {
      if (t.shape.length !== 2) return L.error('E-SHAPE', `class_weight needs one target value or one row of class scores per sample (as Keras, which refuses 3+ dimensional targets); '${loss.target.name}' has shape ${userShape(t.shape)}`, classWeight.span);
      const K = t.shape[1]!;
      const want = K > 1 ? K : loss.kind === 'binary_cross_entropy' ? 2 : undefined;
      if (want !== undefined && cw.length !== want) {
        const what = K > 1 ? `'${loss.target.name}' has ${K} classes (the argmax of each target row)` : `binary_cross_entropy has 2 classes (targets 0 and 1)`;
        return L.error('E-SHAPE', `class_weight has ${cw.length} weight${cw.length === 1 ? '' : 's'} but ${what}; give one weight per class, class 0 first`, classWeight.span);
      }
      w = g.add('class_weight_target', [target], { weights: cw }, at);
    }
  }
  return w === undefined ? rows : g.add('mul', [rows, w], {}, at);
}

/**
 * The per-sample loss rows (weighted when the loss has sample weights or, in training, the train
 * section class weights) and the accuracy rows of the train section's loss.
 */
export function lowerLoss(L: Lowering, scope: Scope, loss: LossConfig, metrics: string[], at: Emit, classWeight?: ClassWeightConfig): LossValues | undefined {
  const g = L.graph;
  const pred = named(L, scope, loss.pred, 'prediction');
  const target = named(L, scope, loss.target, 'target');
  if (pred === undefined || target === undefined) return undefined;
  for (const [v, e] of [[pred, loss.pred], [target, loss.target]] as const) {
    if (L.vocabSize.has(v)) return L.error('E-TYPE', `${loss.kind}: '${e.name}' holds token ids (tokens[vocab, length]); a loss compares a prediction with class labels or float targets`, e.span);
  }
  const ps = g.value(pred).shape;
  const producer = g.producer.get(pred);
  const prodOp = producer === undefined ? undefined : g.nodes[producer]!.op;
  const lossAt: Emit = { ...at, span: loss.span, layer: 'loss' };
  let rows: ValueId;
  let correct: ValueId | undefined;
  switch (loss.kind) {
    case 'cross_entropy': {
      const classes = L.classCount.get(target);
      if (classes === undefined && L.classCount.has(pred)) {
        return L.error('E-TYPE', `cross_entropy takes (prediction, target), but '${loss.pred.name}' holds class labels; write cross_entropy(${loss.target.name}, ${loss.pred.name})`, loss.span);
      }
      const ts = g.value(target).shape;
      // Keras' categorical_crossentropy: float targets shaped like the prediction (one-hot, or any distribution).
      const oneHot = classes === undefined && ps.length === 2 && ts.length === 2 && ts[1] === ps[1];
      if (classes === undefined && !oneHot) {
        return L.error('E-TYPE', `cross_entropy needs class labels (class[n]) or one-hot targets shaped like the prediction ${userShape(ps)} as its target; '${loss.target.name}' has shape ${userShape(ts)}`, loss.target.span);
      }
      const K = ps[1]!;
      if (!oneHot && (ps.length !== 2 || K !== classes)) {
        return L.error('E-SHAPE', `cross_entropy: prediction '${loss.pred.name}' has shape ${userShape(ps)} but '${loss.target.name}' has ${classes} classes; expected [batch, ${classes}]${ps.length > 2 ? ' (flatten or global_avgpool the feature maps before the dense layer)' : ''}`, loss.span);
      }
      // Softmax (or log-softmax) followed by cross-entropy is computed from the logits, stably.
      const logits = prodOp === 'softmax' || prodOp === 'log_softmax' ? g.nodes[producer!]!.inputs[0]! : pred;
      const ls = loss.labelSmoothing ?? 0;
      const B = ps[0]!;
      /** −Σₖ wₖ·log softmax(logits)ₖ per row, for weights w of shape [batch, K] (all 1 without). */
      const weighted = (w?: ValueId): ValueId => {
        const lsm = g.add('log_softmax', [logits], {}, lossAt);
        const summed = g.add('sum_to', [w === undefined ? lsm : g.add('mul', [w, lsm], {}, lossAt)], { shape: [B, 1] }, lossAt);
        return g.add('neg', [g.add('reshape', [summed], { shape: [B] }, lossAt)], {}, lossAt);
      };
      if (oneHot) {
        // Label smoothing (Keras): t·(1 − ls) + ls/K.
        rows = weighted(ls > 0 ? g.add('shift', [g.add('scale', [target], { factor: 1 - ls }, lossAt)], { offset: ls / K }, lossAt) : target);
        // Keras' categorical_accuracy: the prediction's argmax against the target's.
        if (metrics.includes('accuracy')) correct = g.add('correct_onehot', [logits, target], {}, { ...lossAt, layer: 'metrics' });
        const wrong = metrics.find((m) => REGRESSION_METRICS.includes(m));
        if (wrong) return L.error('E-UNKNOWN-METRIC', `${wrong} is a regression metric (an mse, mae or huber loss); for classes use accuracy, precision, recall, f1, confusion_matrix`, loss.span);
        break;
      }
      rows = g.add('softmax_ce', [logits, target], {}, lossAt);
      // With class labels the smoothed target is onehot(c)·(1 − ls) + ls/K, so the loss is
      // (1 − ls)·CE(c) + (ls/K)·(−Σₖ log softmaxₖ).
      if (ls > 0) {
        const uniform = weighted();
        rows = g.add('add', [g.add('scale', [rows], { factor: 1 - ls }, lossAt), g.add('scale', [uniform], { factor: ls / K }, lossAt)], {}, lossAt);
      }
      if (metrics.includes('accuracy')) correct = g.add('correct', [logits, target], {}, { ...lossAt, layer: 'metrics' });
      const wrong = metrics.find((m) => REGRESSION_METRICS.includes(m));
      if (wrong) return L.error('E-UNKNOWN-METRIC', `${wrong} is a regression metric (an mse, mae or huber loss); for classes use precision, recall, f1, confusion_matrix`, loss.span);
      break;
    }
    case 'hinge':
    case 'kl_divergence': {
      const ts = g.value(target).shape;
      if (g.value(target).dtype !== 'f32') {
        const keras = loss.kind === 'hinge' ? 'targets of −1 or 1 (or 0 or 1)' : 'a distribution shaped like the prediction';
        return L.error('E-TYPE', `${loss.kind} needs float targets, ${keras}; '${loss.target.name}' holds class labels`, loss.target.span);
      }
      if (ps.join() !== ts.join()) return L.error('E-SHAPE', `${loss.kind}: prediction '${loss.pred.name}' has shape ${userShape(ps)} but target '${loss.target.name}' has shape ${userShape(ts)}`, loss.span);
      if (loss.kind === 'hinge') {
        // The 0/1 test below has no gradient: the targets are data, as Keras' labels are.
        if (!g.inputs.some((i) => i.value === target)) {
          return L.error('E-TYPE', `hinge's target must be an input of the model (labels of −1 or 1, or 0 or 1); '${loss.target.name}' is computed`, loss.target.span);
        }
        // Keras converts 0/1 targets to −1/1 when every target of the batch is 0 or 1: count the others.
        const isNot = (x: ValueId): ValueId => g.add('sign', [g.add('abs', [x], {}, lossAt)], {}, lossAt);
        const other = g.add('mul', [isNot(target), isNot(g.add('shift', [target], { offset: -1 }, lossAt))], {}, lossAt);
        const nonBinary = g.add('sum_to', [other], { shape: [] }, lossAt);
        rows = rowMean(L, g.add('hinge', [pred, target, nonBinary], {}, lossAt), lossAt);
      } else {
        // Keras: the sum over the last axis (a mean over any axes between it and the batch).
        const last = ps[ps.length - 1]!;
        const mean = rowMean(L, g.add('kl_divergence', [pred, target], {}, lossAt), lossAt);
        rows = ps.length === 1 || last === 1 ? mean : g.add('scale', [mean], { factor: last }, lossAt);
      }
      const wrong = metrics.find((m) => m !== 'loss');
      if (wrong) return L.error('E-UNKNOWN-METRIC', `${wrong} is not computed for a ${loss.kind} loss (only the loss is)`, loss.span);
      break;
    }
    case 'mse':
    case 'mae':
    case 'huber':
    case 'binary_cross_entropy': {
      const ts = g.value(target).shape;
      if (g.value(target).dtype !== 'f32') return L.error('E-TYPE', `${loss.kind} needs float targets; '${loss.target.name}' holds class labels (use cross_entropy)`, loss.target.span);
      if (ps.join() !== ts.join()) return L.error('E-SHAPE', `${loss.kind}: prediction '${loss.pred.name}' has shape ${userShape(ps)} but target '${loss.target.name}' has shape ${userShape(ts)}`, loss.span);
      if (loss.kind === 'binary_cross_entropy') {
        let logits = pred;
        if (prodOp === 'sigmoid') logits = g.nodes[producer!]!.inputs[0]!;
        else if (!loss.fromLogits) return L.error('E-TYPE', `binary_cross_entropy needs a prediction made by sigmoid, or from_logits: true`, loss.pred.span);
        rows = rowMean(L, g.add('bce_logits', [logits, target], {}, lossAt), lossAt);
      } else {
        // Keras: mean over the values of each sample of (p − t)², |p − t| or huber(p − t).
        const d = g.add('sub', [pred, target], {}, lossAt);
        const per = loss.kind === 'mse' ? g.add('square', [d], {}, lossAt)
          : loss.kind === 'mae' ? g.add('abs', [d], {}, lossAt)
          : g.add('huber', [d], { delta: loss.delta ?? 1 }, lossAt);
        rows = rowMean(L, per, lossAt);
      }
      const regression = loss.kind !== 'binary_cross_entropy';
      if (metrics.includes('accuracy')) {
        const why = regression ? '' : `; Keras' binary accuracy (prediction above 0.5 against the 0/1 target) is not offered yet: use precision, recall or f1, computed on validation and held-out data`;
        return L.error('E-UNKNOWN-METRIC', `accuracy needs a cross_entropy loss with class labels or one-hot targets${why}`, loss.span);
      }
      const wrong = metrics.find((m) => (regression ? CLASS_METRICS : REGRESSION_METRICS).includes(m));
      if (wrong) return L.error('E-UNKNOWN-METRIC', regression ? `${wrong} needs class labels (a cross_entropy or binary_cross_entropy loss)` : `${wrong} is a regression metric (an mse, mae or huber loss)`, loss.span);
      break;
    }
  }
  const weightedRows = weighRows(L, scope, loss, classWeight, target, rows, lossAt);
  if (weightedRows === undefined) return undefined;
  return { rows: weightedRows, ...(correct !== undefined ? { correct } : {}), label: loss.target.name, prediction: loss.pred.name };
}

/**
 * The rows of the train section's loss: its one loss, or Keras' weighted sum Σₖ wₖ·Lₖ of several
 * (`loss_weights`), row by row, so the batch mean is the weighted sum of the terms' means. The
 * metrics and the class weights (one loss only) follow the first term.
 */
export function lowerLossTerms(L: Lowering, scope: Scope, cfg: TrainConfig, at: Emit, classWeight?: ClassWeightConfig): LossValues | undefined {
  const g = L.graph;
  const terms: LossTerm[] = cfg.lossTerms ?? (cfg.loss ? [{ weight: 1, loss: cfg.loss }] : []);
  const first = terms[0] && lowerLoss(L, scope, terms[0].loss, cfg.metrics, at, classWeight);
  if (!first) return undefined;
  const sumAt: Emit = { ...at, layer: 'loss' };
  const scaled = (rows: ValueId, w: number): ValueId => (w === 1 ? rows : g.add('scale', [rows], { factor: w }, sumAt));
  let rows = scaled(first.rows, terms[0]!.weight);
  for (const t of terms.slice(1)) {
    const v = lowerLoss(L, scope, t.loss, [], at);
    if (!v) return undefined;
    rows = g.add('add', [rows, scaled(v.rows, t.weight)], {}, sumAt);
  }
  return { ...first, rows };
}

/**
 * The L1/L2 penalty, Σ l1·Σ|w| + l2·Σw² over the parameters: a layer's own regulariser
 * (kernel_regularizer, bias_regularizer) where it has one, else the train section's on kernels.
 * Summed on its own (undefined without regularisation). Training adds it to the mean loss;
 * evaluation adds it to every loss row.
 */
export function penalty(L: Lowering, cfg: TrainConfig, at: Emit): ValueId | undefined {
  const g = L.graph;
  let sum: ValueId | undefined;
  const regAt = { ...at, layer: 'regularize' };
  const factors = (p: (typeof g.params)[number]) => p.penalty ?? (p.regularize ? { l1: cfg.l1, l2: cfg.l2 } : { l1: 0, l2: 0 });
  const reg = (op: 'abs' | 'square', which: 'l1' | 'l2'): void => {
    for (const p of g.params) {
      const factor = factors(p)[which];
      if (factor === 0) continue;
      const pen = g.add('scale', [g.add('sum_to', [g.add(op, [p.value], {}, regAt)], { shape: [] }, regAt)], { factor }, regAt);
      sum = sum === undefined ? pen : g.add('add', [sum, pen], {}, regAt);
    }
  };
  reg('abs', 'l1');
  reg('square', 'l2');
  return sum;
}

/** The scalar training loss: batch mean of the rows plus L1/L2 penalties on kernels. */
export function scalarLoss(L: Lowering, rows: ValueId, cfg: TrainConfig, at: Emit): ValueId {
  const g = L.graph;
  const B = g.value(rows).shape[0]!;
  const mean = g.add('scale', [g.add('sum_to', [rows], { shape: [] }, at)], { factor: 1 / B }, at, 'loss');
  // The penalties are summed on their own and added to the data term once, so the data term stays
  // a recognisable mean (the loss-head pass fuses it with the gradient and the metric sums).
  const pen = penalty(L, cfg, at);
  return pen === undefined ? mean : g.add('add', [mean, pen], {}, at, 'loss');
}

/**
 * The eval loss rows with the penalty added to each (Keras' evaluate() and val_loss include the
 * regularisation losses): their mean over the samples, which the runtime takes, is the mean data
 * loss plus the penalty, the train loss's formula.
 */
export function evalLossRows(L: Lowering, rows: ValueId, cfg: TrainConfig, at: Emit): ValueId {
  const pen = penalty(L, cfg, at);
  return pen === undefined ? rows : L.graph.add('add', [rows, pen], {}, { ...at, layer: 'regularize' });
}
