// The dlc command line: its help text, which options each command takes, and parsing with every
// value checked. User errors are UserErrors: one line, exit 1.
import { groupDigits } from '../dsl/group-digits.ts';
import { parseArgs } from 'node:util';
import { SCHEDULE_DEFAULTS, TRAIN_SETTING_RANGES, type ClipSpec } from '../compiler/artifact.ts';
import { PASS_NAMES, type PassName } from '../compiler/pipeline.ts';
import { didYouMean } from '../dsl/diagnostics.ts';
import { printable } from '../dsl/printable.ts';
import type { TokenLevel } from '../runtime/data/tokenizer.ts';
import { UserError } from './errors.ts';
import { takeSpaceWords, type SpaceWord } from './tune-space.ts';

export const COMMANDS = ['compile', 'check', 'train', 'tune', 'eval', 'predict', 'viz', 'export', 'quantize'] as const;
export type Command = (typeof COMMANDS)[number];
export const isCommand = (name: string | undefined): name is Command => (COMMANDS as readonly string[]).includes(name ?? '');

const MODEL_FLAGS = ['model', 'batch'];
const DATA_FLAGS = ['data', 'labels', 'scale', 'label', 'text-column', 'adapter', 'timeout'];
const CLIP_FLAGS = ['clip-norm', 'clip-value'];

/** The options each command reads (besides --help); any other is refused, not ignored. */
const COMMAND_FLAGS: Record<Command, readonly string[]> = {
  compile: ['out', 'force', 'stats', 'dump-ir', ...MODEL_FLAGS, ...CLIP_FLAGS],
  check: ['stats', 'weights', ...MODEL_FLAGS, ...CLIP_FLAGS],
  train: ['out', 'overwrite', ...MODEL_FLAGS, ...CLIP_FLAGS, ...DATA_FLAGS, 'epochs', 'lr', 'seed', 'val-split', 'stratify', 'val', 'checkpoint-every', 'save-best', 'resume', 'schedule', 'patience', 'init-from', 'digits', 'tokenizer', 'train-size'],
  tune: ['out', 'overwrite', 'model', ...DATA_FLAGS, 'grid', 'random', 'trials', 'objective', 'seed', 'val-split', 'stratify', 'val', 'digits', 'train-size'],
  eval: ['weights', 'digits', ...MODEL_FLAGS, ...DATA_FLAGS],
  predict: ['out', 'weights', 'text', ...MODEL_FLAGS, ...DATA_FLAGS],
  viz: ['out', 'format', ...MODEL_FLAGS],
  export: ['out', 'weights', 'format', 'precision', 'max-batch', 'force', 'model'],
  quantize: ['out', 'weights', 'max-batch', 'force', 'model', 'calibrate', 'data', 'labels', 'scale', 'label'],
};

/** Options of dlc itself, taken with any command. */
const GLOBAL_FLAGS = ['help', 'version'];

const flagName = (key: string): string => (key === 'out' ? '-o/--out' : `--${key}`);

function refuseForeignOptions(command: Command, given: string[]): void {
  const foreign = given.find((key) => !GLOBAL_FLAGS.includes(key) && !COMMAND_FLAGS[command].includes(key));
  if (foreign === undefined) return;
  const users = COMMANDS.filter((c) => COMMAND_FLAGS[c].includes(foreign));
  const list = users.length > 1 ? `${users.slice(0, -1).join(', ')} and ${users.at(-1)}` : users[0];
  throw new UserError(`${command} does not take ${flagName(foreign)} (it applies to ${list}; dlc --help lists the options)`);
}

