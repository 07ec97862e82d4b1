// `dlc tune net.dl --grid lr=1e-3,3e-3 batch=64,128`: trains the model once per setting of the
// train section (a grid, or seeded random draws), each from the same seed, scores each by the
// validation loss (or --objective val_accuracy) of its final weights, and writes the best as the
// program with its train section rewritten. The learning rate and the epochs are not in the
// kernels (the rate is a uniform of the step), so trials that differ only in them share one
// compiled program; other settings (batch: every shape; beta1, momentum, l2: constants in the
// update kernels) compile again, and kernels whose text is unchanged come from the device's cache.
import { dirname, join, relative, resolve } from 'node:path';
import type { Artifact } from '../compiler/artifact.ts';
import { compile } from '../compiler/compile.ts';
import { formatDiagnostics } from '../dsl/diagnostics.ts';
import { printable } from '../dsl/printable.ts';
import { evaluate, fit, NonFiniteError, type EvalResult, type Samples, type SampleStream } from '../runtime/fit.ts';
import type { NodeDeviceHandle } from '../runtime/device-node.ts';
import { pipelinesCreated } from '../runtime/pipeline-cache.ts';
import { Session } from '../runtime/session.ts';
import { initFromWeights } from '../runtime/weights-node.ts';
import { checkOutputFolder, checkOutputPath, makeFolder, writeFileSafely } from '../runtime/write-node.ts';
import { existsSync } from 'node:fs';
import { readSource } from './compile-file.ts';
import { loadTrainingData } from './data.ts';
import { formatDuration } from './duration.ts';
import { ReportedError, UserError } from './errors.ts';
import { initFromFile, initReportText } from './init-from.ts';
import type { CliOptions } from './options.ts';
import { adapterChoice, inputsOf, isCompiledFolder, openChosenDevice, watchedSession } from './setup.ts';
import { lineWidth, wrapText } from './terminal.ts';
import { trainingDataOptions } from './train.ts';
import { readSpace, settingsText, trialSettings, type Settings } from './tune-space.ts';
import { withTrainSettings } from './tune-section.ts';

/** What a trial is scored by, and whether lower is better. */
export const OBJECTIVES = { val_loss: 'min', val_accuracy: 'max' } as const;
export type Objective = keyof typeof OBJECTIVES;

/** Settings that the kernels do not hold: trials differing only in these share a compiled program. */
const RUNTIME_KEYS = ['lr', 'epochs'];

/** The files --out gets: the program with the best train section, and every trial's row. */
export const TUNE_FILES = { best: 'best.dl', trials: 'trials.csv' } as const;

interface TrialResult {
  settings: Settings;
  /** The final weights on the validation data; absent when training diverged. */
  val?: EvalResult;
  failed?: string;
  seconds: number;
  /** Whether this trial compiled a program (false: it reused an earlier trial's). */
  compiled: boolean;
}

const say = (text: string): void => {
  process.stdout.write(`${wrapText(text, lineWidth(process.stdout))}\n`);
};

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

/** The trial's score, or undefined when it failed. */
function score(r: TrialResult, objective: Objective): number | undefined {
  if (!r.val) return undefined;
  return objective === 'val_loss' ? r.val.loss : r.val.accuracy;
}

/** `val_loss 0.2345  val_accuracy 91.67%`, or why the trial failed. */
const resultText = (r: TrialResult): string => (r.val ? `val_loss ${r.val.loss.toFixed(4)}${r.val.accuracy !== undefined ? `  val_accuracy ${pct(r.val.accuracy)}` : ''}` : r.failed!);

/**
 * Programs compiled for the trials, by the source text of their kernels: a last partial batch's
 * program is the one of a trial at that batch (the same text), so they share it.
 */
class ProgramCache {
  private programs = new Map<string, Artifact>();
  compilations = 0;
  constructor(private readonly file: string, private readonly opts: CliOptions) {}

