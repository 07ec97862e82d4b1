// Reads a `train` section: loss, optimizer and its hyper-parameters, batch, epochs, metrics, regularisation.
import { groupDigits } from '../../dsl/group-digits.ts';
import type { Arg, Expr, TrainDecl } from '../../dsl/ast.ts';
import { didYouMean, type Span } from '../../dsl/diagnostics.ts';
import { CLASS_METRICS, EARLY_STOPPING_DEFAULTS, REGRESSION_METRICS, SCHEDULE_DEFAULTS, TRAIN_SETTING_RANGES, type ClipSpec, type EarlyStoppingSpec, type OptimizerSpec, type PruneConfig, type ScheduleSpec, type TokenizerSpec } from '../artifact.ts';
export { CLASS_METRICS, REGRESSION_METRICS };
import { OPTIMIZERS as OPTIMIZER_ROWS, type OptimizerName } from '../ir/ops/optimizers.ts';
import { bindArgs, unknownArgHint, withDefaults, type ArgSpec, type Callee, type GivenArg } from './bind-args.ts';
import { PRUNE_LAYER_ARGS, readPruneLayers, type PruneLayers } from './prune-layers.ts';
import { coerce, describeVal, type Hyper, type HyperType, type Val } from './values.ts';
import { readRegularizer } from './regularizer.ts';
import type { Lowering } from './scope.ts';
import { readTransferSetting, TRANSFER_KEYS, type TransferConfig } from './transfer.ts';

export type LossKind = 'cross_entropy' | 'mse' | 'mae' | 'huber' | 'binary_cross_entropy' | 'hinge' | 'kl_divergence';

export interface LossConfig {
  kind: LossKind;
  pred: { name: string; span: Span };
  target: { name: string; span: Span };
  fromLogits: boolean;
  /** Huber's threshold between the squared and the linear part (Keras' delta, default 1). */
  delta?: number;
  /** Cross-entropy's label smoothing ls in [0, 1): targets become t·(1 − ls) + ls/K (Keras). */
  labelSmoothing?: number;
  /** The model input holding one weight per sample (Keras' `sample_weight`). */
  sampleWeight?: { name: string; span: Span };
  span: Span;
}

/** `class_weight = [w0, w1, …]`: the weight of each class, indexed by class (Keras' dict {0: w0, 1: w1, …}). */
export interface ClassWeightConfig {
  weights: number[];
  span: Span;
}

/** One term of a weighted sum of losses (Keras' compile(loss=[…], loss_weights=[…])). */
export interface LossTerm {
  weight: number;
  loss: LossConfig;
}

export interface TrainConfig {
  /** The loss, or the first term of a sum (its prediction and target are the metrics'). */
  loss?: LossConfig;
  /** Every term, the first being `loss`, when the loss is a weighted sum (or one loss times a number). */
  lossTerms?: LossTerm[];
  optimizer: OptimizerSpec;
  batch: number;
  epochs: number;
  metrics: string[];
  seed: number;
  shuffle: boolean;
  /** Leave each epoch's last partial batch out (Keras trains it as a smaller batch; so does dlc by default). */
  dropLast: boolean;
  l1: number;
  l2: number;
  schedule?: ScheduleSpec;
  earlyStopping?: EarlyStoppingSpec;
  clip?: ClipSpec;
  prune?: PruneConfig;
  /** magnitude's `layers:`/`skip:` selection, resolved against the model's layers once it is lowered. */
  pruneLayers?: PruneLayers;
  classWeight?: ClassWeightConfig;
  /** `tokenizer = words(min_count: 2)`: checked against the model's inputs once it is lowered. */
  tokenizer?: TokenizerSpec & { span: Span };
  transfer: TransferConfig;
}

/** Named arguments of each loss, after its two positional ones (prediction, target). */
const LOSS_ARGS: Record<LossKind, ArgSpec[]> = {
  cross_entropy: [{ name: 'label_smoothing', type: 'rate', default: 0 }],
  mse: [],
  mae: [],
  huber: [{ name: 'delta', type: 'posfloat', default: 1 }],
  binary_cross_entropy: [{ name: 'from_logits', type: 'bool', default: false }],
  hinge: [],
  kl_divergence: [],
};

