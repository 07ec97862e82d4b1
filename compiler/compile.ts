// The compiler driver: parse → lower → autodiff → optimizer → programs → plan → codegen → artifact.
import { parse } from '../dsl/index.ts';
import type { Diagnostic } from '../dsl/diagnostics.ts';
import type { Artifact, ClipSpec, TrainSpec } from './artifact.ts';
import { artifactFromGraph } from './assemble.ts';
import { generateKernels } from './passes/codegen.ts';
import type { Graph } from './ir/graph.ts';
import { verifyGraph } from './ir/verify.ts';
import type { ValueId } from './ir/types.ts';
import { lower, type Lowered } from './lower/index.ts';
import type { SummaryRow } from './lower/scope.ts';
import { addMetricSums, addOptimizer } from './passes/optimizer.ts';
import { autodiff } from './passes/autodiff.ts';
import { foldConstants } from './passes/constants.ts';
import { fuse, type FuseOptions } from './passes/fuse.ts';
import { fuseLossHead } from './passes/loss-head.ts';
import { planMemory, type MemoryPlan, type PlanOptions } from './passes/plan.ts';
import { assemblePrograms } from './programs.ts';

export interface CompileOptions {
  /** File name used in diagnostics. */
  file?: string;
  /** Which model to compile when the file has several. */
  model?: string;
  /** Overrides the train section's batch size. */
  batch?: number;
  /** Kernel fusion (on by default); `false` or per-kind switches, for benchmarks and tests. */
  fuse?: FuseOptions | false;
  /** Memory planning switches (arenas, buffer reuse), for benchmarks and tests. */
  plan?: PlanOptions;
  /** Gradient clipping, overriding the train section's (the CLI's --clip-norm / --clip-value). */
  clip?: ClipSpec;
}

export interface CompileResult {
  ok: boolean;
  diagnostics: Diagnostic[];
  artifact?: Artifact;
  graph?: Graph;
  summary?: SummaryRow[];
  lowered?: Lowered;
}

/** FNV-1a of the source, so an artifact says which text it came from. */
export function sourceHash(src: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < src.length; i++) h = Math.imul(h ^ src.charCodeAt(i), 16777619) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** Compiles dlc source text. User errors come back as diagnostics; nothing is thrown for them. */
export function compile(source: string, opts: CompileOptions = {}): CompileResult {
  const file = opts.file ?? 'net.dl';
  const parsed = parse(source, file);
  if (!parsed.program || parsed.diagnostics.length) return { ok: false, diagnostics: parsed.diagnostics };
  const { lowered, diagnostics } = lower(parsed.program, opts);
  if (!lowered) return { ok: false, diagnostics };
  const g = lowered.graph;
  const trainOutputs: { name: string; value: ValueId }[] = [];
  let metricSlots: { lossSum: ValueId; correctSum?: ValueId } | undefined;
  if (lowered.trainLoss) {
    const { loss, values } = lowered.trainLoss;
    const grads = autodiff(g, loss);
    addOptimizer(g, lowered.train.optimizer, grads, opts.clip ?? lowered.train.clip);
    metricSlots = addMetricSums(g, loss, values.correct);
    trainOutputs.push({ name: 'loss', value: loss });
  }
  const evalOutputs = [...lowered.outputs];
  if (lowered.evalLoss) {
    evalOutputs.push({ name: 'loss_rows', value: lowered.evalLoss.rows });
    if (lowered.evalLoss.correct !== undefined) evalOutputs.push({ name: 'correct_rows', value: lowered.evalLoss.correct });
  }
  assemblePrograms(g, { trainOutputs, evalOutputs, forwardOutputs: lowered.outputs });
  verifyGraph(g);
  if (opts.fuse !== false) {
    const f = opts.fuse ?? {};
    foldConstants(g);
    if (metricSlots && f.lossHead !== false) fuseLossHead(g, metricSlots);
    fuse(g, f);
    verifyGraph(g);
  }
  const plan = planMemory(g, ['train_step', 'eval'], opts.plan ?? {});
  const code = generateKernels(g, plan);
  const artifact = buildArtifact(source, lowered, plan, code, metricSlots, opts.clip ?? lowered.train.clip);
  return { ok: true, diagnostics: [], artifact, graph: g, summary: lowered.summary, lowered };
}

function buildArtifact(
  source: string,
  lowered: Lowered,
  plan: MemoryPlan,
  code: ReturnType<typeof generateKernels>,
  metricSlots: { lossSum: ValueId; correctSum?: ValueId } | undefined,
  clip: ClipSpec | undefined,
): Artifact {
  const t = lowered.train;
  const train: TrainSpec = {
    loss: lowered.hasTrain && lowered.trainLoss ? t.loss!.kind : '',
    optimizer: t.optimizer,
    batch: t.batch,
    epochs: t.epochs,
    metrics: t.metrics,
    seed: t.seed,
    shuffle: t.shuffle,
    ...(t.loss?.fromLogits ? { fromLogits: true } : {}),
    ...(t.schedule ? { schedule: t.schedule } : {}),
    ...(clip ? { clip } : {}),
    ...(t.earlyStopping ? { earlyStopping: t.earlyStopping } : {}),
    label: lowered.trainLoss?.values.label ?? '',
    prediction: lowered.trainLoss?.values.prediction ?? '',
  };
  return artifactFromGraph(lowered.graph, plan, code, { model: lowered.model.name, sourceHash: sourceHash(source), train, metricSlots });
}
