// The training loop over a data set: shuffled batches (the last one partial, on its own session),
// per-epoch metrics, evaluation.
import { CLASS_METRICS, REGRESSION_METRICS, SCHEDULE_DEFAULTS, type EarlyStoppingSpec, type ScheduleSpec } from '../compiler/artifact.ts';
import { ConfusionMatrix, RegressionErrors } from './metrics.ts';
import { argmax } from './predictions.ts';
import { Rng } from './random.ts';
import { Plateau, scheduledRate, warmupFactor } from './schedule.ts';
import { valuesPerSample } from './data/model-inputs.ts';
import { firstNonFinite } from './inspect.ts';
import { pruneMasks, prunedSparsity, updatePruneMasks, type TensorSparsity } from './prune.ts';
import { SessionError } from './session-error.ts';
import type { Session, TensorData } from './session.ts';

/** A data set: one flat array per model input, `count` samples each. */
export interface Samples {
  count: number;
  tensors: Record<string, TensorData>;
}

/**
 * A data set read as it trains (a file too large to hold): each epoch's batches in order, the full
 * ones of `batch` samples, then the rest; the same (epoch, seed) gives the same batches. A batch's
 * arrays may be refilled once the iterator has given two more batches (a stream reuses a few
 * batches' memory rather than leave one batch of garbage per step): copy a batch to keep it.
 */
export interface SampleStream {
  count: number;
  /** The inputs each batch holds. */
  names: string[];
  batches(epoch: number, seed: number, batch: number, shuffle: boolean): Iterator<Record<string, TensorData>>;
}

const isStream = (d: Samples | SampleStream): d is SampleStream => 'batches' in d;

export interface EpochResult {
  epoch: number;
  /** Mean training loss over the epoch's samples (each batch's mean weighted by its size, as Keras). */
  loss: number;
  /** Training accuracy over the epoch's samples, when the model computes it. */
  accuracy?: number;
  /** Samples the epoch trained on: all of them, unless its last partial batch was left out. */
  samples: number;
  /** Optimizer steps of the epoch (the partial batch's included). */
  steps: number;
  /** Samples of the data set left out of the epoch (a partial batch not trained: drop_last, or no partialBatch session). */
  leftOut: number;
  seconds: number;
  val?: EvalResult;
  /** The learning rate of the epoch's last step. */
  lr: number;
  /** Pruning: the sparsity the masks were recomputed for after this epoch, when they were. */
  pruneTarget?: number;
  /** Pruning: the zeros of each pruned tensor after this epoch. */
  sparsity?: TensorSparsity[];
  /** Early stopping ended training after this epoch (weights restored to `bestEpoch` if asked). */
  stopped?: { bestEpoch: number; restored: boolean };
}

export interface EvalResult {
  loss: number;
  accuracy?: number;
  count: number;
  /** Macro averages over the classes, when the train section asks for them. */
  precision?: number;
  recall?: number;
  f1?: number;
  /** confusion[t][p]: samples of true class t predicted as p. */
  confusion?: number[][];
  mae?: number;
  rmse?: number;
}

export interface FitOptions {
  /** The last epoch to train (epochs are numbered from 1). */
  epochs?: number;
  /** Learning-rate schedule (default: the train section's); the base rate is session.lr at the start. */
  schedule?: ScheduleSpec;
  /** Early stopping (default: the train section's). */
  earlyStopping?: EarlyStoppingSpec;
  /**
   * Epochs already trained (resuming from a checkpoint): training continues at startEpoch + 1 with
   * the shuffles it would have had, so the run matches an uninterrupted one.
   */
  startEpoch?: number;
  shuffle?: boolean;
  seed?: number;
  validation?: Samples;
  onEpoch?: (r: EpochResult) => void | Promise<void>;
  /**
   * Stop with a NonFiniteError naming the step and the first kernel when an epoch's loss is not
   * finite (default on; it reads the weights and optimizer state back once per epoch).
   */
  checkFinite?: boolean;
  /**
   * The same model compiled at batch size count % batch, on the same device: the epoch's last
   * partial batch is trained on it as one smaller step (Keras' behaviour), the weights and optimizer
   * state copied there and back on the GPU. Without it, or with drop_last, that batch is left out.
   */
  partialBatch?: Session;
  /** Leave the last partial batch out (default: the train section's drop_last). */
  dropLast?: boolean;
  /** Called after every step with the step number (for progress display); awaited. */
  onStep?: (step: number, stepsPerEpoch: number, epoch: number) => void | Promise<void>;
}

