// `dlc eval` (loss and accuracy of saved weights on a data set) and `dlc predict` (model outputs per
// sample, as CSV or JSON; class probabilities for classifiers). The output file is written by
// writeFileSafely: a failed run leaves no partial file, and no input is overwritten.
import { existsSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import type { Artifact, Manifest } from '../compiler/artifact.ts';
import { printable } from '../dsl/printable.ts';
import { shownFile } from '../runtime/data/data-error.ts';
import { f32Problem } from '../runtime/data/f32.ts';
import { valuesPerSample } from '../runtime/data/model-inputs.ts';
import { argmax, softmax } from '../runtime/predictions.ts';
import { evaluate, predict, type Samples } from '../runtime/fit.ts';
import { Session } from '../runtime/session.ts';
import { prunedSparsity } from '../runtime/prune.ts';
import { loadWeights } from '../runtime/weights-node.ts';
import { sizeLine, sparsityLine } from './sparsity.ts';
import { checkOutputPath, writeFileSafely } from '../runtime/write-node.ts';
import { UserError } from './errors.ts';
import type { CliOptions } from './options.ts';
import { isMnist, isTextData, loadData, readDataFile, spamNeedsTokens } from './data.ts';
import { hasTokenInput, loadTextForPrediction, textInputsOf, textSamplesFor } from './text-data.ts';
import { loadTokenizer, tokenizerBeside, TOKENIZER_FILE } from '../runtime/data/tokenizer-node.ts';
import type { Tokenizer } from '../runtime/data/tokenizer.ts';
import { confusionTable, evalParts } from './progress.ts';
import { evalInferenceFolder, runInferenceFolder } from './eval-artifact.ts';
import { adapterChoice, artifactFor, inputsOf, openChosenDevice, watchedSession } from './setup.ts';

const isFolder = (path: string): boolean => existsSync(path) && statSync(path).isDirectory();

/** `--out -`: the predictions go to stdout, as CSV. */
const STDOUT = '-';

/** The tokenizer saved beside --weights, for a model with a token input; a clear error without one. */
function tokenizerFor(m: Manifest, opts: CliOptions): Tokenizer {
  if (opts.weights === undefined) throw new UserError('needs --weights: a .safetensors file written by dlc train');
  const path = tokenizerBeside(opts.weights);
  if (!existsSync(path)) {
    throw new UserError(`no ${TOKENIZER_FILE} beside ${printable(opts.weights)}: model '${printable(m.model)}' takes text, which is tokenised as in training with the tokenizer dlc train saved in its run folder (expected at ${printable(path)})`);
  }
  return loadTokenizer(path);
}

/** What samplesFor read: the samples, a name for messages, and the class names when the data named them. */
interface ReadSamples {
  data: Samples;
  name: string;
  classes?: string[];
}

/**
 * The samples to evaluate or predict on: mnist's 2,000 held-out digits, the spam corpus's held-out
 * test messages, --text, or a whole data file (CSV, .npz, .npy, IDX; text CSV or folder for a model
 * with a token input, tokenised with the tokenizer beside the weights).
 */
function samplesFor(m: Manifest, opts: CliOptions, labelsOptional: boolean): ReadSamples {
  const name = opts.data;
  if (opts.digits && (name === undefined || !isMnist(name))) throw new UserError('--digits picks digits of the mnist data sets (--data mnist)');
  if (opts.text !== undefined) {
    if (name !== undefined) throw new UserError('use either --text or --data, not both');
    if (!hasTokenInput(m)) throw new UserError(`--text needs a model with a token input (tokens[V, T]); model '${printable(m.model)}' has inputs ${m.inputs.map((i) => printable(i.name)).join(', ')}`);
    const tok = tokenizerFor(m, opts);
    return { data: textSamplesFor([opts.text], tok, textInputsOf(m)!), name: '--text', ...(tok.classes ? { classes: tok.classes } : {}) };
  }
  if (name === undefined) throw new UserError('needs --data: a .csv, .npz, .npy or IDX file, a folder of .png images per class, or mnist (its 2,000 held-out digits)');
  if (isMnist(name)) return { data: loadData(name, m, opts.digits ? { digits: opts.digits } : {}).test!, name: `${name} (held-out digits${opts.digits ? ` ${opts.digits.join(', ')}` : ''})` };
  if (isTextData(name, m, { ...(opts.label ? { label: opts.label } : {}), ...(opts.textColumn !== undefined ? { textColumn: opts.textColumn } : {}) })) {
    if (opts.label && opts.label.length !== 1) throw new UserError('text data has one label column: give one name to --label');
    const tok = tokenizerFor(m, opts);
    const fit = textInputsOf(m)!;
    const data = loadTextForPrediction(name, tok, fit, { ...(opts.label ? { label: opts.label[0]! } : {}), ...(opts.textColumn !== undefined ? { text: opts.textColumn } : {}) });
    if (!labelsOptional && !data.tensors[fit.label]) throw new UserError(`${printable(name)}: no labels to evaluate against (a column named '${printable(fit.label)}', or --label)`);
    return { data, name: name === 'spam' ? 'spam (held-out test messages)' : name, ...(tok.classes ? { classes: tok.classes } : {}) };
  }
  if (name === 'spam') throw spamNeedsTokens(m);
  if (opts.textColumn !== undefined) throw new UserError('--text-column applies to text data, for a model with a token input (tokens[V, T])');
  const data = readDataFile(name, m, {
    ...(opts.label ? { label: opts.label } : {}), ...(opts.labels ? { labels: opts.labels } : {}), ...(opts.scale !== undefined ? { scale: opts.scale } : {}),
  }, labelsOptional);
  return { data, name };
}

/** Opens a device, loads the weights into a session of the artifact, runs `f`, closes everything. */
async function withTrainedSession<T>(artifact: Artifact, opts: CliOptions, timeoutNote: string | undefined, f: (s: Session, m: Manifest) => Promise<T>): Promise<T> {
  if (opts.weights === undefined) throw new UserError('needs --weights: a .safetensors file written by dlc train');
  const choice = adapterChoice(opts);
  const handle = await openChosenDevice(choice);
  try {
    const session = await Session.create(artifact, handle.device, watchedSession(opts, timeoutNote));
    try {
      await loadWeights(session, opts.weights);
      return await f(session, artifact.manifest);
    } finally {
      session.dispose();
    }
  } finally {
    handle.destroy();
  }
}

export async function evalCommand(file: string, opts: CliOptions): Promise<void> {
  const artifact = await artifactFor(file, opts);
  const { data, name } = samplesFor(artifact.manifest, opts, false);
  if (opts.weights !== undefined && isFolder(opts.weights)) return evalInferenceFolder(opts.weights, artifact.manifest, data, name, opts);
  await withTrainedSession(artifact, opts, undefined, async (session) => {
    const ev = await evaluate(session, data);
    process.stdout.write(`${name}: ${evalParts(ev).join('  ')} on ${ev.count} sample${ev.count === 1 ? '' : 's'}\n`);
    if (ev.confusion) process.stdout.write(`confusion matrix:\n${confusionTable(ev.confusion)}\n`);
    process.stdout.write(`${sizeLine(session.weightSlots)}\n`);
    const pruned = await prunedSparsity(session);
    if (pruned.length) process.stdout.write(`${sparsityLine(pruned)}\n`);
  });
}

/**
 * Refuses outputs that are NaN or infinite (NaN weights, or inputs and weights that overflow
 * float32): written out they would read as predictions (a class of -1, NaN probabilities).
 * @throws UserError naming the data, the first such sample, the output and the value's index.
 */
function checkFiniteOutputs(m: Manifest, outs: Record<string, Float32Array>, count: number, data: string): void {
  for (let r = 0; r < count; r++) {
    for (const o of m.programs.forward.outputs) {
      const k = valuesPerSample(o.shape);
      const values = outs[o.name]!.subarray(r * k, r * k + k);
      const j = values.findIndex((v) => !Number.isFinite(v));
      if (j >= 0) {
        throw new UserError(`${shownFile(data)}: sample ${r}: output '${printable(o.name)}' value ${j}: ${f32Problem(values[j]!)} (the weights or the inputs overflow float32); no predictions written`);
      }
    }
  }
}

/**
 * Column names and per-sample rows of every forward output; softmax probabilities for classifiers,
 * named by class (class name and p_<name>) when the data named its classes.
 */
function predictionTable(m: Manifest, outs: Record<string, Float32Array>, count: number, classes?: string[]): { columns: string[]; rows: (number | string)[][] } {
  const columns: string[] = [];
  const rows: (number | string)[][] = Array.from({ length: count }, () => []);
  for (const o of m.programs.forward.outputs) {
    const k = valuesPerSample(o.shape);
    const v = outs[o.name]!;
    const classifier = m.train.loss === 'cross_entropy' && o.name === m.train.prediction;
    if (classifier) {
      const named = classes?.length === k ? classes : undefined;
      columns.push('class', ...Array.from({ length: k }, (_, j) => (named ? `p_${named[j]!}` : `p${j}`)));
      for (let r = 0; r < count; r++) {
        // checkFiniteOutputs ran first: every logit is finite.
        const c = argmax(v, r * k, k);
        rows[r]!.push(named ? named[c]! : c, ...softmax(v, r * k, k));
      }
    } else {
      columns.push(...(k === 1 ? [o.name] : Array.from({ length: k }, (_, j) => `${o.name}_${j}`)));
      for (let r = 0; r < count; r++) rows[r]!.push(...v.subarray(r * k, r * k + k));
    }
  }
  return { columns, rows };
}

/** A CSV cell: quoted (quotes doubled) when it holds a comma, a quote or a line break. */
const csvCell = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export async function predictCommand(file: string, opts: CliOptions): Promise<void> {
  // One --text prints its probabilities; files of samples need --out.
  const out = opts.out ?? (opts.text !== undefined ? STDOUT : undefined);
  if (out === undefined) throw new UserError('predict needs --out: preds.csv, preds.json, or - for CSV on stdout');
  const toStdout = out === STDOUT;
  const format = toStdout ? '.csv' : extname(out).toLowerCase();
  if (format !== '.csv' && format !== '.json') throw new UserError(`--out ${printable(out)}: write .csv or .json (or - for CSV on stdout)`);
  // Refused before any work: an --out that is a folder, a link or one of the inputs (--data...).
  const inputs = inputsOf(file, opts);
  if (!toStdout) await checkOutputPath(out, { inputs });
  const artifact = await artifactFor(file, opts);
  const { data, name, classes } = samplesFor(artifact.manifest, opts, true);
  const fromFolder = opts.weights !== undefined && isFolder(opts.weights) ? opts.weights : undefined;
  const run = fromFolder === undefined
    ? <T>(f: (outs: Record<string, Float32Array>, m: Manifest) => Promise<T>): Promise<T> => withTrainedSession(artifact, opts, `nothing was written to ${printable(out)}`, async (session, m) => f(await predict(session, data), m))
    : async <T>(f: (outs: Record<string, Float32Array>, m: Manifest) => Promise<T>): Promise<T> => f((await runInferenceFolder(fromFolder, artifact.manifest, data, name, opts)).outs as Record<string, Float32Array>, artifact.manifest);
  await run(async (outs, m) => {
    checkFiniteOutputs(m, outs, data.count, name);
    const { columns, rows } = predictionTable(m, outs, data.count, classes);
    const text = format === '.csv'
      ? `${[columns.map(csvCell).join(','), ...rows.map((r) => r.map((x) => (typeof x === 'string' ? csvCell(x) : Number.isInteger(x) ? String(x) : x.toPrecision(6))).join(','))].join('\n')}\n`
      : `${JSON.stringify({ columns, rows })}\n`;
    // On stdout the predictions are the whole output, written once they are all computed.
    if (toStdout) {
      process.stdout.write(text);
      return;
    }
    await writeFileSafely(out, text, { inputs });
    process.stdout.write(`wrote ${data.count} predictions to ${printable(out)}\n`);
  });
}