  /** The program of `source`, compiled once; `partial`: it is the step of a last partial batch of that size. */
  get(source: string, partial?: number): { artifact: Artifact; fresh: boolean } {
    const known = this.programs.get(source);
    if (known) return { artifact: known, fresh: false };
    const r = compile(source, { file: this.file, ...(this.opts.model !== undefined ? { model: this.opts.model } : {}) });
    if (!r.ok) {
      // The space was checked against the file; a setting the compiler still refuses is named with the program's message.
      process.stderr.write(`${formatDiagnostics(r.diagnostics, source)}\n`);
      throw new UserError(partial !== undefined ? `the last partial batch of ${partial} samples cannot be compiled at batch ${partial}: add drop_last = true to the train section, or tune other batch sizes` : 'a trial\'s train section does not compile (above)');
    }
    this.compilations++;
    this.programs.set(source, r.artifact!);
    return { artifact: r.artifact!, fresh: true };
  }
}

export async function tuneCommand(file: string, opts: CliOptions): Promise<void> {
  if (isCompiledFolder(file)) throw new UserError(`tune rewrites the train section of a .dl file; ${printable(file)} is a compiled folder`);
  const words = opts.grid ?? opts.random;
  if (!words) throw new UserError('tune needs the settings to try: --grid lr=1e-3,3e-3 batch=64,128 (every combination) or --random lr=1e-4..1e-2 batch=32,64 --trials 8');
  const mode = opts.grid ? 'grid' : 'random';
  const fileText = readSource(file);
  const base = compile(fileText, { file, ...(opts.model !== undefined ? { model: opts.model } : {}) });
  if (!base.ok) {
    const n = base.diagnostics.length;
    process.stderr.write(`${formatDiagnostics(base.diagnostics, fileText)}\n${n} error${n === 1 ? '' : 's'}\n`);
    throw new ReportedError();
  }
  const m = base.artifact!.manifest;
  if (!m.train.loss) throw new UserError(`${printable(file)} has no train section for model '${printable(m.model)}': add one with a loss, e.g. loss = cross_entropy(logits, label)`);
  const objective: Objective = (opts.objective as Objective | undefined) ?? 'val_loss';
  if (objective === 'val_accuracy' && !m.train.correctSum) throw new UserError(`--objective val_accuracy: model '${printable(m.model)}' reports no accuracy: add metrics = [accuracy] to its train section (a classifier's), or use val_loss`);
  const space = readSpace(mode, words, m.train.optimizer);
  const seed = opts.seed ?? m.train.seed;
  const { trials, note } = trialSettings(space, { trials: opts.trials ?? 10, seed });

  const data = loadTrainingData(opts.data ?? 'mnist', m, trainingDataOptions(m, opts));
  // Choosing by the held-out test set would make its figure optimistic: a trial is scored on validation data only.
  if (!data.val) throw new UserError(`tune scores each trial on validation data: give --val-split 0.2 (the last fifth of the training rows) or --val FILE`);
  const batches = trials.map((t) => t.find(([k]) => k === 'batch')?.[1] ?? m.batch);
  const largest = Math.max(...batches);
  if (data.train.count < largest) throw new UserError(`${printable(opts.data ?? 'mnist')}: ${data.train.count} training samples, fewer than one batch of ${largest}; tune smaller batches or add data`);
  const initFrom = initFromFile(file, m, opts);

  // Every file tune writes is checked before any training.
  const inputs = inputsOf(file, opts);
  const out = opts.out;
  const paths = out !== undefined ? { best: join(out, TUNE_FILES.best), trials: join(out, TUNE_FILES.trials) } : undefined;
  if (out !== undefined && paths) {
    await checkOutputFolder(out);
    for (const path of Object.values(paths)) {
      if (existsSync(path) && !opts.overwrite) throw new UserError(`${printable(path)} exists (an earlier tune): choose another --out, or add --overwrite to replace it`);
      await checkOutputPath(path, { inputs });
    }
  }
  // The written program's seed and init_from: the same run as the trials, from the output folder.
  const entries: [string, string][] = [];
  if (opts.seed !== undefined) entries.push(['seed', String(opts.seed)]);
  const sectionOf = (settings: Settings, where: 'trial' | 'out'): string => {
    const moved = where === 'out' && m.train.initFrom && out !== undefined ? [['init_from', JSON.stringify(relative(resolve(out), resolve(dirname(file), m.train.initFrom.path)))] as [string, string]] : [];
    return withTrainSettings(fileText, file, m.model, { settings, optimizer: m.train.optimizer, entries: [...entries, ...moved] });
  };

  const handle = await openChosenDevice(adapterChoice(opts));
  const results: TrialResult[] = [];
  const cache = new ProgramCache(file, opts);
  const began = performance.now();
  let pipelines = 0;
  try {
    say(`adapter: ${handle.summary}`);
    say(printable(data.description, 400));
    const what = space.mode === 'grid' ? `grid of ${trials.length}` : `${trials.length} random draws (seed ${seed})`;
    say(`tuning ${printable(m.model)}: ${what} over ${space.keys.map((k) => k.key).join(', ')}, each trained from seed ${seed}, scored by ${objective} of the final weights on the ${data.val.count} validation samples`);
    if (note) say(note);
    for (const [i, settings] of trials.entries()) {
      const r = await runTrial(settings, { file, opts, m, data: { train: data.train, val: data.val }, seed, cache, handle, initFrom, sectionOf });
      results.push(r);
      say(`trial ${String(i + 1).padStart(String(trials.length).length)}/${trials.length}  ${settingsText(settings)}  ${resultText(r)}  (${formatDuration(r.seconds)}${r.compiled ? '' : ', kernels reused'})`);
    }
    pipelines = pipelinesCreated(handle.device);
  } finally {
    handle.destroy();
  }
  const scored = results.map((r, i) => ({ r, i, s: score(r, objective) })).filter((x): x is { r: TrialResult; i: number; s: number } => x.s !== undefined && Number.isFinite(x.s));
  if (!scored.length) throw new UserError(`every trial failed (${results[0]?.failed ?? 'no trials'}): try smaller learning rates`);
  const better = OBJECTIVES[objective] === 'min' ? (a: number, b: number) => a < b : (a: number, b: number) => a > b;
  // The first of equal scores wins, as scikit-learn's rank_test_score ranks ties the same and best_index_ takes the first.
  const best = scored.reduce((a, b) => (better(b.s, a.s) ? b : a));
  const ranked = [...scored].sort((a, b) => (a.s === b.s ? a.i - b.i : better(a.s, b.s) ? -1 : 1));
  // The table as it is: wrapping its rows would break the columns.
  process.stdout.write(`\n${summaryTable(ranked, results, objective)}\n`);
  const why = `${RUNTIME_KEYS.join(' and ')} are not in the kernels, so trials differing only in them share a program (batch changes the kernels' shapes; other optimizer settings, l1 and l2 are constants in them)`;
  say(`${cache.compilations} compilation${cache.compilations === 1 ? '' : 's'} for ${trials.length} trial${trials.length === 1 ? '' : 's'}: ${why}; ${pipelines} GPU pipelines created; ${formatDuration((performance.now() - began) / 1000)} in all`);
  say(`best: trial ${best.i + 1}, ${settingsText(best.r.settings)}: ${resultText(best.r)}`);
  const bestText = sectionOf(best.r.settings, 'out');
  if (paths) {
    await makeFolder(out!);
    await writeFileSafely(paths.best, `# dlc tune: trial ${best.i + 1} of ${trials.length}, ${settingsText(best.r.settings)}, ${objective} ${best.s}\n${bestText}`, { inputs });
    await writeFileSafely(paths.trials, trialsCsv(results, space.keys.map((k) => k.key)), { inputs });
    say(`wrote ${printable(paths.best)} (${printable(file)} with the best train section: dlc train ${printable(paths.best)} trains it) and ${printable(paths.trials)}`);
  } else {
    say(`the best train section (--out DIR writes the program with it and every trial):\n${trainSectionText(bestText, m.model)}`);
  }
}