const LOSS_NAMES: Record<string, LossKind> = {
  cross_entropy: 'cross_entropy', categorical_crossentropy: 'cross_entropy', sparse_categorical_crossentropy: 'cross_entropy',
  mse: 'mse', mean_squared_error: 'mse', mae: 'mae', mean_absolute_error: 'mae', huber: 'huber',
  binary_cross_entropy: 'binary_cross_entropy', binary_crossentropy: 'binary_cross_entropy', bce: 'binary_cross_entropy',
  hinge: 'hinge', kl_divergence: 'kl_divergence', kld: 'kl_divergence', kullback_leibler_divergence: 'kl_divergence',
};

interface OptimizerDef { kind: OptimizerSpec['kind']; hyper: readonly { name: string; type: HyperType; default: Hyper }[] }
/** Keras defaults, from the optimizer table (one row per optimizer). */
export const OPTIMIZERS: Record<string, OptimizerDef> = Object.fromEntries(
  (Object.keys(OPTIMIZER_ROWS) as OptimizerName[]).map((kind) => [kind, { kind, hyper: OPTIMIZER_ROWS[kind].hyper }]),
);
/** Keras spellings of optimizer hyper-parameters, suggested as the short names used here. */
const KERAS_HYPER_NAMES: Record<string, string> = {
  learning_rate: 'lr', lrate: 'lr', learningrate: 'lr', beta_1: 'beta1', beta_2: 'beta2', epsilon: 'eps', initial_accumulator_value: 'initial',
};
/** Keras' compile/fit arguments that dlc spells another way: the hint replaces an edit-distance guess. */
const KERAS_SETTING_HINTS: Record<string, string> = {
  loss_weights: `; weigh the losses in the loss itself, e.g. loss = cross_entropy(a, label) + 0.5 * mse(b, target)`,
  sample_weight: `; sample weights are an argument of the loss: loss = cross_entropy(logits, label, sample_weight: w) with an input w: f32[1]`,
  sample_weights: `; sample weights are an argument of the loss: loss = cross_entropy(logits, label, sample_weight: w) with an input w: f32[1]`,
  clipnorm: `; write clip = norm(c) (Keras clipnorm)`,
  global_clipnorm: `; write clip = global_norm(c) (Keras global_clipnorm)`,
  clipvalue: `; write clip = value(c) (Keras clipvalue)`,
  batch_size: `; did you mean 'batch'?`,
};
export const METRICS = ['accuracy', 'loss', ...CLASS_METRICS, ...REGRESSION_METRICS];
const KEYS = ['loss', 'optimizer', 'batch', 'epochs', 'metrics', 'seed', 'shuffle', 'drop_last', 'regularize', 'schedule', 'early_stopping', 'clip', 'prune', 'class_weight', 'tokenizer', ...TRANSFER_KEYS];

export function defaultTrainConfig(): TrainConfig {
  return { optimizer: { kind: 'adam', lr: 0.001, hyper: Object.fromEntries(OPTIMIZER_ROWS.adam.hyper.filter((h) => h.name !== 'lr').map((h) => [h.name, h.default])) }, batch: 32, epochs: 1, metrics: [], seed: 0, shuffle: true, dropLast: false, l1: 0, l2: 0, transfer: { skipMismatch: false, freeze: [] } };
}

/** Constant value of a train entry (no tensors in a train section, except names inside the loss). */
function constant(e: Expr): Val | undefined {
  switch (e.kind) {
    case 'num': return { kind: 'num', value: e.value, isInt: e.isInt, span: e.span };
    case 'str': return { kind: 'str', value: e.value, span: e.span };
    case 'bool': return { kind: 'bool', value: e.value, span: e.span };
    case 'ident': return { kind: 'name', value: e.name, span: e.span };
    case 'list': {
      const items = e.items.map(constant);
      return items.every((x) => x) ? { kind: 'list', items: items as Val[], span: e.span } : undefined;
    }
    default: return undefined;
  }
}