/** reduce_on_plateau's arguments a schedule leaves out (`--schedule reduce_on_plateau` gives none). */
const PLATEAU = SCHEDULE_DEFAULTS.reduce_on_plateau;

/** Copies rows `idx` (sample indices) of every input into batch buffers. */
function gather(session: Session, data: Samples, idx: ArrayLike<number>, names: string[]): Record<string, TensorData> {
  const B = session.manifest.batch;
  const out: Record<string, TensorData> = {};
  for (const name of names) {
    const src = data.tensors[name];
    if (!src) throw new Error(`data has no '${name}' (it has ${Object.keys(data.tensors).join(', ')})`);
    const k = valuesPerSample(session.manifest.inputs.find((i) => i.name === name)!.shape);
    const dst = src instanceof Int32Array ? new Int32Array(B * k) : new Float32Array(B * k);
    for (let r = 0; r < idx.length; r++) dst.set(src.subarray(idx[r]! * k, idx[r]! * k + k), r * k);
    out[name] = dst;
  }
  return out;
}

/** Training met a NaN or infinite value; the message names the epoch, the step and the first kernel. */
export class NonFiniteError extends Error {
  override name = 'NonFiniteError';
  constructor(message: string, readonly epoch: number, readonly step: number, readonly kernel?: string) {
    super(message);
  }
}

interface Snapshot { weights: Map<string, Float32Array>; state: Map<string, Float32Array>; step: number }

async function snapshot(session: Session): Promise<Snapshot> {
  return { weights: await session.weights(), state: await session.stateTensors(), step: session.step };
}

function restore(session: Session, s: Snapshot): void {
  session.setWeights(s.weights, 'snapshot');
  for (const [name, v] of s.state) session.write(name, v);
  session.step = s.step;
}

/**
 * Replays an epoch from its snapshot one step at a time (same batches, rates and dropout masks),
 * finds the first step whose loss or weights are not finite, then runs that step kernel by kernel
 * to name the first kernel that wrote a non-finite value.
 */
async function traceNonFinite(
  session: Session, before: Snapshot, epoch: number, steps: number, setRate: (e: number, s: number) => void, step: (s: number, readLoss: boolean) => Promise<number | undefined>,
  batch: (s: number) => Record<string, TensorData>, full: number, partial: Session | undefined,
): Promise<NonFiniteError> {
  restore(session, before);
  for (let s = 0; s < steps; s++) {
    const pre = await snapshot(session);
    setRate(epoch, s);
    const loss = await step(s, true);
    const weights = await session.weights();
    const bad = !Number.isFinite(loss!) || [...weights.values()].some((w) => w.some((v) => !Number.isFinite(v)));
    if (!bad) continue;
    restore(session, pre);
    setRate(epoch, s);
    // The partial batch's step runs on its own session, from the same state.
    const on = s < full ? session : partial!;
    if (on !== session) session.copyTrainingStateTo(on);
    const k = await firstNonFinite(on, 'train_step', batch(s));
    const where = k ? `; the first non-finite value came from kernel '${k.kernel}'${k.origin ? ` (${k.origin})` : ''}` : '';
    return new NonFiniteError(`training stopped: the loss or the weights became non-finite (NaN or infinity) in epoch ${epoch}, step ${s + 1} (step ${pre.step + 1} overall)${where}. Lower the learning rate, clip gradients (clip = global_norm(1.0)) or check the data for huge values`, epoch, s + 1, k?.kernel);
  }
  return new NonFiniteError(`training stopped: the loss of epoch ${epoch} is not finite, but replaying the epoch step by step did not reproduce it`, epoch, 0);
}

/**
 * Trains up to epoch `epochs` (from `startEpoch` + 1; early stopping may end sooner) and returns each
 * epoch's result. Each epoch shuffles the samples (seeded), runs every full batch, then the last
 * partial batch on `partialBatch` (left out without it or with drop_last), then reads the GPU-side
 * metric sums once.
 */
export async function fit(session: Session, data: Samples | SampleStream, opts: FitOptions = {}): Promise<EpochResult[]> {
  const history: EpochResult[] = [];
  for await (const r of trainEpochs(session, data, opts)) history.push(r);
  return history;
}