export const USAGE = `usage: dlc <command> [options]

commands:
  compile <net.dl> -o <dir>   compile to manifest.json + kernels/*.wgsl (or only --dump-ir)
  check <net.dl>              check the program and print a model summary; with --weights,
                              the sparsity of each dense and conv kernel in them
  train <net.dl | dir>        train on a data set (default: mnist) and save the weights;
                              a folder written by compile is loaded instead of compiled
  tune <net.dl>               train once per setting of --grid (every combination) or --random
                              (--trials draws), score each on validation data, and print (or
                              write to --out) the program with the best train section
  eval <net.dl | dir>         loss and accuracy of --weights on --data, and the model's size
  viz <net.dl>                the layer graph: DOT (default), Mermaid or SVG (--format, or -o
                              file.dot / file.mmd / file.svg)
  predict <net.dl | dir>      model outputs of --weights on --data, written to --out
                              (.csv or .json; classifiers: class and probabilities p0, p1, ...)
  export <net.dl> -o <dir>    the model for deployment: forward kernels for any batch up to
                              --max-batch and the --weights (run by dlc/infer); with
                              --format onnx -o model.onnx: standard ONNX operators (opset 17)
  quantize <net.dl> -o <dir>  export with int8 dense and conv kernels (per-output-channel
                              scales): about 4× smaller weights, run by dlc/infer and dlc eval;
                              with --calibrate <n> --data <set> int8 activations too

options:
  -o, --out <path>        output folder (compile: required; train: default runs/<model>, or
                          runs/<model>/version_N when it holds a run); tune: the folder for
                          best.dl and trials.csv; predict: the predictions
                          file, or - for stdout (CSV); viz: the picture's file; export: the
                          folder, or the .onnx file; quantize: the folder
  --overwrite             (train) replace the run in an --out folder that holds one; (tune)
                          replace the best.dl and trials.csv of an earlier tune
  --force                 (compile, export, quantize) write into a non-empty folder that holds
                          no dlc artifact (compile writes only manifest.json and
                          kernels/*.wgsl; export and quantize only manifest.json and
                          weights.safetensors)
  --weights <file>        (eval, predict, export, quantize, check) weights written by dlc train;
                          (eval, predict) or a folder written by dlc export or dlc quantize
  --max-batch <n>         (export, quantize) the most samples one run takes (default 64); more
                          run in chunks
  --format <name>         (viz) dot, mermaid or svg; (export) what to write: native (default:
                          dlc's inference artifact) or onnx
  --precision <p>         (export) f32 (default) or f16: dense and conv weights stored as f16,
                          half the bytes; running them needs an adapter with shader-f16
  --checkpoint-every <n>  (train) write <out>/checkpoint.safetensors every n epochs (default 1)
  --save-best             (train) also keep <out>/best.safetensors, the epoch with the lowest
                          val_loss (or loss without validation data)
  --resume                (train) continue from <out>/checkpoint.safetensors up to --epochs
  --schedule <name>       (train) learning-rate schedule with default arguments: constant, step,
                          exponential, cosine, reduce_on_plateau (arguments: in the train section)
  --clip-norm <c>         (compile, check, train) clip gradients to global norm c (recompiles;
                          or clip = in the train section)
  --clip-value <c>        (compile, check, train) clip each gradient element to [-c, c]
  --patience <n>          (train) stop early after n epochs without improvement of val_loss
                          (loss without validation data), restoring the best weights
  --stats                 (compile, check) dispatches per program and GPU memory against its lower bound
  --dump-ir [pass]        (compile) print the IR after every pass, or after one:
                          ${PASS_NAMES.join(', ')}
  --model <name>          the model to compile when the file has several
  --batch <n>             override the train section's batch size
  --epochs <n>            (train) override the number of epochs
  --lr <x>                (train) override the learning rate
  --seed <n>              (train, tune) override the seed
  --grid <k=v,v ...>      (tune) the settings to try, every combination: train-section names
                          lr, batch, epochs, l1, l2 and the optimizer's (beta1, momentum, ...),
                          e.g. --grid lr=1e-3,3e-3 batch=64,128
  --random <k=v,v ...>    (tune) seeded random draws from the lists, or log-uniformly from a
                          range low..high (e.g. lr=1e-4..1e-2), --trials times
  --trials <n>            (tune, with --random) how many draws (default 10)
  --objective <name>      (tune) val_loss (default, lowest wins) or val_accuracy (highest)
  --data <name | file>    (train, tune, eval, predict) the built-in data set mnist (mnist-rows: each
                          digit as 28 time steps of 28 pixels, input f32[28, 28]), or a file: .csv
                          (header row; the label column named like the model's label input),
                          .npz (arrays named like the inputs, or x and y), .npy or IDX (-ubyte)
                          features with --labels, or a folder per class of .png images
                          (pixels in [0, 1]; input f32[H, W], f32[1, H, W] or f32[3, H, W])
                          For a model with a token input (tokens[V, T]): the built-in spam
                          data set, a .csv with a text column, or a folder per class of .txt
  --text-column <col>     (train, eval, predict) the text column of a text CSV with more columns
  --tokenizer <level>     (train) split text into words (default) or chars
  --text <sentence>       (predict) one text to classify with the tokenizer.json beside
                          --weights (without --out: CSV on stdout)
  --labels <file>         (train, tune, eval, predict) labels of .npy / IDX features (.npy or IDX)
  --scale <f>             (train, tune, eval, predict) multiply every feature by f (e.g. 0.00392156
                          = 1/255 for bytes)
  --label <col[,col...]>  (train, tune, eval, predict) the CSV label column(s), when named otherwise
  --val-split <f>         (train, tune) validate on the last fraction f of the training rows (mnist:
                          of its training digits; its test digits stay the held-out set)
  --stratify              (train, tune, with --val-split) hold out a seeded random fraction f of each
                          class instead of the last rows (class labels or one-hot targets)
  --val <file>            (train, tune) a separate validation file
  --init-from <file>      (train) start from the weights of a .safetensors file, matched by name
                          (transfer learning; the train section's init_from, which it replaces)
  --digits <list>         (train, tune, eval; mnist) only these digits, e.g. 0-4 or 5,7,9 (labels kept)
  --train-size <n>        (train, tune) train on the first n training samples (mnist: of its 8,000
                          training digits, after --digits and --val-split); the rest are unused
  --calibrate <n>         (quantize) int8 activations too: each dense and conv input's scale is
                          its largest |x| over the first n training samples of --data, / 127
  --adapter <kind>        (train, tune, eval, predict) vulkan | gles | auto (default: $DLC_ADAPTER or auto;
                          auto: Vulkan on a GPU, OpenGL ES when Vulkan is a software rasteriser)
  --timeout <seconds>     (train, tune, eval, predict) stop when one step or batch of GPU work takes
                          longer (default: 20x its usual time, at least 10 s; 300 s at first)
  -h, --help              show this help
  --version               print dlc's version`;

