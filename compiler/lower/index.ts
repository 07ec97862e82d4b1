// Lowering pass: AST → IR graph with the training forward, loss, eval forward and eval loss.
import { groupDigits } from '../../dsl/group-digits.ts';
import type { BlockDecl, ModelDecl, Program, TrainDecl } from '../../dsl/ast.ts';
import { didYouMean, type Diagnostic } from '../../dsl/diagnostics.ts';
import { TRAIN_SETTING_RANGES } from '../artifact.ts';
import { Graph } from '../ir/graph.ts';
import type { ValueId } from '../ir/types.ts';
import { evalLossRows, lowerLossTerms, scalarLoss, type LossValues } from './loss.ts';
import { lowerModel } from './model.ts';
import { markUnpruned } from './prune-layers.ts';
import { Lowering, type Binding, type SummaryRow } from './scope.ts';
import { readTrain, type TrainConfig } from './train.ts';

export interface Lowered {
  graph: Graph;
  model: ModelDecl;
  train: TrainConfig;
  hasTrain: boolean;
  summary: SummaryRow[];
  /** Tensors the program named, in the training lowering (what `dlc check` shows as names). */
  bindings: Binding[];
  /** Stable layer name → the positional name it had before (hidden → dense_1). */
  renamed: Map<string, string>;
  /** Model outputs (eval mode; the forward program returns them). */
  outputs: { name: string; value: ValueId }[];
  /** Training-mode scalar loss and per-row values; absent without a train section. */
  trainLoss?: { loss: ValueId; values: LossValues };
  /** Eval-mode loss rows, each with the regularisation penalty added (their mean is the loss). */
  evalLoss?: LossValues;
}

export interface LowerResult {
  lowered?: Lowered;
  diagnostics: Diagnostic[];
}

/** Picks the model to compile: the one named, the one the train section names, or the only one. */
function pickModel(p: Program, want: string | undefined, diags: Diagnostic[]): { model?: ModelDecl; train?: TrainDecl } {
  const models = p.decls.filter((d): d is ModelDecl => d.kind === 'model');
  const trains = p.decls.filter((d): d is TrainDecl => d.kind === 'train');
  const seen = new Map<string, ModelDecl>();
  for (const m of models) {
    if (seen.has(m.name)) diags.push({ code: 'E-DUPLICATE', message: `model '${m.name}' is already defined (line ${seen.get(m.name)!.nameSpan.line})`, span: m.nameSpan });
    seen.set(m.name, m);
  }
  const trained = new Map<string, TrainDecl>();
  for (const t of trains) {
    if (!seen.has(t.model)) diags.push({ code: 'E-UNDEFINED', message: `train section names unknown model '${t.model}'${didYouMean(t.model, seen.keys())}`, span: t.modelSpan });
    const first = trained.get(t.model);
    // One section per model: a second one would otherwise be ignored without a word.
    if (first) diags.push({ code: 'E-DUPLICATE', message: `second train section for model '${t.model}'; a model has one`, span: t.modelSpan, notes: [`the first train section for '${t.model}' is at line ${first.modelSpan.line}`] });
    else trained.set(t.model, t);
  }
  const trainFor = (m: ModelDecl) => trained.get(m.name);
  if (want !== undefined) {
    const m = seen.get(want);
    if (!m) return {};
    const t = trainFor(m);
    return t ? { model: m, train: t } : { model: m };
  }
  const m = trains.length ? seen.get(trains[0]!.model) : models.length === 1 ? models[0] : undefined;
  if (!m) return {};
  const t = trainFor(m);
  return t ? { model: m, train: t } : { model: m };
}

/**
 * Checks that every name in the freeze list is a layer with weights or a binding that made some
 * (did-you-mean otherwise), and marks the frozen layers' parameters: autodiff gives them no gradient.
 */
function markFrozen(L: Lowering): void {
  for (const [name, span] of L.freeze) {
    if (L.weightedLayers.has(name) || L.layerGroups.has(name)) continue;
    const known = (): string[] => [...L.weightedLayers.keys(), ...L.layerGroups.keys()];
    L.error('E-UNDEFINED', `freeze names '${name}', which is no layer with weights${L.didYouMean(name, known)} (layers: ${[...L.weightedLayers.keys()].join(', ') || 'none'})`, span);
  }
  for (const p of L.graph.params) if (L.frozenLayers.has(p.layer)) p.frozen = true;
}