/** The `train <model> { ... }` block of a program's text. */
function trainSectionText(source: string, model: string): string {
  const start = source.search(new RegExp(`^\\s*train\\s+${model}\\b`, 'm'));
  if (start < 0) return source;
  const end = source.indexOf('}', start);
  return source.slice(start, end + 1).replace(/^\n+/, '');
}

interface TrialContext {
  file: string;
  opts: CliOptions;
  m: Artifact['manifest'];
  data: { train: Samples | SampleStream; val: Samples };
  seed: number;
  cache: ProgramCache;
  handle: NodeDeviceHandle;
  initFrom: { path: string; reported?: boolean } | undefined;
  sectionOf: (settings: Settings, where: 'trial' | 'out') => string;
}

/**
 * One trial, as `dlc train` would run the program with these settings: the program compiled from
 * the settings that change kernels, the learning rate set on the session, the same seed, the last
 * partial batch on a program compiled for its size.
 */
async function runTrial(settings: Settings, c: TrialContext): Promise<TrialResult> {
  const started = performance.now();
  const value = (key: string): number | undefined => settings.find(([k]) => k === key)?.[1];
  const kernelSettings = settings.filter(([k]) => !RUNTIME_KEYS.includes(k));
  const source = c.sectionOf(kernelSettings, 'trial');
  const main = c.cache.get(source);
  const m = main.artifact.manifest;
  const options = watchedSession(c.opts, 'the trial lines printed before are complete');
  const session = await Session.create(main.artifact, c.handle.device, options);
  let partialBatch: Session | undefined;
  let compiled = main.fresh;
  try {
    await session.warmUp();
    session.initialize(c.seed);
    session.lr = value('lr') ?? m.train.optimizer.lr;
    if (c.initFrom) {
      const report = await initFromWeights(session, c.initFrom.path, { skipMismatch: m.train.skipMismatch === true });
      // The same parameters in every trial: the report once.
      if (!c.initFrom.reported) say(initReportText(c.initFrom.path, report));
      c.initFrom.reported = true;
    }
    const left = c.data.train.count % m.batch;
    if (left > 0 && !m.train.dropLast) {
      const partial = c.cache.get(c.sectionOf([...kernelSettings.filter(([k]) => k !== 'batch'), ['batch', left]], 'trial'), left);
      compiled ||= partial.fresh;
      partialBatch = await Session.create(partial.artifact, c.handle.device, options);
      await partialBatch.warmUp();
    }
    const epochs = value('epochs') ?? m.train.epochs;
    try {
      await fit(session, c.data.train, { epochs, seed: c.seed, validation: c.data.val, ...(partialBatch ? { partialBatch } : {}) });
    } catch (err) {
      // A learning rate too large for the model is a result of the search, not a failure of it.
      if (!(err instanceof NonFiniteError)) throw err;
      return { settings, failed: `diverged: not finite (NaN or infinity) in epoch ${err.epoch}${err.step ? `, step ${err.step}` : ''}`, seconds: (performance.now() - started) / 1000, compiled };
    }
    const val = await evaluate(session, c.data.val);
    return { settings, val, seconds: (performance.now() - started) / 1000, compiled };
  } finally {
    session.dispose();
    partialBatch?.dispose();
  }
}