/** --schedule names (with their default arguments; the train section takes arguments). */
const CLI_SCHEDULES: string[] = Object.keys(SCHEDULE_DEFAULTS);

export interface CliOptions {
  out?: string;
  force?: boolean;
  overwrite?: boolean;
  model?: string;
  batch?: number;
  epochs?: number;
  lr?: number;
  seed?: number;
  data?: string;
  adapter?: string;
  stats?: boolean;
  label?: string[];
  valSplit?: number;
  /** --stratify: the validation split is a seeded random fraction of each class. */
  stratify?: boolean;
  val?: string;
  weights?: string;
  /** (export) the most samples one run of the exported model takes. */
  maxBatch?: number;
  resume?: boolean;
  checkpointEvery?: number;
  saveBest?: boolean;
  schedule?: string;
  patience?: number;
  labels?: string;
  scale?: number;
  format?: string;
  /** (export) f16: dense and conv weights stored as f16. */
  precision?: 'f32' | 'f16';
  clip?: ClipSpec;
  timeout?: number;
  dumpIr?: PassName | 'all';
  /** (train) weights to start from, matched by name (transfer learning). */
  initFrom?: string;
  /** (train, eval) the mnist digits to use. */
  digits?: number[];
  /** (train) only the first n training samples. */
  trainSize?: number;
  /** (quantize) int8 activations too, their scales from the first n training samples of --data. */
  calibrate?: number;
  /** The text column of a text CSV. */
  textColumn?: string;
  /** (train) the tokenizer's level: words or characters. */
  tokenizer?: TokenLevel;
  /** (predict) one text to classify. */
  text?: string;
  /** (tune) the words after --grid or --random: settings to try. */
  grid?: SpaceWord[];
  random?: SpaceWord[];
  /** (tune) how many random draws. */
  trials?: number;
  /** (tune) what trials are scored by. */
  objective?: 'val_loss' | 'val_accuracy';
}