/**
 * The training loop as an async iterator: yields each epoch's result (after its onEpoch callback),
 * so a caller can log, checkpoint or stop (break) between epochs:
 *   for await (const e of trainEpochs(session, data, { epochs: 10 })) if (e.loss < 0.1) break;
 */
export async function* trainEpochs(session: Session, data: Samples | SampleStream, opts: FitOptions = {}): AsyncGenerator<EpochResult, void, undefined> {
  const t = session.manifest.train;
  const B = session.manifest.batch;
  const epochs = opts.epochs ?? t.epochs;
  const seed = opts.seed ?? t.seed;
  const shuffle = opts.shuffle ?? t.shuffle;
  const rng = new Rng(seed);
  const full = Math.floor(data.count / B);
  if (full === 0) throw new Error(`need at least one full batch of ${B} samples, got ${data.count}`);
  const rest = data.count - full * B;
  const partial = rest > 0 && !(opts.dropLast ?? t.dropLast === true) ? opts.partialBatch : undefined;
  if (partial && partial.manifest.batch !== rest) throw new Error(`partialBatch is compiled for batch ${partial.manifest.batch}, but the last batch of ${data.count} samples at ${B} has ${rest}`);
  // Steps per epoch, as the schedule and progress count them: the partial one included.
  const steps = full + (partial ? 1 : 0);
  const used = partial ? data.count : full * B;
  const names = session.manifest.programs.train_step.inputs;
  // The samples' order for data in memory (a stream shuffles as it reads: 2 million samples would hold 8 MB here for nothing).
  const order = isStream(data) ? new Int32Array(0) : Int32Array.from({ length: data.count }, (_, i) => i);
  const start = opts.startEpoch ?? 0;
  // Replay the shuffles of the epochs already trained: the order is permuted in place each epoch.
  if (!isStream(data)) for (let e = 1; e <= start; e++) if (shuffle) rng.shuffle(order);
  const schedule = opts.schedule ?? t.schedule;
  const stopping = opts.earlyStopping ?? t.earlyStopping;
  const baseLr = session.lr;
  // reduce_on_plateau multiplies the rate down; early stopping watches its own monitor. Both restart
  // their counts when training resumes from a checkpoint.
  let plateauScale = 1;
  const plateau = schedule?.kind === 'reduce_on_plateau' ? new Plateau(schedule.minDelta ?? PLATEAU.minDelta) : undefined;
  const watch = stopping ? new Plateau(stopping.minDelta) : undefined;
  let bestWeights: Map<string, Float32Array> | undefined;
  // Pruning masks are part of the best epoch's model (as the masks TF-MOT keeps as layer weights are
  // in Keras' restore_best_weights): restored with its weights, so pruned weights stay exactly zero.
  let bestMasks: Map<string, Float32Array> | undefined;
  const monitored = (r: EpochResult, m: 'loss' | 'val_loss'): number => (m === 'val_loss' && r.val ? r.val.loss : r.loss);
  const setRate = (e: number, s: number): void => {
    if (!schedule) return;
    let rate = scheduledRate(schedule, baseLr, e - 1 + s / steps, epochs);
    if (schedule.kind === 'reduce_on_plateau') rate = Math.max(rate * plateauScale, schedule.min ?? PLATEAU.min);
    session.lr = rate * warmupFactor(schedule, (e - 1) * steps + s, steps);
  };
  // A stream is read in order: asking for an earlier step (replaying an epoch) starts its epoch again.
  let epochNow = 0;
  let stream: { epoch: number; next: number; it: Iterator<Record<string, TensorData>> } | undefined;
  const fromStream = (d: SampleStream, s: number): Record<string, TensorData> => {
    if (!stream || stream.epoch !== epochNow || stream.next > s) {
      // The one it replaces is ended: its file is closed now, not left open.
      stream?.it.return?.();
      stream = { epoch: epochNow, next: 0, it: d.batches(epochNow, seed, B, shuffle) };
    }
    for (;;) {
      const r = stream.it.next();
      if (r.done) throw new Error(`the data stream ended before step ${s + 1} of epoch ${epochNow}`);
      if (stream.next++ === s) return r.value;
    }
  };
  const batch = (s: number) => (isStream(data) ? fromStream(data, s) : gather(s < full ? session : partial!, data, order.subarray(s * B, s * B + B), names));
  /** The epoch's partial-batch step: the state goes to its session and back, its metric sums are read. */
  const partialStep = async (inputs: Record<string, TensorData>, opts: { readLoss?: boolean } = {}): Promise<{ loss?: number; sums: Awaited<ReturnType<Session['metricSums']>> }> => {
    session.copyTrainingStateTo(partial!);
    partial!.resetMetrics();
    const loss = await partial!.trainStep(inputs, opts);
    partial!.copyTrainingStateTo(session);
    return { ...(loss !== undefined ? { loss } : {}), sums: await partial!.metricSums() };
  };
  const step = async (s: number, readLoss = false): Promise<number | undefined> => {
    if (s < full) return session.trainStep(batch(s), { readLoss });
    return (await partialStep(batch(s), { readLoss })).loss;
  };
  // Pruning that starts at epoch 0 prunes the initial weights (a resumed run has its masks from the checkpoint).
  if (start === 0) await updatePruneMasks(session, 0);
  for (let e = start + 1; e <= epochs; e++) {
    const began = performance.now();
    epochNow = e;
    if (shuffle && !isStream(data)) rng.shuffle(order);
    // The epoch's starting point, kept so a non-finite loss can be traced to its step and kernel.
    const before = opts.checkFinite === false ? undefined : await snapshot(session);
    session.resetMetrics();
    let last: { lossSum: number; correctSum?: number } = { lossSum: 0 };
    // The next batch is gathered (or read and parsed) while the GPU runs the current step.
    let prepared = batch(0);
    for (let s = 0; s < steps; s++) {
      setRate(e, s);
      const inputs = prepared;
      if (s < full) {
        const running = session.trainStep(inputs);
        let failed: unknown;
        try {
          if (s + 1 < steps) prepared = batch(s + 1);
        } catch (err) {
          failed = err;
        }
        await running;
        if (failed !== undefined) throw failed;
        await opts.onStep?.(s + 1, steps, e);
      } else {
        // Not told to onStep: its running sums live on the other session; the epoch's result follows.
        last = (await partialStep(inputs)).sums;
      }
    }
    const sums = await session.metricSums();
    // Σ loss holds one mean per step: weighted by each step's rows, every sample counts once (Keras).
    const lossSum = sums.lossSum * B + last.lossSum * (used - full * B);
    if (before && !Number.isFinite(lossSum)) throw await traceNonFinite(session, before, e, steps, setRate, step, batch, full, partial);
    const r: EpochResult = { epoch: e, loss: lossSum / used, samples: used, steps, leftOut: data.count - used, seconds: (performance.now() - began) / 1000, lr: session.lr };
    if (sums.correctSum !== undefined) r.accuracy = (sums.correctSum + (last.correctSum ?? 0)) / used;
    // Masks change between epochs, before validation, so validation sees the pruned weights.
    if (t.prune) {
      const target = await updatePruneMasks(session, e);
      if (target !== undefined) r.pruneTarget = target;
      r.sparsity = await prunedSparsity(session);
    }
    if (opts.validation) r.val = await evaluate(session, opts.validation);
    if (plateau && schedule && !plateau.update(monitored(r, schedule.monitor ?? PLATEAU.monitor), e) && plateau.wait >= (schedule.patience ?? PLATEAU.patience)) {
      plateauScale *= schedule.factor ?? PLATEAU.factor;
      plateau.wait = 0;
    }
    let stop = false;
    if (watch && stopping) {
      if (watch.update(monitored(r, stopping.monitor), e)) {
        if (stopping.restoreBest) {
          bestWeights = await session.weights();
          if (t.prune) bestMasks = await pruneMasks(session);
        }
      } else if (watch.wait >= stopping.patience) {
        stop = true;
      }
      // At a stop, or at the end of a run whose best epoch was earlier, put the best weights back.
      if ((stop || e === epochs) && stopping.restoreBest && bestWeights && watch.bestEpoch !== e) {
        session.setWeights(bestWeights, `weights of epoch ${watch.bestEpoch}`);
        for (const [mask, values] of bestMasks ?? []) session.write(mask, values);
        r.stopped = { bestEpoch: watch.bestEpoch, restored: true };
      }
      if (stop) r.stopped ??= { bestEpoch: watch.bestEpoch, restored: false };
    }
    await opts.onEpoch?.(r);
    yield r;
    if (stop) return;
  }
}

