// The compiler's entry point: parse, run the passes (pipeline.ts), write the artifact.
import { groupDigits } from '../dsl/group-digits.ts';
import { parse } from '../dsl/index.ts';
import type { Diagnostic, Span } from '../dsl/diagnostics.ts';
import { withoutBom } from '../dsl/source.ts';
import type { Artifact, ClipSpec, TrainSpec } from './artifact.ts';
import { artifactFromGraph } from './assemble.ts';
import { DEVICE_FLOOR, MAX_STORAGE_BUFFERS, MAX_WORKGROUPS_PER_DIM, type KernelTarget } from './ir/kernel-spec.ts';
import type { Graph } from './ir/graph.ts';
import type { Lowered } from './lower/index.ts';
import type { SummaryRow } from './lower/scope.ts';
import type { FuseOptions } from './passes/fuse.ts';
import type { MetricSlots } from './passes/loss-head.ts';
import type { PlanOptions } from './passes/plan.ts';
import type { Codegen } from './passes/codegen.ts';
import type { MemoryPlan } from './passes/plan.ts';
import { prunedTensors } from './passes/prune-masks.ts';
import { runPipeline, type PassName, type PipelineRun, type PipelineState } from './pipeline.ts';

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
  /** The adapters kernels are tuned for: 'cpu' (default: software adapters), 'gpu', 'swiftshader' or 'llvmpipe' (see KernelTarget). */
  target?: KernelTarget;
  /** Gradient clipping, overriding the train section's (the CLI's --clip-norm / --clip-value). */
  clip?: ClipSpec;
  /** The IR as text after every pass, or after one (`dlc compile --dump-ir [PASS]`). */
  dumpIr?: PassName | 'all';
  /** Copies of the graph to keep, by the pass after which they are taken (default: 'programs'). */
  snapshots?: readonly PassName[];
}

export interface CompileResult {
  ok: boolean;
  diagnostics: Diagnostic[];
  artifact?: Artifact;
  graph?: Graph;
  /** The memory plan of the graph's values (what dlc export builds its kernels on). */
  plan?: MemoryPlan;
  summary?: SummaryRow[];
  lowered?: Lowered;
  /** The IR after the passes `dumpIr` asked for. */
  dumps?: PipelineRun['dumps'];
  /**
   * The graph after named passes, unchanged by later ones. 'programs' (kept by default) is the
   * graph before any optimisation: the layers as written, which `dlc viz` draws.
   */
  snapshots?: PipelineRun['snapshots'];
}

/** FNV-1a of the source, so an artifact says which text it came from. */
export function sourceHash(src: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < src.length; i++) h = Math.imul(h ^ src.charCodeAt(i), 16777619) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** Compiles dlc source text. User errors come back as diagnostics; nothing is thrown for them. */
export function compile(fileText: string, opts: CompileOptions = {}): CompileResult {
  const file = opts.file ?? 'net.dl';
  // A leading byte-order mark is not part of the program: the artifact (and its source hash) is the same without it.
  const source = withoutBom(fileText);
  const parsed = parse(source, file);
  if (!parsed.program || parsed.diagnostics.length) return { ok: false, diagnostics: parsed.diagnostics };
  const s: PipelineState = { program: parsed.program };
  const run = runPipeline(s, opts, { ...(opts.dumpIr ? { dump: opts.dumpIr } : {}), snapshot: opts.snapshots ?? ['programs'] });
  if (run.stopped) return { ok: false, diagnostics: run.diagnostics };
  const lowered = s.lowered!;
  const tooWide = limitDiagnostics(lowered.graph, s.code!, lowered.model.nameSpan);
  if (tooWide.length) return { ok: false, diagnostics: tooWide };
  const artifact = buildArtifact(source, lowered, s.plan!, s.code!, s.metricSlots, opts.clip ?? lowered.train.clip);
  return { ok: true, diagnostics: [], artifact, graph: lowered.graph, plan: s.plan!, summary: lowered.summary, lowered, dumps: run.dumps, snapshots: run.snapshots };
}

/**
 * A diagnostic at the source of each kernel that a device with the floor's limits (DEVICE_FLOOR)
 * would refuse: a grid wider than devices dispatch, or more storage bindings or invocations per
 * workgroup than they allow (fusion and the ops keep within those, so these are compiler bugs caught
 * here, not at Session.create). What
 * compiles must load. One per source position.
 */