/** --tokenizer names and the levels they choose. */
const TOKENIZER_LEVELS: Record<string, TokenLevel> = { words: 'word', chars: 'character' };

/**
 * Takes `--dump-ir [PASS]` / `--dump-ir=PASS` out of argv before Node's parser sees it (its value is
 * optional): the next word is the pass unless it is an option or names a file (has '.' or '/').
 */
function takeDumpIr(argv: string[]): { argv: string[]; dumpIr?: PassName | 'all' } {
  const rest: string[] = [];
  let dumpIr: PassName | 'all' | undefined;
  const pass = (name: string): PassName => {
    if ((PASS_NAMES as readonly string[]).includes(name)) return name as PassName;
    throw new UserError(`--dump-ir: unknown pass '${printable(name)}'${didYouMean(name, PASS_NAMES)} (passes: ${PASS_NAMES.join(', ')})`);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (a.startsWith('--dump-ir=')) dumpIr = pass(a.slice('--dump-ir='.length));
    else if (a !== '--dump-ir') rest.push(a);
    else {
      const next = argv[i + 1];
      const isPass = next !== undefined && !next.startsWith('-') && !/[./]/.test(next);
      dumpIr = isPass ? pass(next) : 'all';
      if (isPass) i++;
    }
  }
  return dumpIr ? { argv: rest, dumpIr } : { argv: rest };
}

/** An integer option from `min` to `max` (the ranges a manifest may hold, for train settings). */
function intFlag(name: string, v: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UserError(`--${name} must be an integer ≥ ${min}, got '${printable(v)}'`);
  if (n > max) throw new UserError(`--${name} must be an integer from ${min} to ${groupDigits(max)}, got '${printable(v)}'`);
  return n;
}

/** The options Node's parser reads (each value is checked after). */
const PARSE_OPTIONS = {
  out: { type: 'string', short: 'o' }, model: { type: 'string' }, batch: { type: 'string' }, epochs: { type: 'string' },
  lr: { type: 'string' }, seed: { type: 'string' }, data: { type: 'string' }, adapter: { type: 'string' },
  label: { type: 'string' }, weights: { type: 'string' }, 'text-column': { type: 'string' }, tokenizer: { type: 'string' }, text: { type: 'string' }, trials: { type: 'string' }, objective: { type: 'string' },
  resume: { type: 'boolean' }, schedule: { type: 'string' }, patience: { type: 'string' }, labels: { type: 'string' }, scale: { type: 'string' }, format: { type: 'string' }, precision: { type: 'string' }, 'clip-norm': { type: 'string' }, 'clip-value': { type: 'string' }, 'checkpoint-every': { type: 'string' }, 'max-batch': { type: 'string' }, force: { type: 'boolean' }, overwrite: { type: 'boolean' }, 'save-best': { type: 'boolean' }, 'val-split': { type: 'string' }, val: { type: 'string' }, 'init-from': { type: 'string' }, digits: { type: 'string' }, 'train-size': { type: 'string' }, calibrate: { type: 'string' }, timeout: { type: 'string' }, stratify: { type: 'boolean' }, stats: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean' },
} as const;

/**
 * Node's parser explains at length; its first sentence names the problem, written as dlc's other
 * messages are (lower case). An unknown option gets the nearest known one, as a command does.
 */
