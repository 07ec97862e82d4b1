// The manifest of a compiled graph: its inputs, parameters, state, buffers, kernels and programs.
import { InternalError } from '../dsl/diagnostics.ts';
import { ARTIFACT_FORMAT, ARTIFACT_VERSION, type Artifact, type Manifest, type ProgramSpec, type TensorSlot, type TrainSpec } from './artifact.ts';
import type { Codegen } from './passes/codegen.ts';
import type { Graph } from './ir/graph.ts';
import type { ProgramName, ValueId } from './ir/types.ts';
import { METRIC_SUMS, type MetricSlots } from './passes/optimizer.ts';
import type { MemoryPlan } from './passes/plan.ts';
import { sha256Hex } from './sha256.ts';
import { memoryStats } from './stats.ts';

export interface ArtifactMeta {
  model: string;
  sourceHash: string;
  train: TrainSpec;
  metricSlots?: MetricSlots | undefined;
  /** Stable layer name → the positional name older compilers gave it (see Manifest.renamedLayers). */
  renamedLayers?: Record<string, string>;
}

export function artifactFromGraph(g: Graph, plan: MemoryPlan, code: Codegen, meta: ArtifactMeta): Artifact {
  const slot = (name: string, v: ValueId): TensorSlot => {
    const buffer = plan.bufferOf.get(v);
    if (buffer === undefined) throw new InternalError(`value ${name} has no buffer`);
    const offset = plan.offsetOf.get(v);
    return { name, dtype: g.value(v).dtype, shape: [...g.value(v).shape], buffer, ...(offset ? { offset } : {}) };
  };
  const program = (p: ProgramName): ProgramSpec => {
    const used = new Set(g.programs[p].nodes.flatMap((id) => g.nodes[id]!.inputs));
    return {
      kernels: code.programs[p],
      inputs: g.inputs.filter((i) => used.has(i.value)).map((i) => i.name),
      outputs: g.programs[p].outputs.map((o) => slot(o.name, o.value)),
    };
  };
  const train: TrainSpec = { ...meta.train };
  for (const [key, row] of Object.entries(METRIC_SUMS) as [keyof typeof METRIC_SUMS, { state: string }][]) {
    const v = meta.metricSlots?.[key];
    if (v !== undefined) train[key] = slot(row.state, v);
  }
  const manifest: Manifest = {
    format: ARTIFACT_FORMAT,
    version: ARTIFACT_VERSION,
    model: meta.model,
    sourceHash: meta.sourceHash,
    batch: meta.train.batch,
    inputs: g.inputs.map((i) => ({ ...slot(i.name, i.value), ...(i.classes !== undefined ? { classes: i.classes } : {}), ...(i.vocab !== undefined ? { vocab: i.vocab } : {}) })),
    params: g.params.map((p) => ({ ...slot(g.value(p.value).name, p.value), init: p.init, layer: p.layer, ...(p.frozen ? { frozen: true } : {}) })),
    state: g.state.map((s) => ({ ...slot(g.value(s.value).name, s.value), init: s.init, owner: s.owner })),
    buffers: code.paramsBuffer ? [...plan.buffers, code.paramsBuffer] : plan.buffers,
    stepParamsBuffer: plan.stepParamsBuffer,
    ...(code.paramsBuffer ? { dispatchParamsBuffer: code.paramsBuffer.id } : {}),
    kernels: code.kernels,
    kernelSha256: Object.fromEntries(Object.entries(code.shaders).map(([file, wgsl]) => [file, sha256Hex(wgsl)])),
    programs: { train_step: program('train_step'), eval: program('eval'), forward: program('forward') },
    train,
    ...(meta.renamedLayers && Object.keys(meta.renamedLayers).length ? { renamedLayers: meta.renamedLayers } : {}),
    stats: {
      dispatches: Object.fromEntries(Object.entries(code.programs).map(([k, v]) => [k, v.length])),
      bufferBytes: plan.buffers.reduce((s, b) => s + b.size, 0) + (code.paramsBuffer?.size ?? 0),
      memory: memoryStats(g, plan),
    },
  };
  return { manifest, shaders: code.shaders };
}
