// The compiler's passes, in order, each named and each printing the IR it leaves: what compile()
// runs, what `dlc compile --dump-ir [PASS]` prints, and where snapshots of the graph are taken.
import type { Program } from '../dsl/ast.ts';
import type { Diagnostic } from '../dsl/diagnostics.ts';
import type { Artifact, ClipSpec } from './artifact.ts';
import { artifactFromGraph, type ArtifactMeta } from './assemble.ts';
import type { Graph } from './ir/graph.ts';
import type { KernelTarget } from './ir/kernel-spec.ts';
import { printGraph } from './ir/print.ts';
import type { ValueId } from './ir/types.ts';
import { verifyGraph } from './ir/verify.ts';
import { lower, type Lowered } from './lower/index.ts';
import { autodiff } from './passes/autodiff.ts';
import { generateKernels, printKernels, type Codegen } from './passes/codegen.ts';
import { foldConstants } from './passes/constants.ts';
import { fuse, type FuseOptions } from './passes/fuse.ts';
import { fuseLossHead, type MetricSlots } from './passes/loss-head.ts';
import { addMetricSums, addOptimizer } from './passes/optimizer.ts';
import { planMemory, printPlan, type MemoryPlan, type PlanOptions } from './passes/plan.ts';
import { assemblePrograms } from './programs.ts';

/** What the passes read and write as they run. */
export interface PipelineState {
  /** The parsed program (lower's input). */
  program?: Program;
  graph?: Graph;
  lowered?: Lowered;
  grads?: Map<ValueId, ValueId>;
  metricSlots?: MetricSlots;
  plan?: MemoryPlan;
  code?: Codegen;
}

/** The switches the passes read (see CompileOptions). */
export interface PassOptions {
  model?: string;
  batch?: number;
  fuse?: FuseOptions | false;
  plan?: PlanOptions;
  clip?: ClipSpec;
  /** The adapters kernels are tuned for (default 'cpu'; see KernelTarget). */
  target?: KernelTarget;
}

interface Pass {
  name: string;
  doc: string;
  /** Whether the pass runs with these options (default: always). */
  enabled?: (opts: PassOptions, s: PipelineState) => boolean;
  /** Runs the pass; returns diagnostics when the program cannot go on (only lowering does). */
  run: (s: PipelineState, opts: PassOptions) => Diagnostic[] | void;
  /** The IR after the pass, as text. */
  print: (s: PipelineState) => string;
  /** The pass rewrites the graph: the verifier runs after it. */
  rewritesGraph: boolean;
}

const graphOf = (s: PipelineState): Graph => {
  if (!s.graph) throw new Error('internal error: a pass ran before lowering');
  return s.graph;
};
const fusing = (o: PassOptions): FuseOptions | undefined => (o.fuse === false ? undefined : o.fuse ?? {});
const printIr = (s: PipelineState): string => printGraph(graphOf(s));

