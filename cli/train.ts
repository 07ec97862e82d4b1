// `dlc train`: compile, open a device, compile its kernels, train with progress, checkpoints and
// history after each epoch (or resume from the last checkpoint), evaluate held-out data, save the
// weights into a run folder that never silently replaces an earlier run.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Artifact } from '../compiler/artifact.ts';
import { printable } from '../dsl/printable.ts';
import { initFromWeights, loadCheckpoint, saveCheckpoint, saveWeights } from '../runtime/weights-node.ts';
import { initFromFile, initReportText } from './init-from.ts';
import { EARLY_STOPPING_DEFAULTS, type ScheduleSpec } from '../compiler/artifact.ts';
import { evaluate, fit, type EpochResult } from '../runtime/fit.ts';
import { kernelTargetFor, type NodeDeviceHandle } from '../runtime/device-node.ts';
import { Session, type SessionOptions } from '../runtime/session.ts';
import { compile } from '../compiler/compile.ts';
import { readSource } from './compile-file.ts';
import { saveTokenizer, TOKENIZER_FILE } from '../runtime/data/tokenizer-node.ts';
import { checkOutputFolder, checkOutputPath, makeFolder } from '../runtime/write-node.ts';
import { loadTrainingData, type DataOptions } from './data.ts';
import type { TokenizerChoice } from './text-data.ts';
import { formatDuration } from './duration.ts';
import { historyFiles, historyRow, readHistory, writeHistory, type HistoryRow } from './history.ts';
import { compileProgress, confusionTable, evalParts, progress } from './progress.ts';
import { chooseRunFolder, removeStaleRunFiles } from './run-folder.ts';
import { lineWidth, wrapText } from './terminal.ts';
import { formatOptimizer } from './train-text.ts';
import { UserError } from './errors.ts';
import type { CliOptions } from './options.ts';
import { adapterChoice, artifactFor, artifactForDevice, inputsOf, isCompiledFolder, openChosenDevice, watchedSession } from './setup.ts';
import { pipelinesCreated } from '../runtime/pipeline-cache.ts';

/** Writes a line of the run's report to stdout, wrapped between words on a terminal. */
const say = (text: string): void => {
  process.stdout.write(`${wrapText(text, lineWidth(process.stdout))}\n`);
};

/**
 * Creates the session and compiles its kernels, announced before and timed, with progress on a
 * terminal: Mesa's drivers compile at the first dispatch, which would otherwise hide inside the
 * first epoch's time.
 */
async function compiledSession(artifact: Artifact, handle: NodeDeviceHandle, options: SessionOptions): Promise<Session> {
  const show = compileProgress(process.stdout, Object.keys(artifact.shaders).length);
  let session: Session | undefined;
  try {
    session = await Session.create(artifact, handle.device, { ...options, onPipeline: show.onPipeline });
    await session.warmUp(show.onFirstRun);
  } catch (err) {
    show.failed();
    session?.dispose();
    throw err;
  }
  show.done();
  return session;
}

/**
 * The tokenizer for text data: the train section's `tokenizer = words(min_count: n)` or `chars(...)`,
 * whose level `--tokenizer` overrides; nothing when neither is given (word level, every token).
 */
export function tokenizerChoice(m: Artifact['manifest'], opts: CliOptions): { tokenizer?: TokenizerChoice } {
  const section = m.train.tokenizer;
  if (!section && opts.tokenizer === undefined) return {};
  return { tokenizer: { level: opts.tokenizer ?? section!.level, ...(section ? { minCount: section.minCount } : {}) } };
}

/** What `--data` and its options ask of the data loader, for train and tune alike. */
export function trainingDataOptions(m: Artifact['manifest'], opts: CliOptions): DataOptions {
  return {
    ...(opts.label ? { label: opts.label } : {}), ...(opts.labels ? { labels: opts.labels } : {}), ...(opts.scale !== undefined ? { scale: opts.scale } : {}),
    ...(opts.valSplit !== undefined ? { valSplit: opts.valSplit } : {}), ...(opts.val !== undefined ? { val: opts.val } : {}),
    ...(opts.stratify ? { stratify: true } : {}),
    ...(opts.digits ? { digits: opts.digits } : {}), ...(opts.trainSize !== undefined ? { trainSize: opts.trainSize } : {}),
    ...(opts.textColumn !== undefined ? { textColumn: opts.textColumn } : {}), ...tokenizerChoice(m, opts),
  };
}

/**
 * The model compiled again at batch `rows` (the epoch's last partial batch), its session on the same
 * device: kernels whose code does not depend on the batch come from the device's pipeline cache.
 */
