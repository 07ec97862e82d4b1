// Saving and loading a session's weights as safetensors files (Node), shapes checked against the model.
import { checkpointProgress, loadSafetensors, saveSafetensors } from './checkpoint-node.ts';
import { printable } from '../dsl/printable.ts';
import { PRUNE_OWNER } from '../compiler/artifact.ts';
import { SessionError } from './session-error.ts';
import { tensorByName } from './legacy-names.ts';
import type { Session } from './session.ts';
import type { WriteOptions } from './write-node.ts';

/** Writes every parameter to `path` (atomically, see writeFileSafely), with the model name and step as metadata. */
export async function saveWeights(session: Session, path: string, metadata: Record<string, string> = {}, opts: WriteOptions = {}): Promise<void> {
  const m = session.manifest;
  const w = await session.weights();
  await saveSafetensors(path, session.weightSlots.map((p) => ({ name: p.name, dtype: 'F32' as const, shape: p.shape, data: w.get(p.name)! })), {
    model: m.model, source_hash: m.sourceHash, step: String(session.step), ...metadata,
  }, opts);
}

/** Loads parameters from `path` into the session; every name, dtype and shape must match the model. */
export async function loadWeights(session: Session, path: string): Promise<Record<string, string>> {
  const { tensors, metadata } = await loadSafetensors(path);
  const weights = new Map<string, Float32Array | Int32Array>();
  for (const p of session.weightSlots) {
    const t = tensorByName(tensors, p.name, session.manifest.renamedLayers)?.tensor;
    if (!t) continue;
    if (t.dtype !== 'F32') throw new SessionError(`${path}: '${p.name}' is ${t.dtype}, expected F32${t.dtype === 'I8' ? ' (int8 weights of dlc quantize run from its folder: pass the folder as --weights to dlc eval)' : ''}`);
    if (t.shape.join() !== p.shape.join()) throw new SessionError(`${path}: '${p.name}' has shape [${t.shape.join(', ')}], the model expects [${p.shape.join(', ')}]`);
    weights.set(p.name, t.data as Float32Array);
  }
  session.setWeights(weights, path);
  return metadata;
}

/** Where training stands, saved with a checkpoint so `--resume` continues exactly. */
export interface TrainingProgress {
  /** Epochs completed. */
  epoch: number;
  /** Optimizer steps taken (drives Adam's bias correction and dropout's random stream). */
  step: number;
  /** The seed training started from (initialisation, shuffling, dropout). */
  seed: number;
}

/** What a checkpoint holds beyond the weights: the optimizer state and the pruning masks (so a resumed run prunes the same values). */
const optimizerSlots = (session: Session) => session.manifest.state.filter((s) => s.owner === 'optimizer' || s.owner === PRUNE_OWNER);

/**
 * A training checkpoint: weights, layer state, optimizer state and pruning masks, with the epoch, step and seed as
 * metadata. Written atomically: a crash leaves the previous checkpoint as it was.
 */
export async function saveCheckpoint(session: Session, path: string, progress: TrainingProgress, metadata: Record<string, string> = {}, opts: WriteOptions = {}): Promise<void> {
  const m = session.manifest;
  const w = await session.weights();
  const state = await session.stateTensors();
  const tensors = [
    ...session.weightSlots.map((p) => ({ name: p.name, dtype: 'F32' as const, shape: p.shape, data: w.get(p.name)! })),
    ...optimizerSlots(session).map((s) => ({ name: s.name, dtype: 'F32' as const, shape: s.shape, data: state.get(s.name)! })),
  ];
  await saveSafetensors(path, tensors, {
    ...metadata, kind: 'checkpoint', model: m.model, source_hash: m.sourceHash,
    epoch: String(progress.epoch), step: String(progress.step), seed: String(progress.seed),
  }, opts);
}

/**
 * Restores a checkpoint written by saveCheckpoint for the same program: weights, optimizer state and
 * step. Returns where training stood. Refuses a checkpoint of another model or program text.
 */
export async function loadCheckpoint(session: Session, path: string): Promise<TrainingProgress> {
  const { tensors, metadata } = await loadSafetensors(path);
  const m = session.manifest;
  if (metadata.kind !== 'checkpoint') throw new SessionError(`${path} holds weights only, not a training checkpoint (no optimizer state or step); resume from a checkpoint.safetensors`);
  if (metadata.model !== m.model || metadata.source_hash !== m.sourceHash) {
    throw new SessionError(`${path} was written for model '${printable(metadata.model ?? '')}' from a different program text; resuming needs the same .dl file (model '${m.model}')`);
  }
  const progress = checkpointProgress(metadata, path);
  const slots = [...session.weightSlots, ...optimizerSlots(session)];
  const found = new Map(slots.map((s) => [s.name, tensorByName(tensors, s.name, m.renamedLayers)?.tensor]));
  for (const s of slots) {
    const t = found.get(s.name);
    if (!t) throw new SessionError(`${path} has no tensor '${s.name}'`);
    if (t.dtype !== 'F32' || t.shape.join() !== s.shape.join()) {
      throw new SessionError(`${path}: '${s.name}' is ${t.dtype}[${t.shape.join(', ')}], the model expects F32[${s.shape.join(', ')}]`);
    }
  }
  for (const s of slots) session.write(s.name, found.get(s.name)!.data as Float32Array);
  session.step = progress.step;
  session.seed = progress.seed;
  return progress;
}

/** What initFromWeights loaded, by the model's tensor names. */
export interface InitReport {
  loaded: string[];
  /** The model's tensors the file does not hold: they keep their initial values. */
  missing: string[];
  /** Tensors of another shape (left at their initial values, with skip_mismatch). */
  mismatched: { name: string; file: number[]; model: number[] }[];
  /** The file's tensors the model has no use for. */
  unused: string[];
}

/**
 * Transfer learning (Keras' load_weights(by_name=True, skip_mismatch=...)): sets the model's weights
 * and layer state that `path` holds under the same name (or the positional name of a file written
 * before stable names); the rest keep their initial values. A tensor of another shape fails, naming
 * it and both shapes, unless `skipMismatch`. Optimizer state and the step are not read: training
 * starts afresh from these weights.
 */
export async function initFromWeights(session: Session, path: string, opts: { skipMismatch?: boolean } = {}): Promise<InitReport> {
  const { tensors } = await loadSafetensors(path);
  const report: InitReport = { loaded: [], missing: [], mismatched: [], unused: [] };
  const used = new Set<string>();
  const writes: [string, Float32Array][] = [];
  for (const s of session.weightSlots) {
    const hit = tensorByName(tensors, s.name, session.manifest.renamedLayers);
    if (!hit) { report.missing.push(s.name); continue; }
    used.add(hit.as);
    const t = hit.tensor;
    if (t.dtype !== 'F32' || !(t.data instanceof Float32Array)) throw new SessionError(`${path}: '${printable(hit.as)}' is ${t.dtype}, expected F32`);
    if (t.shape.join() !== s.shape.join()) {
      if (!opts.skipMismatch) throw new SessionError(`${path}: '${printable(hit.as)}' has shape [${t.shape.join(', ')}], the model's '${s.name}' has shape [${s.shape.join(', ')}]; set skip_mismatch = true in the train section to leave it at its initial value`);
      report.mismatched.push({ name: s.name, file: t.shape, model: s.shape });
      continue;
    }
    writes.push([s.name, t.data]);
    report.loaded.push(s.name);
  }
  for (const name of tensors.keys()) if (!used.has(name)) report.unused.push(name);
  for (const [name, data] of writes) session.write(name, data);
  return report;
}