export function readTrain(L: Lowering, decl: TrainDecl | undefined): TrainConfig | undefined {
  const cfg = defaultTrainConfig();
  if (!decl) return cfg;
  const seen = new Map<string, Span>();
  let ok = true;
  const fail = (code: string, msg: string, span: Span): void => { L.error(code, msg, span); ok = false; };
  for (const en of decl.entries) {
    if (!KEYS.includes(en.key)) { fail('E-UNKNOWN-KEY', `unknown train setting '${en.key}'${KERAS_SETTING_HINTS[en.key] ?? didYouMean(en.key, KEYS)}`, en.keySpan); continue; }
    if (seen.has(en.key)) { fail('E-DUPLICATE', `train setting '${en.key}' is already set (line ${seen.get(en.key)!.line})`, en.keySpan); continue; }
    seen.set(en.key, en.keySpan);
    const v = en.value;
    if (TRANSFER_KEYS.includes(en.key)) { readTransferSetting(en.key, v, cfg.transfer, fail); continue; }
    switch (en.key) {
      case 'loss': {
        const terms = readLossSum(v, fail);
        if (terms) {
          cfg.loss = terms[0]!.loss;
          if (terms.length > 1 || terms[0]!.weight !== 1) cfg.lossTerms = terms;
        }
        break;
      }
      case 'optimizer': {
        const opt = readOptimizer(v, fail);
        if (opt) cfg.optimizer = opt;
        break;
      }
      case 'batch': case 'epochs': case 'seed': case 'shuffle': case 'drop_last': {
        const bool = en.key === 'shuffle' || en.key === 'drop_last';
        const type: HyperType = bool ? 'bool' : en.key === 'seed' ? 'int' : 'posint';
        const c = constant(v);
        const r = c ? coerce(c, type) : { error: 'expected a constant' };
        const range = en.key === 'shuffle' || en.key === 'drop_last' ? undefined : SETTING_RANGES[en.key];
        if ('error' in r) fail('E-TYPE', `train setting '${en.key}': ${r.error}`, v.span);
        else if (range && c && !inRange(r.ok as number, range)) fail('E-RANGE', `train setting '${en.key}': expected ${rangeText(range)}, got ${describeVal(c)}`, v.span);
        else if (en.key === 'drop_last') cfg.dropLast = r.ok as boolean;
        else (cfg as unknown as Record<string, Hyper>)[en.key] = r.ok;
        break;
      }
      case 'metrics': {
        const c = constant(v);
        const items = c?.kind === 'list' ? c.items : c ? [c] : [];
        if (!c) fail('E-TYPE', `train setting 'metrics': expected a list such as [accuracy]`, v.span);
        for (const it of items) {
          const name = it.kind === 'name' || it.kind === 'str' ? it.value : undefined;
          if (!name || !METRICS.includes(name)) fail('E-UNKNOWN-METRIC', `unknown metric ${name ? `'${name}'` : 'value'}${name ? didYouMean(name, METRICS) : ''} (supported: ${METRICS.join(', ')})`, it.span);
          else if (name !== 'loss' && !cfg.metrics.includes(name)) cfg.metrics.push(name);
        }
        break;
      }
      case 'regularize': {
        const r = readRegularizer(v, 'regularize', fail);
        if (r) { cfg.l1 = r.l1; cfg.l2 = r.l2; }
        break;
      }
      case 'schedule': {
        const r = readCall(v, 'schedule', SCHEDULES, fail);
        if (r) cfg.schedule = scheduleSpec(r.kind as ScheduleSpec['kind'], r.args);
        break;
      }
      case 'clip': {
        const keras = v.kind === 'call' && Object.hasOwn(KERAS_CLIPS, v.callee) ? KERAS_CLIPS[v.callee] : undefined;
        if (keras && v.kind === 'call') { fail('E-UNKNOWN-ARG', `unknown clip '${v.callee}'; Keras' ${v.callee}=c is written ${keras}(c) here`, v.calleeSpan); break; }
        const r = readCall(v, 'clip', CLIPS, fail);
        if (r) cfg.clip = { kind: CLIP_KINDS[r.kind as keyof typeof CLIP_KINDS], limit: r.args.limit as number };
        break;
      }
      case 'prune': {
        const r = readPrune(v, fail);
        if (r) cfg.prune = r.config;
        if (r?.layers) cfg.pruneLayers = r.layers;
        break;
      }
      case 'class_weight': {
        const c = constant(v);
        const items = c?.kind === 'list' ? c.items : undefined;
        const bad = items?.find((it) => it.kind !== 'num' || !Number.isFinite(it.value) || it.value < 0);
        if (!items || items.length === 0) fail('E-TYPE', `train setting 'class_weight': expected a list of weights, one per class from class 0, e.g. [1, 5] (Keras' {0: 1, 1: 5})`, v.span);
        else if (bad) fail('E-TYPE', `train setting 'class_weight': expected weights of 0 or more, got ${describeVal(bad)}`, bad.span);
        else cfg.classWeight = { weights: items.map((it) => (it as { value: number }).value), span: v.span };
        break;
      }
      case 'tokenizer': {
        const size = v.kind === 'call' ? v.args.find((a) => a.name === 'max_tokens' || a.name === 'vocab_size') : undefined;
        if (size) { fail('E-UNKNOWN-ARG', `unknown argument '${size.name}' for ${v.kind === 'call' ? v.callee : 'tokenizer'}: the vocabulary's size is the token input's V (tokens[V, T]), padding and unknown ids included (Keras max_tokens)`, size.nameSpan ?? size.span); break; }
        const r = readCall(v, 'tokenizer', TOKENIZERS, fail);
        if (r) cfg.tokenizer = { level: r.kind === 'chars' ? 'character' : 'word', minCount: r.args.min_count as number, span: v.span };
        break;
      }
      case 'early_stopping': {
        const r = readCall(v, 'early_stopping', { early_stopping: EARLY_STOPPING }, fail);
        if (r) cfg.earlyStopping = { monitor: r.args.monitor as 'loss' | 'val_loss', patience: r.args.patience as number, minDelta: r.args.min_delta as number, restoreBest: r.args.restore_best as boolean };
        break;
      }
    }
  }
  if (cfg.classWeight && cfg.lossTerms && cfg.lossTerms.length > 1) {
    fail('E-CONFLICT', `class_weight weighs the samples of one loss; this loss is a sum of ${cfg.lossTerms.length} (Keras takes class_weight for a single output only): give each term a sample_weight instead`, cfg.classWeight.span);
  }
  if (cfg.classWeight && cfg.loss?.sampleWeight) {
    fail('E-CONFLICT', `class_weight and sample_weight cannot be used together (Keras refuses both at once); multiply the class weights into the sample weights`, cfg.classWeight.span);
  }
  if (!cfg.loss && ok) fail('E-MISSING-KEY', `train section for '${decl.model}' needs a loss, e.g. loss = cross_entropy(logits, label)`, decl.modelSpan);
  return ok ? cfg : undefined;
}