function parseErrorMessage(err: Error & { code?: string }): string {
  const first = err.message.split('\n')[0]!.split('. ')[0]!.replace(/\.$/, '');
  const unknown = err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /'([^']*)'/.exec(first)?.[1] : undefined;
  if (unknown !== undefined) {
    const name = unknown.split('=')[0]!;
    const known = ['--dump-ir', '--grid', '--random', ...Object.keys(PARSE_OPTIONS).map((long) => `--${long}`)];
    // "-1" is a negative number taken for an option: say how to write it.
    const hint = /^-\d/.test(name) ? 'dlc --help lists the options; a negative value is written --flag=-1' : 'dlc --help lists the options';
    return `unknown option '${printable(name)}'${name.startsWith('--') ? didYouMean(name, known) : ''} (${hint})`;
  }
  // Node calls "--seed -1" ambiguous (the value looks like an option): only then the hint helps.
  const hint = /ambiguous/.test(first) ? 'dlc --help lists the options; a negative value is written --flag=-1' : 'dlc --help lists the options';
  return `${first.charAt(0).toLowerCase()}${first.slice(1)} (${hint})`;
}

/**
 * Parses the command line: the command, its file and the options, each value checked. An option
 * the command does not use is refused like an unknown one, never silently ignored.
 */
export function parseCommandLine(all: string[]): { command: string | undefined; file: string | undefined; opts: CliOptions; help: boolean; version: boolean } {
  const { argv: withoutSpace, grid, random } = takeSpaceWords(all);
  const { argv, dumpIr } = takeDumpIr(withoutSpace);
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: PARSE_OPTIONS,
    });
  } catch (err) {
    throw new UserError(parseErrorMessage(err as Error & { code?: string }));
  }
  const v = parsed.values;
  const [command, file, ...rest] = parsed.positionals;
  if (rest.length) throw new UserError(`unexpected argument '${printable(rest[0]!)}'`);
  if (isCommand(command)) refuseForeignOptions(command, [...Object.keys(v), ...(dumpIr ? ['dump-ir'] : []), ...(grid ? ['grid'] : []), ...(random ? ['random'] : [])]);
  const opts: CliOptions = {};
  if (grid && random) throw new UserError('use either --grid (every combination) or --random (seeded draws), not both');
  if (grid) opts.grid = grid;
  if (random) opts.random = random;
  const trials = intFlag('trials', v.trials, 1, 100_000);
  if (trials !== undefined) {
    if (!random) throw new UserError('--trials is the number of --random draws; a --grid tries every combination');
    opts.trials = trials;
  }
  if (v.objective !== undefined) {
    if (v.objective !== 'val_loss' && v.objective !== 'val_accuracy') throw new UserError(`--objective must be val_loss or val_accuracy, got '${printable(v.objective)}'`);
    opts.objective = v.objective;
  }
  if (dumpIr) opts.dumpIr = dumpIr;
  if (v.force) opts.force = true;
  if (v.overwrite) opts.overwrite = true;
  if (v.out !== undefined) opts.out = v.out;
  if (v.model !== undefined) opts.model = v.model;
  if (v.data !== undefined) opts.data = v.data;
  if (v.adapter !== undefined) opts.adapter = v.adapter;
  if (v.stats) opts.stats = true;
  if (v.label !== undefined) opts.label = v.label.split(',').map((c) => c.trim());
  if (v.val !== undefined) opts.val = v.val;
  if (v['text-column'] !== undefined) opts.textColumn = v['text-column'];
  if (v.text !== undefined) opts.text = v.text;
  if (v.tokenizer !== undefined) {
    const level = TOKENIZER_LEVELS[v.tokenizer];
    if (level === undefined) throw new UserError(`--tokenizer must be words or chars, got '${printable(v.tokenizer)}'`);
    opts.tokenizer = level;
  }
  if (v.weights !== undefined) opts.weights = v.weights;
  if (v.resume) opts.resume = true;
  if (v['init-from'] !== undefined) opts.initFrom = v['init-from'];
  if (v.digits !== undefined) opts.digits = parseDigits(v.digits);
  const trainSize = intFlag('train-size', v['train-size'], 1);
  if (trainSize !== undefined) opts.trainSize = trainSize;
  const calibrate = intFlag('calibrate', v.calibrate, 1);
  if (calibrate !== undefined) opts.calibrate = calibrate;
  if (v['save-best']) opts.saveBest = true;
  const every = intFlag('checkpoint-every', v['checkpoint-every'], 1);
  if (every !== undefined) opts.checkpointEvery = every;
  if (v.labels !== undefined) opts.labels = v.labels;
  if (v.format !== undefined) opts.format = v.format;
  if (v.precision !== undefined) {
    if (v.precision !== 'f32' && v.precision !== 'f16') throw new UserError(`--precision must be f32 or f16, got '${printable(v.precision)}'`);
    opts.precision = v.precision;
  }
  for (const [flag, kind] of [['clip-norm', 'norm'], ['clip-value', 'value']] as const) {
    const text = v[flag];
    if (text === undefined) continue;
    const limit = Number(text);
    if (!(limit > 0) || !Number.isFinite(limit)) throw new UserError(`--${flag} must be a positive number, got '${text}'`);
    if (opts.clip) throw new UserError('use either --clip-norm or --clip-value, not both');
    opts.clip = { kind, limit };
  }
  if (v.scale !== undefined) {
    const f = Number(v.scale);
    if (!Number.isFinite(f) || f === 0) throw new UserError(`--scale must be a non-zero number (e.g. 0.00392156 for bytes), got '${v.scale}'`);
    opts.scale = f;
  }
  const patience = intFlag('patience', v.patience, 1);
  if (patience !== undefined) opts.patience = patience;
  if (v.schedule !== undefined) {
    if (!CLI_SCHEDULES.includes(v.schedule)) throw new UserError(`--schedule must be one of ${CLI_SCHEDULES.join(', ')}, got '${v.schedule}'`);
    opts.schedule = v.schedule;
  }
  if (v.timeout !== undefined) {
    const seconds = Number(v.timeout);
    if (!(seconds > 0) || !Number.isFinite(seconds)) throw new UserError(`--timeout must be a positive number of seconds, got '${v.timeout}'`);
    opts.timeout = seconds;
  }
  if (v['val-split'] !== undefined) {
    const f = Number(v['val-split']);
    if (!(f > 0 && f < 1)) throw new UserError(`--val-split must be a fraction between 0 and 1 (e.g. 0.2), got '${v['val-split']}'`);
    opts.valSplit = f;
  }
  if (v.stratify) {
    if (opts.valSplit === undefined) throw new UserError('--stratify chooses how --val-split holds out validation samples: give --val-split too');
    opts.stratify = true;
  }
  const maxBatch = intFlag('max-batch', v['max-batch'], 1, TRAIN_SETTING_RANGES.batch.max);
  if (maxBatch !== undefined) opts.maxBatch = maxBatch;
  const batch = intFlag('batch', v.batch, 1, TRAIN_SETTING_RANGES.batch.max);
  if (batch !== undefined) opts.batch = batch;
  const epochs = intFlag('epochs', v.epochs, 1, TRAIN_SETTING_RANGES.epochs.max);
  if (epochs !== undefined) opts.epochs = epochs;
  const seed = intFlag('seed', v.seed, TRAIN_SETTING_RANGES.seed.min, TRAIN_SETTING_RANGES.seed.max);
  if (seed !== undefined) opts.seed = seed;
  if (v.lr !== undefined) {
    const lr = Number(v.lr);
    if (!(lr > 0) || !Number.isFinite(lr)) throw new UserError(`--lr must be a positive number, got '${v.lr}'`);
    opts.lr = lr;
  }
  return { command, file, opts, help: v.help === true, version: v.version === true };
}

/** `--digits 0-4` or `--digits 5,7,9`: distinct digits 0 to 9, ascending. */
function parseDigits(text: string): number[] {
  const digits = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^\s*(\d)\s*(?:-\s*(\d)\s*)?$/.exec(part);
    if (!m || (m[2] !== undefined && Number(m[2]) < Number(m[1]))) throw new UserError(`--digits takes digits 0 to 9 and ranges, e.g. 0-4 or 5,7,9; got '${printable(text)}'`);
    for (let d = Number(m[1]); d <= Number(m[2] ?? m[1]); d++) digits.add(d);
  }
  return [...digits].sort((a, b) => a - b);
}