async function partialBatchSession(file: string, opts: CliOptions, rows: number, handle: NodeDeviceHandle, options: SessionOptions): Promise<Session> {
  const r = compile(readSource(file), { file, ...(opts.clip ? { clip: opts.clip } : {}), ...(opts.model !== undefined ? { model: opts.model } : {}), batch: rows, target: kernelTargetFor(handle) });
  if (!r.ok) {
    const first = r.diagnostics[0];
    throw new UserError(`the last partial batch of ${rows} samples cannot be compiled at batch ${rows} (${first ? printable(first.message, 300) : 'no diagnostic'}): add drop_last = true to the train section to leave it out, or change the batch`);
  }
  const began = performance.now();
  const before = pipelinesCreated(handle.device);
  const session = await Session.create(r.artifact!, handle.device, options);
  await session.warmUp();
  const fresh = pipelinesCreated(handle.device) - before;
  say(`compiled the step of the last batch (${rows} samples): ${fresh} new pipeline${fresh === 1 ? '' : 's'} of ${Object.keys(r.artifact!.shaders).length} in ${formatDuration((performance.now() - began) / 1000)}`);
  return session;
}

export async function trainCommand(file: string, opts: CliOptions): Promise<void> {
  const artifact = await artifactFor(file, opts);
  const m = artifact.manifest;
  if (!m.train.loss) throw new UserError(`${printable(file)} has no train section for model '${printable(m.model)}': add one with a loss, e.g. loss = cross_entropy(logits, label)`);
  const data = loadTrainingData(opts.data ?? 'mnist', m, trainingDataOptions(m, opts));
  const initFrom = initFromFile(file, m, opts);
  if (data.train.count < m.batch) {
    throw new UserError(`${printable(opts.data ?? 'mnist')}: ${data.train.count} training samples, fewer than one batch of ${m.batch}; lower the batch (--batch) or add data`);
  }
  const run = chooseRunFolder(m.model, opts);
  const out = run.path;
  const checkpoint = join(out, 'checkpoint.safetensors');
  if (opts.resume && !existsSync(checkpoint)) throw new UserError(`--resume: no checkpoint at ${printable(checkpoint)} (train with --out ${printable(out)} first)`);
  // Every file training will write is checked before any work: none may be a link, a folder or an input.
  const inputs = inputsOf(file, opts);
  const best = join(out, 'best.safetensors');
  const weights = join(out, 'weights.safetensors');
  // Text data: the tokenizer built from the training texts, beside the weights for predict and eval.
  const tokenizer = data.tokenizer ? join(out, TOKENIZER_FILE) : undefined;
  await checkOutputFolder(out);
  for (const path of [checkpoint, best, weights, ...(tokenizer ? [tokenizer] : []), ...historyFiles(out)]) await checkOutputPath(path, { inputs });
  const choice = adapterChoice(opts);
  const handle = await openChosenDevice(choice);
  try {
    say(`adapter: ${handle.summary}`);
    // Compiled again for the opened adapter's kernels where they differ (Mesa's llvmpipe and lavapipe).
    const session = await compiledSession(await artifactForDevice(file, opts, artifact, handle), handle, watchedSession(opts, 'the last checkpoint is intact'));
    let seed = opts.seed ?? m.train.seed;
    session.initialize(seed);
    if (opts.lr !== undefined) session.lr = opts.lr;
    if (initFrom) say(initReportText(initFrom.path, await initFromWeights(session, initFrom.path, { skipMismatch: m.train.skipMismatch === true })));
    const epochs = opts.epochs ?? m.train.epochs;
    let startEpoch = 0;
    let history: HistoryRow[] = [];
    if (opts.resume) {
      const at = await loadCheckpoint(session, checkpoint);
      if (opts.seed !== undefined && opts.seed !== at.seed) throw new UserError(`--seed ${opts.seed} differs from the checkpoint's seed ${at.seed}; a resumed run keeps its seed`);
      if (at.epoch >= epochs) throw new UserError(`${printable(checkpoint)} has ${at.epoch} epoch${at.epoch === 1 ? '' : 's'} done; --epochs ${epochs} leaves nothing to train (raise --epochs)`);
      ({ seed, epoch: startEpoch } = at);
      history = readHistory(out).filter((r) => r.epoch <= startEpoch);
    }
    const o = m.train.optimizer;
    say(`training ${printable(m.model)}: ${formatOptimizer(o, { lr: session.lr })}, batch ${m.batch}, ${epochs} epoch${epochs === 1 ? '' : 's'}, seed ${seed}`);
    say(printable(data.description, 400));
    // Kernels run at the compiled batch size: the last partial batch (as Keras, a smaller last step)
    // runs on a second session compiled for its size, or is left out (drop_last, a compiled folder).
    const left = data.train.count % m.batch;
    const full = Math.floor(data.train.count / m.batch);
    const batches = `${full} batch${full === 1 ? '' : 'es'} of ${m.batch}`;
    let partialBatch: Session | undefined;
    if (left > 0 && !m.train.dropLast && !isCompiledFolder(file)) {
      partialBatch = await partialBatchSession(file, opts, left, handle, watchedSession(opts, 'the last checkpoint is intact'));
      say(`each epoch trains all ${data.train.count} samples: ${batches} and a last batch of ${left}`);
    } else if (left > 0) {
      const why = m.train.dropLast ? 'drop_last = true' : `${printable(file)} is compiled for batch ${m.batch} only: train the .dl file to train it`;
      say(`each epoch trains ${batches} (${full * m.batch} samples); the last partial batch of ${left} is left out (${why})${m.train.shuffle ? ', other samples each epoch (shuffled)' : ', the last ones (no shuffle)'}`);
    }
    if (opts.resume) say(`resuming from ${printable(checkpoint)} after epoch ${startEpoch} (step ${session.step})`);
    await makeFolder(out);
    if (opts.overwrite) removeStaleRunFiles(out, ['weights.safetensors', 'checkpoint.safetensors', ...(opts.saveBest ? ['best.safetensors'] : []), ...(tokenizer ? [TOKENIZER_FILE] : [])]);
    // Written before the first checkpoint, so that every weights file in the folder has its tokenizer.
    if (tokenizer) await saveTokenizer(data.tokenizer!, tokenizer, { inputs });
    const every = opts.checkpointEvery ?? 1;
    let lowest = Infinity;
    const started = performance.now();
    const show = progress(session, epochs, process.stdout, opts.schedule !== undefined || m.train.schedule !== undefined);
    const onEpoch = async (r: EpochResult): Promise<void> => {
      show.onEpoch(r);
      history.push(historyRow(r));
      await writeHistory(out, history, `${m.model}: ${o.kind}, batch ${m.batch}`, { inputs });
      const at = { epoch: r.epoch, step: session.step, seed };
      // After early stopping restored an earlier epoch's weights, the optimizer state and step no longer
      // match them: keep the last consistent checkpoint (weights.safetensors gets the restored weights).
      if ((r.epoch % every === 0 || r.epoch === epochs) && !r.stopped?.restored) await saveCheckpoint(session, checkpoint, at, {}, { inputs });
      const monitored = r.val ? r.val.loss : r.loss;
      if (opts.saveBest && monitored < lowest) {
        lowest = monitored;
        await saveCheckpoint(session, best, at, { monitor: r.val ? 'val_loss' : 'loss', value: String(monitored) }, { inputs });
      }
    };
    await fit(session, data.train, {
      epochs, seed, startEpoch,
      ...(opts.schedule ? { schedule: { kind: opts.schedule as ScheduleSpec['kind'] } } : {}),
      ...(opts.patience ? { earlyStopping: { ...EARLY_STOPPING_DEFAULTS, monitor: 'val_loss' as const, patience: opts.patience } } : {}),
      ...(data.val ? { validation: data.val } : {}), ...(partialBatch ? { partialBatch } : {}), onStep: show.onStep, onEpoch });
    const trained = `trained in ${formatDuration((performance.now() - started) / 1000)}`;
    const meta: Record<string, string> = {};
    // The final weights on the held-out test set; without one, on the validation data (named as such).
    const final = data.test ? { samples: data.test, name: 'held-out', key: 'heldout_accuracy' } : data.val ? { samples: data.val, name: 'validation', key: 'val_accuracy' } : undefined;
    if (final) {
      const ev = await evaluate(session, final.samples);
      say(`${final.name}: ${evalParts(ev).join('  ')} on ${ev.count} sample${ev.count === 1 ? '' : 's'} (${trained})`);
      if (ev.confusion) say(`confusion matrix (${final.name}):\n${confusionTable(ev.confusion)}`);
      if (ev.accuracy !== undefined) meta[final.key] = String(ev.accuracy);
    } else {
      say(trained);
    }
    await saveWeights(session, weights, meta, { inputs });
    const where = run.version !== undefined ? ` (version ${run.version}: ${printable(run.base!)} holds an earlier run; --out chooses the folder)` : '';
    say(`saved weights to ${printable(weights)}${tokenizer ? ` and the tokenizer to ${printable(tokenizer)}` : ''}${where}`);
    session.dispose();
    partialBatch?.dispose();
  } finally {
    handle.destroy();
  }
}