type Fail = (code: string, msg: string, span: Span) => void;

/** A train-section argument for bindArgs: its value must be a constant. */
const given = (a: Arg): GivenArg => ({ ...(a.name !== undefined ? { name: a.name } : {}), ...(a.nameSpan ? { nameSpan: a.nameSpan } : {}), span: a.span, value: constant(a.value), valueSpan: a.value.span });

type Range = { readonly min: number; readonly max: number };
/** What the runtime accepts (see TRAIN_SETTING_RANGES), except that a train section asks for at least one epoch. */
const SETTING_RANGES: Record<'batch' | 'epochs' | 'seed', Range> = {
  ...TRAIN_SETTING_RANGES,
  epochs: { min: 1, max: TRAIN_SETTING_RANGES.epochs.max },
};
const inRange = (n: number, r: Range): boolean => n >= r.min && n <= r.max;
/** "an integer from 0 to 4,294,967,295" */
function rangeText(r: Range): string {
  return `an integer from ${groupDigits(r.min)} to ${groupDigits(r.max)}`;
}

/**
 * A loss, or a weighted sum of losses as Keras' `loss_weights` makes one: `cross_entropy(p, c) +
 * 0.5 * mse(q, y)`, each term a loss call, alone or times a positive number on either side.
 */
function readLossSum(v: Expr, fail: Fail): LossTerm[] | undefined {
  const terms: { weight: number; call: Expr }[] = [];
  const bad = (e: Expr): undefined => {
    fail('E-TYPE', `each term of a sum of losses is a loss call, alone or times a positive number, e.g. loss = cross_entropy(p, c) + 0.5 * mse(q, y) (Keras' loss_weights)`, e.span);
    return undefined;
  };
  const walk = (e: Expr): boolean => {
    if (e.kind === 'binary' && e.op === '+') return walk(e.left) && walk(e.right);
    if (e.kind === 'binary' && e.op === '*') {
      const [k, call] = e.left.kind === 'num' ? [e.left, e.right] : [e.right, e.left];
      if (k.kind !== 'num' || call.kind !== 'call') return !!bad(e);
      if (!(k.value > 0) || !Number.isFinite(k.value)) { fail('E-RANGE', `a loss weight must be a positive number, got ${describeVal({ kind: 'num', value: k.value, isInt: k.isInt, span: k.span })}`, k.span); return false; }
      terms.push({ weight: k.value, call });
      return true;
    }
    if (e.kind === 'call' || v === e) { terms.push({ weight: 1, call: e }); return true; }
    return !!bad(e);
  };
  if (!walk(v)) return undefined;
  const out: LossTerm[] = [];
  for (const t of terms) {
    const loss = readLoss(t.call, fail);
    if (!loss) return undefined;
    out.push({ weight: t.weight, loss });
  }
  return out;
}

