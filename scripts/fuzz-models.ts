// The file fuzzers' starting points: every sample compiled once (kept in memory), with valid
// weights and a valid training checkpoint for it, and the folder layout `dlc compile` writes.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PRUNE_OWNER, type Artifact, type Manifest } from '../compiler/artifact.ts';
import { compile } from '../compiler/compile.ts';
import { initialTensors } from '../runtime/init.ts';
import { encodeSafetensors } from '../runtime/safetensors.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A compiled sample with files a run of it needs. */
export interface SampleModel {
  /** The sample's file name without .dl, e.g. "blobs". */
  name: string;
  artifact: Artifact;
  /** weights.safetensors as `dlc train` writes it (initial values). */
  weights: Uint8Array;
  /** checkpoint.safetensors after epoch 1 (for train --resume). */
  checkpoint: Uint8Array;
}

const compiled = new Map<string, SampleModel>();

/**
 * The samples in samples/ (all, or those named), each compiled once per process, in name order.
 * @throws Error naming a sample that does not exist
 */
export function sampleModels(names?: string[]): SampleModel[] {
  const all = readdirSync(join(ROOT, 'samples')).filter((f) => f.endsWith('.dl')).sort().map((f) => f.slice(0, -3));
  const unknown = (names ?? []).filter((n) => !all.includes(n));
  if (unknown.length) throw new Error(`no sample named ${unknown.join(', ')} (samples: ${all.join(', ')})`);
  return all.filter((n) => !names || names.includes(n)).map((name) => {
    let m = compiled.get(name);
    if (!m) {
      const r = compile(readFileSync(join(ROOT, 'samples', `${name}.dl`), 'utf8'), { file: `samples/${name}.dl` });
      if (!r.ok) throw new Error(`sample ${name}.dl does not compile: ${r.diagnostics.map((d) => d.message).join('; ')}`);
      m = { name, artifact: r.artifact!, ...weightFiles(r.artifact!.manifest) };
      compiled.set(name, m);
    }
    return m;
  });
}

/** The weights and checkpoint files of `m`, from its initial values, as the trainer would write them. */
function weightFiles(m: Manifest): { weights: Uint8Array; checkpoint: Uint8Array } {
  const layer = m.state.filter((s) => s.owner === 'layer');
  // A checkpoint holds the optimizer's state and, for a pruned model, the pruning masks (all ones at the start).
  const optimizer = m.state.filter((s) => s.owner === 'optimizer' || s.owner === PRUNE_OWNER);
  const values = new Map([...initialTensors(m.params, m.train.seed), ...initialTensors([...layer, ...optimizer], 0)]);
  const tensors = (slots: { name: string; shape: number[] }[]) => slots.map((s) => ({ name: s.name, dtype: 'F32' as const, shape: s.shape, data: values.get(s.name)! }));
  const meta = { model: m.model, source_hash: m.sourceHash };
  return {
    weights: encodeSafetensors(tensors([...m.params, ...layer]), { ...meta, step: '0' }),
    checkpoint: encodeSafetensors(tensors([...m.params, ...layer, ...optimizer]), { ...meta, kind: 'checkpoint', epoch: '1', step: '1', seed: String(m.train.seed) }),
  };
}

/** Writes `a` as `dlc compile` lays it out: manifest.json and kernels/*.wgsl. */
export function writeArtifactFolder(dir: string, a: { manifestText: string; shaders: Record<string, string | Uint8Array> }): void {
  mkdirSync(join(dir, 'kernels'), { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), a.manifestText);
  for (const [file, text] of Object.entries(a.shaders)) writeFileSync(join(dir, 'kernels', file), text);
}

/** Features per sample of the model's non-label input, and what its label input takes. */
export function inputsOf(m: Manifest): { feature: Manifest['inputs'][number]; target: Manifest['inputs'][number]; perSample: number; perLabel: number } {
  const target = m.inputs.find((i) => i.name === m.train.label)!;
  const feature = m.inputs.find((i) => i !== target)!;
  const size = (shape: number[]) => shape.slice(1).reduce((a, b) => a * b, 1);
  return { feature, target, perSample: size(feature.shape), perLabel: target.classes !== undefined ? 1 : size(target.shape) };
}
