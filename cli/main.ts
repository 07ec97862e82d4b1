// dlc command line: compile | check | train | eval | predict | viz. User errors print one message and exit 1.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ClipSpec } from '../compiler/artifact.ts';
import { compile, type CompileOptions, type CompileResult } from '../compiler/compile.ts';
import { formatDumps, PASS_NAMES, type PassName } from '../compiler/pipeline.ts';
import { printable } from '../dsl/printable.ts';
import { fsReason } from '../runtime/checkpoint-node.ts';
import { didYouMean, formatDiagnostics } from '../dsl/diagnostics.ts';
import { ReportedError, UserError } from './errors.ts';
import { writeArtifact } from './artifact-io.ts';
import { formatStats, formatSummary } from './summary.ts';
import { evalCommand, predictCommand } from './predict.ts';
import { vizCommand } from './viz.ts';
import { trainCommand } from './train.ts';

const USAGE = `usage: dlc <command> [options]

commands:
  compile <net.dl> -o <dir>   compile to manifest.json + kernels/*.wgsl (or only --dump-ir)
  check <net.dl>              check the program and print a model summary
  train <net.dl | dir>        train on a data set (default: mnist) and save the weights;
                              a folder written by compile is loaded instead of compiled
  eval <net.dl | dir>         loss and accuracy of --weights on --data
  viz <net.dl>                the layer graph: DOT (default), Mermaid or SVG (--format, or -o
                              file.dot / file.mmd / file.svg)
  predict <net.dl | dir>      model outputs of --weights on --data, written to --out
                              (.csv or .json; classifiers: class and probabilities p0, p1, ...)

options:
  -o, --out <path>        output folder (compile: required; train: default runs/<model>);
                          predict: the predictions file
  --weights <file>        (eval, predict) weights written by dlc train
  --checkpoint-every <n>  (train) write <out>/checkpoint.safetensors every n epochs (default 1)
  --save-best             (train) also keep <out>/best.safetensors, the epoch with the lowest
                          val_loss (or loss without validation data)
  --resume                (train) continue from <out>/checkpoint.safetensors up to --epochs
  --schedule <name>       (train) learning-rate schedule with default arguments: constant, step,
                          exponential, cosine, reduce_on_plateau (arguments: in the train section)
  --clip-norm <c>         (train) clip gradients to global norm c (recompiles; or clip = in
                          the train section)
  --clip-value <c>        (train) clip each gradient element to [-c, c]
  --patience <n>          (train) stop early after n epochs without improvement of val_loss
                          (loss without validation data), restoring the best weights
  --stats                 (compile, check) dispatches per program and GPU memory against its lower bound
  --dump-ir [pass]        (compile) print the IR after every pass, or after one: ${PASS_NAMES.join(', ')}
  --model <name>          the model to compile when the file has several
  --batch <n>             override the train section's batch size
  --epochs <n>            (train) override the number of epochs
  --lr <x>                (train) override the learning rate
  --seed <n>              (train) override the seed
  --data <name | file>    the built-in data set mnist, or a file: .csv (header row; the label
                          column named like the model's label input), .npz (arrays named like
                          the inputs, or x and y), .npy or IDX (-ubyte) features with --labels
  --labels <file>         labels of .npy / IDX features (.npy or IDX)
  --scale <f>             multiply every feature by f (e.g. 0.00392156 = 1/255 for bytes)
  --label <col[,col...]>  (train) the CSV label column(s), when named otherwise
  --val-split <f>         (train) hold out the last fraction f of the rows for validation
  --val <file>            (train) a separate validation file
  --adapter <kind>        (train) vulkan | gles | auto (default: $DLC_ADAPTER or auto)
  -h, --help              show this help`;

/** Schedules --schedule names (with their default arguments; the train section takes arguments). */
const CLI_SCHEDULES = ['constant', 'step', 'exponential', 'cosine', 'reduce_on_plateau'];

export interface CliOptions {
  out?: string;
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
  val?: string;
  weights?: string;
  resume?: boolean;
  checkpointEvery?: number;
  saveBest?: boolean;
  schedule?: string;
  patience?: number;
  labels?: string;
  scale?: number;
  format?: string;
  clip?: ClipSpec;
  dumpIr?: PassName | 'all';
}

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

function intFlag(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UserError(`--${name} must be an integer ≥ ${min}, got '${v}'`);
  return n;
}