/** Every trial ranked best first: rank, trial number, settings, the validation figures, the time. */
function summaryTable(ranked: { r: TrialResult; i: number }[], all: TrialResult[], objective: Objective): string {
  const failed = all.map((r, i) => ({ r, i })).filter((x) => !ranked.some((y) => y.i === x.i));
  const rows = [...ranked, ...failed].map((x, k) => [k < ranked.length ? String(k + 1) : '-', String(x.i + 1), settingsText(x.r.settings), resultText(x.r), formatDuration(x.r.seconds)]);
  const head = ['rank', 'trial', 'settings', `result (by ${objective})`, 'time'];
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  return [head, ...rows].map((r) => r.map((cell, j) => (j < 2 ? cell.padStart(widths[j]!) : cell.padEnd(widths[j]!))).join('  ').trimEnd()).join('\n');
}

/** trials.csv: one row per trial in the order run, each setting a column, then the validation figures. */
function trialsCsv(results: TrialResult[], keys: string[]): string {
  const head = ['trial', ...keys, 'val_loss', 'val_accuracy', 'seconds', 'status'];
  const rows = results.map((r, i) => [
    String(i + 1), ...keys.map((k) => String(r.settings.find(([key]) => key === k)?.[1] ?? '')),
    r.val ? String(r.val.loss) : '', r.val?.accuracy !== undefined ? String(r.val.accuracy) : '', r.seconds.toFixed(3), r.val ? 'ok' : `"${r.failed!.replace(/"/g, '""')}"`,
  ]);
  return `${[head, ...rows].map((r) => r.join(',')).join('\n')}\n`;
}
