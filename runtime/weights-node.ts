// Saving and loading a session's weights as safetensors files (Node), shapes checked against the model.
import { loadSafetensors, saveSafetensors } from './checkpoint-node.ts';
import { SessionError, type Session } from './session.ts';

/** Writes every parameter to `path` (atomically), with the model name and step as metadata. */
export async function saveWeights(session: Session, path: string, metadata: Record<string, string> = {}): Promise<void> {
  const m = session.manifest;
  const w = await session.weights();
  await saveSafetensors(path, session.weightSlots.map((p) => ({ name: p.name, dtype: 'F32' as const, shape: p.shape, data: w.get(p.name)! })), {
    model: m.model, source_hash: m.sourceHash, step: String(session.step), ...metadata,
  });
}

/** Loads parameters from `path` into the session; every name, dtype and shape must match the model. */
export async function loadWeights(session: Session, path: string): Promise<Record<string, string>> {
  const { tensors, metadata } = await loadSafetensors(path);
  const weights = new Map<string, Float32Array | Int32Array>();
  for (const p of session.weightSlots) {
    const t = tensors.get(p.name);
    if (!t) continue;
    if (t.dtype !== 'F32') throw new SessionError(`${path}: '${p.name}' is ${t.dtype}, expected F32`);
    if (t.shape.join() !== p.shape.join()) throw new SessionError(`${path}: '${p.name}' has shape [${t.shape.join(', ')}], the model expects [${p.shape.join(', ')}]`);
    weights.set(p.name, t.data);
  }
  session.setWeights(weights, path);
  return metadata;
}