function readLoss(v: Expr, fail: Fail): LossConfig | undefined {
  if (v.kind !== 'call') { fail('E-TYPE', `loss must be a call such as cross_entropy(logits, label)`, v.span); return undefined; }
  const kind = Object.hasOwn(LOSS_NAMES, v.callee) ? LOSS_NAMES[v.callee] : undefined;
  if (!kind) { fail('E-UNKNOWN-LOSS', `unknown loss '${v.callee}'${didYouMean(v.callee, Object.keys(LOSS_NAMES))}`, v.calleeSpan); return undefined; }
  const pos = v.args.filter((a) => a.name === undefined);
  // sample_weight names a model value, so it is read here rather than as a constant argument.
  const sw = v.args.find((a) => a.name === 'sample_weight');
  if (sw && sw.value.kind !== 'ident') { fail('E-TYPE', `sample_weight of ${v.callee} takes the name of a model input holding one weight per sample, e.g. sample_weight: w`, sw.value.span); return undefined; }
  const bound = bindArgs([...LOSS_ARGS[kind], { name: 'sample_weight', type: 'word', default: '' }], v.args.filter((a) => a.name !== undefined && a !== sw).map(given), { name: v.callee }, fail);
  const named = bound && withDefaults(LOSS_ARGS[kind], bound, { name: v.callee }, fail, v.span);
  if (!named) return undefined;
  const fromLogits = named.from_logits === true;
  const delta = kind === 'huber' ? (named.delta as number) : undefined;
  const labelSmoothing = kind === 'cross_entropy' ? (named.label_smoothing as number) : undefined;
  if (pos.length !== 2) { fail('E-ARITY', `${v.callee} takes 2 arguments (prediction, target), got ${pos.length}`, v.span); return undefined; }
  const [p, t] = pos.map((a) => a.value);
  for (const e of [p!, t!]) if (e.kind !== 'ident') { fail('E-TYPE', `${v.callee} takes names of model values, e.g. ${v.callee}(logits, label)`, e.span); return undefined; }
  const name = (e: Expr) => ({ name: (e as { name: string }).name, span: e.span });
  const sampleWeight = sw ? { sampleWeight: name(sw.value) } : {};
  return { kind, pred: name(p!), target: name(t!), fromLogits, ...(delta !== undefined ? { delta } : {}), ...(labelSmoothing ? { labelSmoothing } : {}), ...sampleWeight, span: v.span };
}

function readOptimizer(v: Expr, fail: Fail): OptimizerSpec | undefined {
  const callee = v.kind === 'call' ? v.callee : v.kind === 'ident' ? v.name : undefined;
  if (!callee) { fail('E-TYPE', `optimizer must be a call such as adam(lr: 1e-3)`, v.span); return undefined; }
  const def = Object.hasOwn(OPTIMIZERS, callee) ? OPTIMIZERS[callee] : undefined;
  if (!def) {
    const names = Object.keys(OPTIMIZERS);
    fail('E-UNKNOWN-OPTIMIZER', `unknown optimizer '${callee}'${didYouMean(callee, names) || ` (supported: ${names.join(', ')})`}`, v.kind === 'call' ? v.calleeSpan : v.span);
    return undefined;
  }
  const who: Callee = { name: callee, noun: 'hyper-parameter', aliases: KERAS_HYPER_NAMES };
  const bound = bindArgs(def.hyper, v.kind === 'call' ? v.args.map(given) : [], who, fail);
  const hyper = bound && withDefaults(def.hyper, bound, who, fail, v.span);
  if (!hyper) return undefined;
  const { lr, ...rest } = hyper;
  let kind = def.kind;
  if (kind === 'sgd' && (rest.momentum as number) > 0) kind = 'momentum';
  return { kind, lr: lr as number, hyper: rest as Record<string, number | boolean> };
}