/**
 * Loss, accuracy and the train section's other metrics over every sample; the last batch is padded
 * and its padding ignored. Precision, recall, F1, the confusion matrix, MAE and RMSE come from the
 * predictions, read back per batch.
 */
export async function evaluate(session: Session, data: Samples): Promise<EvalResult> {
  const m = session.manifest;
  const t = m.train;
  const B = m.batch;
  const spec = m.programs.eval;
  const hasCorrect = spec.outputs.some((o) => o.name === 'correct_rows');
  const wantClass = t.metrics.some((x) => CLASS_METRICS.includes(x));
  const wantReg = t.metrics.some((x) => REGRESSION_METRICS.includes(x));
  const predOut = spec.outputs.find((o) => o.name === t.prediction);
  if ((wantClass || wantReg) && !predOut) throw new SessionError(`metrics ${t.metrics.join(', ')} need the prediction '${t.prediction}' as a model output (add: output ${t.prediction})`);
  const read = [...(hasCorrect ? ['loss_rows', 'correct_rows'] : ['loss_rows']), ...(wantClass || wantReg ? [t.prediction] : [])];
  const K = predOut ? valuesPerSample(predOut.shape) : 0;
  const labelSpec = m.inputs.find((i) => i.name === t.label);
  const binary = t.loss === 'binary_cross_entropy';
  const cm = wantClass ? new ConfusionMatrix(binary ? 2 : labelSpec?.classes ?? K) : undefined;
  const reg = wantReg ? new RegressionErrors() : undefined;
  const labels = data.tensors[t.label];
  let loss = 0;
  let correct = 0;
  for (let s = 0; s < data.count; s += B) {
    const n = Math.min(B, data.count - s);
    const idx = Array.from({ length: n }, (_, i) => s + i);
    const res = await session.run('eval', gather(session, data, idx, spec.inputs), read);
    for (let i = 0; i < n; i++) {
      loss += res.loss_rows![i]!;
      if (hasCorrect) correct += res.correct_rows![i]!;
    }
    const pred = res[t.prediction];
    if (!pred || !labels) continue;
    for (let i = 0; i < n; i++) {
      const row = s + i;
      if (cm && binary) {
        const threshold = t.fromLogits ? 0 : 0.5;
        for (let j = 0; j < K; j++) cm.add(labels[row * K + j]! > 0.5 ? 1 : 0, pred[i * K + j]! > threshold ? 1 : 0);
      } else if (cm) {
        // One-hot (or distribution) targets count as the class of their maximum, as Keras' categorical metrics.
        cm.add(labelSpec?.classes === undefined ? argmax(labels, row * K, K) : labels[row]!, argmax(pred, i * K, K));
      }
      if (reg) for (let j = 0; j < K; j++) reg.add(pred[i * K + j]!, labels[row * K + j]!);
    }
  }
  const out: EvalResult = { loss: loss / data.count, count: data.count };
  if (hasCorrect) out.accuracy = correct / data.count;
  if (cm) {
    const sc = cm.scores();
    if (t.metrics.includes('precision')) out.precision = sc.precision;
    if (t.metrics.includes('recall')) out.recall = sc.recall;
    if (t.metrics.includes('f1')) out.f1 = sc.f1;
    if (t.metrics.includes('confusion_matrix')) out.confusion = cm.counts;
  }
  if (reg) {
    const sc = reg.scores();
    if (t.metrics.includes('mae')) out.mae = sc.mae;
    if (t.metrics.includes('rmse')) out.rmse = sc.rmse;
  }
  return out;
}

/** Model outputs for every sample, concatenated per output name. */
export async function predict(session: Session, data: Samples): Promise<Record<string, Float32Array>> {
  const B = session.manifest.batch;
  const spec = session.manifest.programs.forward;
  const out: Record<string, Float32Array> = {};
  for (const o of spec.outputs) out[o.name] = new Float32Array(data.count * valuesPerSample(o.shape));
  for (let s = 0; s < data.count; s += B) {
    const n = Math.min(B, data.count - s);
    const idx = Array.from({ length: n }, (_, i) => s + i);
    const res = await session.run('forward', gather(session, data, idx, spec.inputs), spec.outputs.map((o) => o.name));
    for (const o of spec.outputs) {
      const k = valuesPerSample(o.shape);
      out[o.name]!.set((res[o.name] as Float32Array).subarray(0, n * k), s * k);
    }
  }
  return out;
}
