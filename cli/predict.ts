// `dlc eval` (loss and accuracy of saved weights on a data set) and `dlc predict` (model outputs per
// sample, as CSV or JSON; class probabilities for classifiers). The output file is written by
// writeFileSafely: a failed run leaves no partial file, and no input is overwritten.
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
import { isMnist, loadData, readDataFile } from './data.ts';
import { confusionTable, evalParts } from './progress.ts';
import { adapterChoice, artifactFor, inputsOf, openChosenDevice, watchedSession } from './setup.ts';

/** `--out -`: the predictions go to stdout, as CSV. */
const STDOUT = '-';

/** The samples to evaluate or predict on: mnist's 2,000 held-out digits, or a whole data file (CSV, .npz, .npy, IDX). */
function samplesFor(m: Manifest, opts: CliOptions, labelsOptional: boolean): { data: Samples; name: string } {
  const name = opts.data;
  if (opts.digits && (name === undefined || !isMnist(name))) throw new UserError('--digits picks digits of the mnist data sets (--data mnist)');
  if (name === undefined) throw new UserError('needs --data: a .csv, .npz, .npy or IDX file, or mnist (its 2,000 held-out digits)');
  if (isMnist(name)) return { data: loadData(name, m, opts.digits ? { digits: opts.digits } : {}).test!, name: `${name} (held-out digits${opts.digits ? ` ${opts.digits.join(', ')}` : ''})` };
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

/** Column names and per-sample rows of every forward output; softmax probabilities for classifiers. */
function predictionTable(m: Manifest, outs: Record<string, Float32Array>, count: number): { columns: string[]; rows: number[][] } {
  const columns: string[] = [];
  const rows: number[][] = Array.from({ length: count }, () => []);
  for (const o of m.programs.forward.outputs) {
    const k = valuesPerSample(o.shape);
    const v = outs[o.name]!;
    const classifier = m.train.loss === 'cross_entropy' && o.name === m.train.prediction;
    if (classifier) {
      columns.push('class', ...Array.from({ length: k }, (_, j) => `p${j}`));
      for (let r = 0; r < count; r++) {
        // checkFiniteOutputs ran first: every logit is finite.
        rows[r]!.push(argmax(v, r * k, k), ...softmax(v, r * k, k));
      }
    } else {
      columns.push(...(k === 1 ? [o.name] : Array.from({ length: k }, (_, j) => `${o.name}_${j}`)));
      for (let r = 0; r < count; r++) rows[r]!.push(...v.subarray(r * k, r * k + k));
    }
  }
  return { columns, rows };
}

export async function predictCommand(file: string, opts: CliOptions): Promise<void> {
  const out = opts.out;
  if (out === undefined) throw new UserError('predict needs --out: preds.csv, preds.json, or - for CSV on stdout');
  const toStdout = out === STDOUT;
  const format = toStdout ? '.csv' : extname(out).toLowerCase();
  if (format !== '.csv' && format !== '.json') throw new UserError(`--out ${printable(out)}: write .csv or .json (or - for CSV on stdout)`);
  // Refused before any work: an --out that is a folder, a link or one of the inputs (--data...).
  const inputs = inputsOf(file, opts);
  if (!toStdout) await checkOutputPath(out, { inputs });
  const artifact = await artifactFor(file, opts);
  const { data, name } = samplesFor(artifact.manifest, opts, true);
  await withTrainedSession(artifact, opts, `nothing was written to ${printable(out)}`, async (session, m) => {
    const outs = await predict(session, data);
    checkFiniteOutputs(m, outs, data.count, name);
    const { columns, rows } = predictionTable(m, outs, data.count);
    const text = format === '.csv'
      ? `${[columns.join(','), ...rows.map((r) => r.map((x) => (Number.isInteger(x) ? String(x) : x.toPrecision(6))).join(','))].join('\n')}\n`
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