export const PASSES = [
  {
    name: 'lower', doc: 'AST → IR: the training forward pass and loss, the eval forward pass and loss', rewritesGraph: true,
    run: (s, o) => {
      const { lowered, diagnostics } = lower(s.program!, o);
      if (!lowered) return diagnostics;
      s.lowered = lowered;
      s.graph = lowered.graph;
    },
    print: printIr,
  },
  {
    name: 'autodiff', doc: 'reverse mode from the training loss: the gradient of every parameter', rewritesGraph: true,
    enabled: (_o, s) => s.lowered?.trainLoss !== undefined,
    run: (s) => { s.grads = autodiff(graphOf(s), s.lowered!.trainLoss!.loss); },
    print: printIr,
  },
  {
    name: 'optimizer', doc: 'the in-place update of every parameter, clipping, pruning masks, and the epoch sums of loss and accuracy', rewritesGraph: true,
    enabled: (_o, s) => s.lowered?.trainLoss !== undefined,
    run: (s, o) => {
      const { lowered } = s;
      const g = graphOf(s);
      addOptimizer(g, lowered!.train.optimizer, s.grads!, o.clip ?? lowered!.train.clip, lowered!.train.prune !== undefined);
      s.metricSlots = addMetricSums(g, lowered!.trainLoss!.loss, lowered!.trainLoss!.values.correct);
    },
    print: printIr,
  },
  {
    name: 'programs', doc: 'the programs train_step, eval and forward: the live nodes each runs, and what it returns', rewritesGraph: true,
    run: (s) => {
      const l = s.lowered!;
      const trainOutputs = l.trainLoss ? [{ name: 'loss', value: l.trainLoss.loss }] : [];
      const evalOutputs = [...l.outputs];
      if (l.evalLoss) {
        evalOutputs.push({ name: 'loss_rows', value: l.evalLoss.rows });
        if (l.evalLoss.correct !== undefined) evalOutputs.push({ name: 'correct_rows', value: l.evalLoss.correct });
      }
      assemblePrograms(graphOf(s), { trainOutputs, evalOutputs, forwardOutputs: l.outputs });
    },
    print: printIr,
  },
  {
    name: 'constants', doc: 'data-independent values folded at compile time (the seed gradient and what follows from it)', rewritesGraph: true,
    enabled: (o) => fusing(o) !== undefined,
    run: (s) => foldConstants(graphOf(s)),
    print: printIr,
  },
  {
    name: 'loss-head', doc: 'softmax cross-entropy, its gradient and the epoch sums in one kernel', rewritesGraph: true,
    enabled: (o, s) => fusing(o) !== undefined && fusing(o)!.lossHead !== false && s.metricSlots !== undefined,
    run: (s) => { fuseLossHead(graphOf(s), s.metricSlots!); },
    print: printIr,
  },
  {
    name: 'fuse', doc: 'element-wise chains into one kernel, element-wise consumers into the epilogue of the kernel that feeds them', rewritesGraph: true,
    enabled: (o) => fusing(o) !== undefined,
    run: (s, o) => fuse(graphOf(s), fusing(o)),
    print: printIr,
  },
  {
    name: 'plan', doc: 'buffers: arenas for parameters, gradients and optimizer state; reuse by liveness', rewritesGraph: false,
    run: (s, o) => { s.plan = planMemory(graphOf(s), ['train_step', 'eval'], o.plan ?? {}); },
    print: (s) => printPlan(graphOf(s), s.plan!),
  },
  {
    name: 'codegen', doc: 'one kernel per node (a KernelSpec rendered to WGSL), bound to the plan\'s buffers', rewritesGraph: false,
    run: (s, o) => { s.code = generateKernels(graphOf(s), s.plan!, o.target); },
    print: (s) => printKernels(s.code!),
  },
] as const satisfies readonly Pass[];

export type PassName = (typeof PASSES)[number]['name'];
export const PASS_NAMES: readonly PassName[] = PASSES.map((p) => p.name);

export interface PipelineRun {
  /** A pass stopped the pipeline (lowering found errors in the program): its diagnostics. */
  stopped: boolean;
  diagnostics: Diagnostic[];
  /** The IR after each pass asked for, in pass order. */
  dumps: { pass: PassName; text: string }[];
  /** Copies of the graph after the passes asked for (the graph itself goes on changing). */
  snapshots: Partial<Record<PassName, Graph>>;
}

export interface RunOptions {
  /** The first pass to run (compileGraph starts at the plan), and the last. */
  from?: PassName;
  until?: PassName;
  /** Print the IR after every pass, or after one. */
  dump?: PassName | 'all';
  /** Keep a copy of the graph after these passes. */
  snapshot?: readonly PassName[];
}

/** Runs the enabled passes in order, checking the graph after each one that rewrites it. */
export function runPipeline(s: PipelineState, opts: PassOptions, run: RunOptions = {}): PipelineRun {
  const out: PipelineRun = { stopped: false, diagnostics: [], dumps: [], snapshots: {} };
  const start = run.from ? PASS_NAMES.indexOf(run.from) : 0;
  const end = run.until ? PASS_NAMES.indexOf(run.until) + 1 : PASSES.length;
  for (const pass of (PASSES as readonly Pass[]).slice(start, end)) {
    const name = pass.name as PassName;
    if (pass.enabled && !pass.enabled(opts, s)) continue;
    const diagnostics = pass.run(s, opts);
    if (diagnostics) return { ...out, stopped: true, diagnostics };
    if (pass.rewritesGraph) verifyGraph(graphOf(s));
    if (run.dump === 'all' || run.dump === name) out.dumps.push({ pass: name, text: pass.print(s) });
    if (run.snapshot?.includes(name)) out.snapshots[name] = graphOf(s).snapshot();
  }
  return out;
}

/** Dumps as one text: each under a `# ---- after PASS ----` line, ending with a newline. */
export function formatDumps(dumps: readonly { pass: PassName; text: string }[]): string {
  return dumps.map((d) => `# ---- after ${d.pass} ----\n${d.text}\n`).join('');
}

/** Plans memory and generates kernels for a graph whose programs are assembled, then writes the manifest. */
export function compileGraph(g: Graph, meta: ArtifactMeta, opts: Pick<PassOptions, 'target'> = {}): Artifact {
  const s: PipelineState = { graph: g };
  runPipeline(s, opts, { from: 'plan' });
  return artifactFromGraph(g, s.plan!, s.code!, meta);
}