export function lower(p: Program, opts: { model?: string; batch?: number } = {}): LowerResult {
  const diagnostics: Diagnostic[] = [];
  const blocks = new Map<string, BlockDecl>();
  for (const b of p.decls.filter((d): d is BlockDecl => d.kind === 'block')) {
    if (blocks.has(b.name)) diagnostics.push({ code: 'E-DUPLICATE', message: `block '${b.name}' is already defined (line ${blocks.get(b.name)!.nameSpan.line})`, span: b.nameSpan });
    blocks.set(b.name, b);
  }
  const { model, train } = pickModel(p, opts.model, diagnostics);
  if (!model) {
    // A train section naming an unknown model was reported just now; that is the reason.
    const firstTrain = p.decls.find((d): d is TrainDecl => d.kind === 'train');
    if (opts.model === undefined && firstTrain && diagnostics.some((d) => d.span === firstTrain.modelSpan)) return { diagnostics };
    const models = p.decls.filter((d) => d.kind === 'model').map((d) => d.name);
    const message = opts.model !== undefined ? `no model named '${opts.model}'${didYouMean(opts.model, models)}`
      : models.length === 0 ? 'the file defines no model' : `the file defines several models (${models.join(', ')}) and no train section picks one`;
    diagnostics.push({ code: 'E-NO-MODEL', message, span: { file: p.file, line: 1, col: 1, endLine: 1, endCol: 2, start: 0, end: 0 } });
    return { diagnostics };
  }
  const batchRange = TRAIN_SETTING_RANGES.batch;
  if (opts.batch !== undefined && !(Number.isInteger(opts.batch) && opts.batch >= batchRange.min && opts.batch <= batchRange.max)) {
    // Not from the file (the CLI's --batch): shown at the model it applies to.
    diagnostics.push({ code: 'E-RANGE', message: `the batch size given for model '${model.name}' must be an integer from ${batchRange.min} to ${groupDigits(batchRange.max)}, got ${opts.batch}`, span: model.nameSpan });
    return { diagnostics };
  }
  const g = new Graph();
  const L = new Lowering(g, blocks, 1, true);
  const cfg = readTrain(L, train);
  const batch = opts.batch ?? cfg?.batch ?? 32;
  L.batch = batch;
  if (cfg) L.freeze = new Map(cfg.transfer.freeze.map((f) => [f.name, f.span]));
  const fwd = lowerModel(L, model);
  if (fwd) markFrozen(L);
  if (fwd && cfg?.pruneLayers) markUnpruned(L, cfg.pruneLayers);
  if (fwd && cfg?.tokenizer && L.vocabSize.size === 0) {
    L.error('E-CONFLICT', `tokenizer applies to text data, for a model with a token input (tokens[vocab, length]); model '${model.name}' has none`, cfg.tokenizer.span);
  }
  let trainLoss: Lowered['trainLoss'];
  if (fwd && cfg?.loss) {
    // Class weights apply to training only: Keras' evaluate() and val_loss take none.
    const values = lowerLossTerms(L, fwd.scope, cfg, { phase: 'loss' }, cfg.classWeight);
    if (values) trainLoss = { loss: scalarLoss(L, values.rows, cfg, { phase: 'loss', layer: 'loss' }), values };
  }
  // Source order: the train section is read before the model is lowered.
  for (const d of L.diagnostics) diagnostics.push(d);
  diagnostics.sort((a, b) => a.span.start - b.span.start);
  if (diagnostics.length || !fwd || !cfg || (train && !trainLoss)) return { diagnostics };
  L.restart(false);
  const ev = lowerModel(L, model)!;
  const evalLoss = cfg.loss ? lowerLossTerms(L, ev.scope, cfg, { phase: 'eval' }) : undefined;
  if (evalLoss) evalLoss.rows = evalLossRows(L, evalLoss.rows, cfg, { phase: 'eval', layer: 'loss' });
  const lowered: Lowered = { graph: g, model, train: { ...cfg, batch }, hasTrain: !!train, summary: L.summary, bindings: L.bindings, renamed: new Map([...L.renamed].map(([from, to]) => [to, from])), outputs: ev.outputs.map((o) => ({ name: o.name, value: o.value })) };
  if (trainLoss) lowered.trainLoss = trainLoss;
  if (evalLoss) lowered.evalLoss = evalLoss;
  return { lowered, diagnostics };
}