function parse(all: string[]): { command: string | undefined; file: string | undefined; opts: CliOptions; help: boolean } {
  const { argv, dumpIr } = takeDumpIr(all);
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string', short: 'o' }, model: { type: 'string' }, batch: { type: 'string' }, epochs: { type: 'string' },
        lr: { type: 'string' }, seed: { type: 'string' }, data: { type: 'string' }, adapter: { type: 'string' },
        label: { type: 'string' }, weights: { type: 'string' },
        resume: { type: 'boolean' }, schedule: { type: 'string' }, patience: { type: 'string' }, labels: { type: 'string' }, scale: { type: 'string' }, format: { type: 'string' }, 'clip-norm': { type: 'string' }, 'clip-value': { type: 'string' }, 'checkpoint-every': { type: 'string' }, 'save-best': { type: 'boolean' }, 'val-split': { type: 'string' }, val: { type: 'string' }, stats: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    // Node's parser explains at length; its first sentence names the problem.
    throw new UserError(`${(err as Error).message.split('\n')[0]!.split('. ')[0]!.replace(/\.$/, '')} (dlc --help lists the options; a negative value is written --flag=-1)`);
  }
  const v = parsed.values;
  const [command, file, ...rest] = parsed.positionals;
  if (rest.length) throw new UserError(`unexpected argument '${rest[0]}'`);
  const opts: CliOptions = {};
  if (dumpIr) opts.dumpIr = dumpIr;
  if (v.out !== undefined) opts.out = v.out;
  if (v.model !== undefined) opts.model = v.model;
  if (v.data !== undefined) opts.data = v.data;
  if (v.adapter !== undefined) opts.adapter = v.adapter;
  if (v.stats) opts.stats = true;
  if (v.label !== undefined) opts.label = v.label.split(',').map((c) => c.trim());
  if (v.val !== undefined) opts.val = v.val;
  if (v.weights !== undefined) opts.weights = v.weights;
  if (v.resume) opts.resume = true;
  if (v['save-best']) opts.saveBest = true;
  const every = intFlag('checkpoint-every', v['checkpoint-every'], 1);
  if (every !== undefined) opts.checkpointEvery = every;
  if (v.labels !== undefined) opts.labels = v.labels;
  if (v.format !== undefined) opts.format = v.format;
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
  if (v['val-split'] !== undefined) {
    const f = Number(v['val-split']);
    if (!(f > 0 && f < 1)) throw new UserError(`--val-split must be a fraction between 0 and 1 (e.g. 0.2), got '${v['val-split']}'`);
    opts.valSplit = f;
  }
  const batch = intFlag('batch', v.batch, 1);
  if (batch !== undefined) opts.batch = batch;
  const epochs = intFlag('epochs', v.epochs, 1);
  if (epochs !== undefined) opts.epochs = epochs;
  const seed = intFlag('seed', v.seed, 0);
  if (seed !== undefined) opts.seed = seed;
  if (v.lr !== undefined) {
    const lr = Number(v.lr);
    if (!(lr > 0) || !Number.isFinite(lr)) throw new UserError(`--lr must be a positive number, got '${v.lr}'`);
    opts.lr = lr;
  }
  return { command, file, opts, help: v.help === true };
}

/** Reads and compiles a .dl file; prints diagnostics and throws ReportedError when it has errors. */
export async function compileFile(file: string, opts: CliOptions, extra: Pick<CompileOptions, 'fuse'> = {}): Promise<CompileResult> {
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `cannot read ${file}: no such file` : code === 'EISDIR' ? `cannot read ${file}: it is a directory` : `cannot read ${file}: ${(err as Error).message}`);
  }
  const r = compile(source, { file, ...extra, ...(opts.dumpIr ? { dumpIr: opts.dumpIr } : {}), ...(opts.clip ? { clip: opts.clip } : {}), ...(opts.model !== undefined ? { model: opts.model } : {}), ...(opts.batch !== undefined ? { batch: opts.batch } : {}) });
  if (!r.ok) {
    const n = r.diagnostics.length;
    process.stderr.write(`${formatDiagnostics(r.diagnostics, source)}\n${n} error${n === 1 ? '' : 's'}\n`);
    throw new ReportedError();
  }
  return r;
}

async function main(argv: string[]): Promise<void> {
  const { command, file, opts, help } = parse(argv);
  if (help || !command) {
    process.stdout.write(`${USAGE}\n`);
    if (!command && !help) throw new ReportedError();
    return;
  }
  if (!['compile', 'check', 'train', 'eval', 'predict', 'viz'].includes(command)) throw new UserError(`unknown command '${command}'${didYouMean(command, ['compile', 'check', 'train', 'eval', 'predict', 'viz'])} (dlc --help lists the commands)`);
  if (!file) throw new UserError(`${command} needs a .dl file, e.g. dlc ${command} samples/mnist_mlp.dl`);
  if (command === 'compile') {
    if (!opts.out && !opts.dumpIr) throw new UserError('compile needs an output folder: -o <dir>');
    const r = await compileFile(file, opts);
    // Value and layer names come from the file: each line is made printable.
    if (opts.dumpIr) process.stdout.write(formatDumps(r.dumps ?? []).split('\n').map((l) => printable(l, Infinity)).join('\n'));
    if (!opts.out) return;
    await writeArtifact(opts.out, r.artifact!);
    const m = r.artifact!.manifest;
    process.stdout.write(`wrote ${join(opts.out, 'manifest.json')} and ${Object.keys(r.artifact!.shaders).length} kernels (train_step ${m.stats.dispatches.train_step} dispatches)\n`);
    if (opts.stats) process.stdout.write(`${formatStats(m)}\n`);
  } else if (command === 'check') {
    const r = await compileFile(file, opts);
    process.stdout.write(`${formatSummary(r)}\n`);
    if (opts.stats) process.stdout.write(`${formatStats(r.artifact!.manifest)}\n`);
  } else if (command === 'viz') {
    await vizCommand(file, opts);
  } else if (command === 'eval') {
    await evalCommand(file, opts);
  } else if (command === 'predict') {
    await predictCommand(file, opts);
  } else {
    await trainCommand(file, opts);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ReportedError) {
    // Diagnostics were printed already.
  } else if (err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && typeof (err as NodeJS.ErrnoException).path === 'string') {
    // A file-system failure (a file in the way, no permission, a full disk): the user's to fix.
    process.stderr.write(`dlc: cannot use ${(err as NodeJS.ErrnoException).path}: ${fsReason(err)}\n`);
  } else if (err instanceof UserError || (err instanceof Error && ['DeviceUnavailableError', 'SessionError', 'CheckpointError', 'SafetensorsError', 'DataError', 'NonFiniteError', 'ManifestError'].includes(err.name))) {
    process.stderr.write(`dlc: ${err.message}\n`);
  } else {
    process.stderr.write(`dlc: internal error (a bug in dlc, please report it): ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  }
  process.exitCode = 1;
});
