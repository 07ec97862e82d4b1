// `dlc tune`'s search space: `--grid lr=1e-3,3e-3 batch=64,128` (every combination, in the order
// written) or `--random lr=1e-4..1e-2 batch=32,64 --trials 8` (seeded draws). Keys are the train
// section's own names, so the best settings can be written back as a train section.
import { groupDigits } from '../dsl/group-digits.ts';
import { TRAIN_SETTING_RANGES, type OptimizerSpec } from '../compiler/artifact.ts';
import { OPTIMIZERS } from '../compiler/lower/train.ts';
import { coerce, HYPER_TYPE_TEXT } from '../compiler/lower/values.ts';
import type { HyperType } from '../compiler/lower/values.ts';
import { didYouMean } from '../dsl/diagnostics.ts';
import { printable } from '../dsl/printable.ts';
import { Rng } from '../runtime/random.ts';
import { UserError } from './errors.ts';

/** One `key=values` word as written after --grid or --random (values checked later, against the file). */
export interface SpaceWord {
  key: string;
  text: string;
}

/** The values of one key: a list, or (random search only) a range sampled log-uniformly. */
export type Domain = { kind: 'list'; values: number[] } | { kind: 'range'; low: number; high: number };

export interface SearchSpace {
  mode: 'grid' | 'random';
  /** In the order written: trial settings and lines list the keys in this order. */
  keys: { key: string; flag: string; domain: Domain }[];
}

/** One trial's settings, in the space's key order. */
export type Settings = [key: string, value: number][];

/** Keys outside the optimizer call: how each is written and checked. */
const SECTION_KEYS: Record<string, { type: HyperType; integer?: boolean; max?: number }> = {
  lr: { type: 'posfloat' },
  batch: { type: 'posint', integer: true, max: TRAIN_SETTING_RANGES.batch.max },
  epochs: { type: 'posint', integer: true, max: TRAIN_SETTING_RANGES.epochs.max },
  l1: { type: 'float' },
  l2: { type: 'float' },
};

/** Other names a Keras user may write, answered with the key used here. */
const KERAS_KEY_HINTS: Record<string, string> = {
  learning_rate: "; the learning rate is 'lr' here", batch_size: "; did you mean 'batch'?", beta_1: "; did you mean 'beta1'?", beta_2: "; did you mean 'beta2'?", epsilon: "; did you mean 'eps'?",
  dropout: '; dropout is a layer argument in the model, not a train setting (tune changes the train section only)',
  rate: '; dropout is a layer argument in the model, not a train setting (tune changes the train section only)',
  regularize: '; tune the factors as l1=... or l2=...',
  optimizer: '; tune the optimizer\'s hyper-parameters (lr, beta1, momentum, ...) rather than the optimizer itself',
};

/** A decimal number as the language writes it (no sign: every tunable setting is positive or ≥ 0). */
const NUMBER = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Takes `--grid`/`--random` and the `key=values` words after each out of argv (Node's parser takes
 * one value per option): a word belongs to the option while it has the form name=....
 */
export function takeSpaceWords(all: string[]): { argv: string[]; grid?: SpaceWord[]; random?: SpaceWord[] } {
  let argv = all;
  const rest: string[] = [];
  const found: { grid?: SpaceWord[]; random?: SpaceWord[] } = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    // `--grid lr=1e-3` or `--grid=lr=1e-3`, then any further key=values words.
    const flag = /^--(grid|random)(?:=|$)/.exec(a)?.[1] as 'grid' | 'random' | undefined;
    if (!flag) {
      rest.push(a);
      continue;
    }
    const words = (found[flag] ??= []);
    const before = words.length;
    const attached = a.slice(`--${flag}=`.length);
    if (a.includes('=')) argv = [...argv.slice(0, i + 1), attached, ...argv.slice(i + 1)];
    while (i + 1 < argv.length && /^[A-Za-z_]\w*=/.test(argv[i + 1]!)) {
      const w = argv[++i]!;
      const eq = w.indexOf('=');
      words.push({ key: w.slice(0, eq), text: w.slice(eq + 1) });
    }
    if (words.length === before) throw new UserError(`--${flag} needs settings to try, e.g. --${flag} lr=1e-3,3e-3 batch=64,128`);
  }
  return { argv: rest, ...found };
}

/** The keys this file's train section can tune: lr, batch, epochs, l1, l2 and its optimizer's numeric hyper-parameters. */
export function tunableKeys(optimizer: OptimizerSpec): Record<string, { type: HyperType; integer?: boolean; max?: number }> {
  const name = optimizer.kind === 'momentum' ? 'sgd' : optimizer.kind;
  const hyper = OPTIMIZERS[name]!.hyper.filter((h) => h.name !== 'lr' && h.type !== 'bool').map((h) => [h.name, { type: h.type }] as const);
  return { ...SECTION_KEYS, ...Object.fromEntries(hyper) };
}

/** Why `key` cannot be tuned in this file, as the end of a sentence. */
function unknownKeyHint(key: string, optimizerName: string, known: string[]): string {
  const elsewhere = Object.keys(OPTIMIZERS).filter((o) => o !== 'momentum' && OPTIMIZERS[o]!.hyper.some((h) => h.name === key && h.type !== 'bool'));
  if (elsewhere.length) return `; ${key} is a hyper-parameter of ${elsewhere.join(', ')}, and this train section's optimizer is ${optimizerName}`;
  return KERAS_KEY_HINTS[key] ?? didYouMean(key, known);
}