type ArgDef = ArgSpec & { default: Hyper };
const monitor = (fallback: 'loss' | 'val_loss'): ArgDef => ({ name: 'monitor', type: 'word', default: fallback, oneOf: ['val_loss', 'loss'] });
const WARMUP: ArgDef = { name: 'warmup', type: 'int', default: 0 };
const S = SCHEDULE_DEFAULTS;
/** Learning-rate schedules and their arguments, the defaults from SCHEDULE_DEFAULTS. */
const SCHEDULES: Record<ScheduleSpec['kind'], ArgDef[]> = {
  constant: [WARMUP],
  step: [{ name: 'every', type: 'posint', default: S.step.every }, { name: 'factor', type: 'posfloat', default: S.step.factor }, WARMUP],
  exponential: [{ name: 'rate', type: 'posfloat', default: S.exponential.rate }, WARMUP],
  cosine: [{ name: 'min', type: 'float', default: S.cosine.min }, WARMUP],
  reduce_on_plateau: [
    { name: 'factor', type: 'rate', default: S.reduce_on_plateau.factor }, { name: 'patience', type: 'posint', default: S.reduce_on_plateau.patience },
    { name: 'min_delta', type: 'float', default: S.reduce_on_plateau.minDelta }, { name: 'min', type: 'float', default: S.reduce_on_plateau.min }, monitor(S.reduce_on_plateau.monitor),
  ],
};
/** Gradient clipping: global_norm(limit) (Keras global_clipnorm), norm(limit) (clipnorm) or value(limit) (clipvalue). */
const CLIPS: Record<string, ArgDef[]> = {
  global_norm: [{ name: 'limit', type: 'posfloat', default: 1 }],
  norm: [{ name: 'limit', type: 'posfloat', default: 1 }],
  value: [{ name: 'limit', type: 'posfloat', default: 1 }],
};
/**
 * Text tokenizers (Keras TextVectorization's split "whitespace" and "character"); `min_count`: the
 * fewest training occurrences a token needs for an id (1 keeps every token, as Keras does).
 */
const TOKENIZERS: Record<string, ArgDef[]> = {
  words: [{ name: 'min_count', type: 'posint', default: 1 }],
  chars: [{ name: 'min_count', type: 'posint', default: 1 }],
};
/** Keras' optimizer arguments for clipping, named by the clip that does the same. */
const KERAS_CLIPS: Readonly<Record<string, string>> = { clipnorm: 'norm', global_clipnorm: 'global_norm', clipvalue: 'value' };
const CLIP_KINDS = { global_norm: 'norm', norm: 'tensor_norm', value: 'value' } as const satisfies Record<string, ClipSpec['kind']>;
const E = EARLY_STOPPING_DEFAULTS;
const EARLY_STOPPING: ArgDef[] = [monitor(E.monitor), { name: 'patience', type: 'posint', default: E.patience }, { name: 'min_delta', type: 'float', default: E.minDelta }, { name: 'restore_best', type: 'bool', default: E.restoreBest }];

function scheduleSpec(kind: ScheduleSpec['kind'], a: Record<string, Hyper>): ScheduleSpec {
  const s: ScheduleSpec = { kind };
  if (a.every !== undefined) s.every = a.every as number;
  if (a.factor !== undefined) s.factor = a.factor as number;
  if (a.rate !== undefined) s.rate = a.rate as number;
  if (a.min !== undefined) s.min = a.min as number;
  if (a.warmup) s.warmup = a.warmup as number;
  if (a.patience !== undefined) s.patience = a.patience as number;
  if (a.min_delta !== undefined) s.minDelta = a.min_delta as number;
  if (a.monitor !== undefined) s.monitor = a.monitor as 'loss' | 'val_loss';
  return s;
}