export function limitDiagnostics(g: Graph, code: Pick<Codegen, 'kernels' | 'shaders'>, fallback: Span): Diagnostic[] {
  const spans = new Map<string, Span>();
  const out = new Map<string, Diagnostic>();
  const report = (k: Codegen['kernels'][number], message: string): void => {
    if (spans.size === 0) for (const n of g.nodes) if (n.span) spans.set(`${n.span.file}:${n.span.line}:${n.span.col}`, n.span);
    const span = (k.origin !== undefined ? spans.get(k.origin) : undefined) ?? fallback;
    if (!out.has(`${span.start}`)) out.set(`${span.start}`, { code: 'E-LIMIT', message, span });
  };
  for (const k of code.kernels) {
    const most = k.workgroups.reduce((a, b) => Math.max(a, b), 0);
    if (most > MAX_WORKGROUPS_PER_DIM) {
      report(k, `kernel '${k.name}' needs ${groupDigits(most)} workgroups along one axis, more than devices allow (${groupDigits(MAX_WORKGROUPS_PER_DIM)}); a smaller batch or layer fits`);
    }
    const storage = k.bindings.filter((b) => b.access !== 'uniform').length;
    if (storage > MAX_STORAGE_BUFFERS) {
      const name = k.name.length > 80 ? `${k.name.slice(0, 40)}…${k.name.slice(-30)}` : k.name;
      report(k, `kernel '${name}' binds ${storage} storage buffers, more than every device allows (${MAX_STORAGE_BUFFERS}, maxStorageBuffersPerShaderStage); this is a compiler bug: please report it with the program`);
    }
    const size = /@workgroup_size\(([^)]*)\)/.exec(code.shaders[k.shader] ?? '')?.[1];
    const invocations = size ? size.split(',').reduce((a, d) => a * Number(d.trim()), 1) : 0;
    if (invocations > DEVICE_FLOOR.maxComputeInvocationsPerWorkgroup) {
      report(k, `kernel '${k.name}' runs ${invocations} invocations per workgroup, more than every device allows (${DEVICE_FLOOR.maxComputeInvocationsPerWorkgroup}, maxComputeInvocationsPerWorkgroup); this is a compiler bug: please report it with the program`);
    }
  }
  return [...out.values()];
}


function buildArtifact(source: string, lowered: Lowered, plan: MemoryPlan, code: Codegen, metricSlots: MetricSlots | undefined, clip: ClipSpec | undefined): Artifact {
  const t = lowered.train;
  const train: TrainSpec = {
    loss: lowered.hasTrain && lowered.trainLoss ? t.loss!.kind : '',
    optimizer: t.optimizer,
    batch: t.batch,
    epochs: t.epochs,
    metrics: t.metrics,
    seed: t.seed,
    shuffle: t.shuffle,
    ...(t.dropLast ? { dropLast: true } : {}),
    ...(t.loss?.fromLogits ? { fromLogits: true } : {}),
    ...(t.loss?.labelSmoothing ? { labelSmoothing: t.loss.labelSmoothing } : {}),
    ...(t.loss?.delta !== undefined ? { delta: t.loss.delta } : {}),
    ...(t.loss?.sampleWeight ? { sampleWeight: t.loss.sampleWeight.name } : {}),
    ...(t.classWeight ? { classWeight: t.classWeight.weights } : {}),
    ...(t.lossTerms ? { lossTerms: t.lossTerms.map(({ weight, loss: l }) => ({
      weight, loss: l.kind, prediction: l.pred.name, label: l.target.name,
      ...(l.fromLogits ? { fromLogits: true } : {}), ...(l.labelSmoothing ? { labelSmoothing: l.labelSmoothing } : {}),
      ...(l.delta !== undefined ? { delta: l.delta } : {}), ...(l.sampleWeight ? { sampleWeight: l.sampleWeight.name } : {}),
    })) } : {}),
    ...(t.schedule ? { schedule: t.schedule } : {}),
    ...(clip ? { clip } : {}),
    ...(t.earlyStopping ? { earlyStopping: t.earlyStopping } : {}),
    ...(t.tokenizer ? { tokenizer: { level: t.tokenizer.level, minCount: t.tokenizer.minCount } } : {}),
    ...(t.prune && lowered.trainLoss ? { prune: { ...t.prune, tensors: prunedTensors(lowered.graph) } } : {}),
    label: lowered.trainLoss?.values.label ?? '',
    prediction: lowered.trainLoss?.values.prediction ?? '',
    ...(t.transfer.initFrom ? { initFrom: { path: t.transfer.initFrom.path, line: t.transfer.initFrom.span.line } } : {}),
    ...(t.transfer.skipMismatch ? { skipMismatch: true } : {}),
  };
  const renamedLayers = Object.fromEntries(lowered.renamed);
  return artifactFromGraph(lowered.graph, plan, code, { model: lowered.model.name, sourceHash: sourceHash(source), train, metricSlots, renamedLayers });
}