/** The space from the words after --grid or --random, every key and value checked against the file's optimizer. */
export function readSpace(mode: 'grid' | 'random', words: SpaceWord[], optimizer: OptimizerSpec): SearchSpace {
  const tunable = tunableKeys(optimizer);
  const known = Object.keys(tunable);
  const optimizerName = optimizer.kind === 'momentum' ? 'sgd' : optimizer.kind;
  const keys: SearchSpace['keys'] = [];
  for (const w of words) {
    const flag = `--${mode} ${printable(w.key)}=${printable(w.text)}`;
    const spec = Object.hasOwn(tunable, w.key) ? tunable[w.key] : undefined;
    if (!spec) throw new UserError(`${flag}: '${printable(w.key)}' is not a setting tune can change${unknownKeyHint(w.key, optimizerName, known)} (this file: ${known.join(', ')})`);
    if (keys.some((k) => k.key === w.key)) throw new UserError(`${flag}: ${w.key} is given twice; list all its values once, e.g. ${w.key}=a,b`);
    const check = (text: string): number => {
      if (text === '') throw new UserError(`${flag}: an empty value; write the values separated by commas, e.g. ${w.key}=${spec.integer ? '32,64' : '1e-3,3e-3'}`);
      const value = Number(text);
      if (text.startsWith('-') && Number.isFinite(value)) throw new UserError(`${flag}: ${w.key} must not be negative, got ${printable(text)}`);
      if (!NUMBER.test(text) || !Number.isFinite(value)) throw new UserError(`${flag}: '${printable(text)}' is not a number`);
      const r = coerce({ kind: 'num', value, isInt: Number.isInteger(value), span: NO_SPAN }, spec.type);
      if ('error' in r) throw new UserError(`${flag}: ${w.key} must be ${HYPER_TYPE_TEXT[spec.type]}, got ${printable(text)}`);
      if (spec.max !== undefined && value > spec.max) throw new UserError(`${flag}: ${w.key} must be at most ${groupDigits(spec.max)}, got ${text}`);
      return value;
    };
    const range = /^(.*)\.\.(.*)$/.exec(w.text);
    if (range) {
      if (mode === 'grid') throw new UserError(`${flag}: a range is sampled by --random; --grid takes a list of values, e.g. ${w.key}=${spec.integer ? '32,64' : '1e-3,3e-3'}`);
      if (spec.integer) throw new UserError(`${flag}: ${w.key} takes a list of values, not a range, e.g. ${w.key}=32,64`);
      const [low, high] = [check(range[1]!), check(range[2]!)];
      if (!(low > 0) || !(high > low)) throw new UserError(`${flag}: a range low..high is sampled log-uniformly: it needs 0 < low < high`);
      keys.push({ key: w.key, flag, domain: { kind: 'range', low, high } });
      continue;
    }
    const values = w.text.split(',').map(check);
    const twice = values.find((v, i) => values.indexOf(v) !== i);
    if (twice !== undefined) throw new UserError(`${flag}: the value ${twice} is listed twice`);
    keys.push({ key: w.key, flag, domain: { kind: 'list', values } });
  }
  return { mode, keys };
}

const NO_SPAN = { file: '', line: 0, col: 0, endLine: 0, endCol: 0, start: 0, end: 0 };

/** How many trials a grid of lists has: the product of the list lengths. */
export const gridSize = (space: SearchSpace): number => space.keys.reduce((n, k) => n * (k.domain.kind === 'list' ? k.domain.values.length : Infinity), 1);

/** The combination numbered `index` in grid order (the last key varies fastest, as scikit-learn's ParameterGrid). */
function combination(space: SearchSpace, index: number): Settings {
  const out: Settings = [];
  for (let k = space.keys.length - 1; k >= 0; k--) {
    const { key, domain } = space.keys[k]!;
    const values = (domain as { values: number[] }).values;
    out.unshift([key, values[index % values.length]!]);
    index = Math.floor(index / values.length);
  }
  return out;
}

/** A log-uniform draw from [low, high], rounded to 3 significant digits so that the written value is the one trained. */
const logUniform = (rng: Rng, low: number, high: number): number => Number(Math.exp(Math.log(low) + rng.next() * (Math.log(high) - Math.log(low))).toPrecision(3));

/**
 * The trials: every grid combination; or `trials` seeded draws, without repeats when every key is a
 * list (scikit-learn's ParameterSampler), a grid smaller than the budget being tried whole.
 */
export function trialSettings(space: SearchSpace, opts: { trials: number; seed: number }): { trials: Settings[]; note?: string } {
  const size = gridSize(space);
  if (space.mode === 'grid') return { trials: Array.from({ length: size }, (_, i) => combination(space, i)) };
  const rng = new Rng(opts.seed);
  if (Number.isFinite(size)) {
    // A partial Fisher-Yates shuffle of the combination numbers: distinct draws, seeded.
    const order = Array.from({ length: size }, (_, i) => i);
    const n = Math.min(opts.trials, size);
    for (let i = 0; i < n; i++) {
      const j = i + rng.int(size - i);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const trials = order.slice(0, n).map((i) => combination(space, i));
    return n < opts.trials ? { trials, note: `--trials ${opts.trials}: the space has ${size} distinct settings, so all ${size} are tried` } : { trials };
  }
  const trials: Settings[] = [];
  for (let t = 0; t < opts.trials; t++) {
    trials.push(space.keys.map(({ key, domain }) => [key, domain.kind === 'list' ? domain.values[rng.int(domain.values.length)]! : logUniform(rng, domain.low, domain.high)]));
  }
  return { trials };
}

/** `lr=0.001 batch=64`. */
export const settingsText = (s: Settings): string => s.map(([k, v]) => `${k}=${v}`).join(' ');