/** A call such as cosine(min: 1e-5, warmup: 2) against its argument table: arguments with defaults filled in. */
function readCall(v: Expr, setting: string, defs: Record<string, ArgDef[]>, fail: Fail): { kind: string; args: Record<string, Hyper> } | undefined {
  const callee = v.kind === 'call' ? v.callee : v.kind === 'ident' ? v.name : undefined;
  const names = Object.keys(defs);
  if (!callee) { fail('E-TYPE', `${setting} must be a call such as ${names[0]}(...)`, v.span); return undefined; }
  const def = Object.hasOwn(defs, callee) ? defs[callee] : undefined;
  if (!def) {
    fail('E-UNKNOWN-ARG', `unknown ${setting} '${callee}'${didYouMean(callee, names) || ` (supported: ${names.join(', ')})`}`, v.kind === 'call' ? v.calleeSpan : v.span);
    return undefined;
  }
  const bound = bindArgs(def, v.kind === 'call' ? v.args.map(given) : [], { name: callee }, fail);
  const args = bound && withDefaults(def, bound, { name: callee }, fail, v.span);
  if (!args) return undefined;
  return { kind: callee, args };
}

/** magnitude(sparsity, start, end, every): the target sparsity and the epochs of TF-MOT's PolynomialDecay (see PruneSpec). */
const MAGNITUDE: ArgSpec[] = [
  { name: 'sparsity', type: 'rate' },
  { name: 'start', type: 'int', default: 0 },
  { name: 'end', type: 'int' },
  { name: 'every', type: 'posint', default: 1 },
];

/** TF-MOT's PolynomialDecay names for magnitude's arguments, suggested when written. */
const TFMOT_PRUNE_NAMES: Readonly<Record<string, string>> = { final_sparsity: 'sparsity', target_sparsity: 'sparsity', begin_step: 'start', end_step: 'end', frequency: 'every' };

/** prune = magnitude(sparsity: 0.8, start: 2, end: 6, every: 1); epochs are counted from 0 (before training). */
function readPrune(v: Expr, fail: Fail): { config: PruneConfig; layers?: PruneLayers } | undefined {
  const callee = v.kind === 'call' ? v.callee : v.kind === 'ident' ? v.name : undefined;
  if (!callee) { fail('E-TYPE', `prune must be a call such as magnitude(sparsity: 0.8, start: 2, end: 6)`, v.span); return undefined; }
  if (callee !== 'magnitude') { fail('E-UNKNOWN-ARG', `unknown prune '${callee}'${didYouMean(callee, ['magnitude']) || ' (supported: magnitude)'}`, v.kind === 'call' ? v.calleeSpan : v.span); return undefined; }
  const all = v.kind === 'call' ? v.args : [];
  const layers = readPruneLayers(all, fail);
  const args = all.filter((x) => x.name === undefined || !PRUNE_LAYER_ARGS.includes(x.name));
  const who: Callee = { name: callee, aliases: TFMOT_PRUNE_NAMES };
  // Unknown names are refused here, with layers and skip among the accepted ones.
  for (const x of args) {
    if (x.name === undefined || MAGNITUDE.some((s) => s.name === x.name)) continue;
    fail('E-UNKNOWN-ARG', `unknown argument '${x.name}' for magnitude${unknownArgHint(x.name, [...MAGNITUDE.map((s) => s.name), ...PRUNE_LAYER_ARGS], TFMOT_PRUNE_NAMES)}`, x.nameSpan ?? x.span);
    return undefined;
  }
  const bound = bindArgs(MAGNITUDE, args.map(given), who, fail);
  const a = bound && withDefaults(MAGNITUDE, bound, who, fail, v.span);
  if (!a) return undefined;
  // Where an argument was written (named or by position), for the messages below.
  const at = (name: string): Span => {
    const k = MAGNITUDE.findIndex((s) => s.name === name);
    const positional = args.filter((x) => x.name === undefined);
    return (args.find((x) => x.name === name) ?? positional[k])?.value.span ?? v.span;
  };
  const [start, end] = [a.start as number, a.end as number];
  if (start < 0) { fail('E-RANGE', `argument 'start' of magnitude: expected an epoch ≥ 0, got ${start}`, at('start')); return undefined; }
  if (end < start) { fail('E-RANGE', `argument 'end' of magnitude: pruning ends at epoch ${end}, before it starts (start: ${start}); end must be ≥ start`, at('end')); return undefined; }
  const config: PruneConfig = { kind: 'magnitude', sparsity: a.sparsity as number, start, end, every: a.every as number };
  return layers ? { config, layers } : { config };
}
