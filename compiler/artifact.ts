// The compiled artifact: manifest.json plus WGSL kernel texts. The runtime reads only this.
import type { DType } from './ir/dtype.ts';
import type { OptimizerName } from './ir/ops/optimizers.ts';
import type { Initializer, ProgramName } from './ir/types.ts';

export type { DType, Initializer };

export const ARTIFACT_FORMAT = 'dlc-artifact';

/** 3: kernelSha256 added (older artifacts cannot be verified and are refused: recompile them). */
export const ARTIFACT_VERSION = 3;

/** Bytes of the per-step uniform block: lr (f32), step (u32, 1-based), seed (u32), pad (u32). */
export const STEP_PARAMS_BYTES = 16;

/** Bytes of one kernel's per-dispatch uniform block: four u32 values (KernelEntry.params), bound at its slot. */
export const DISPATCH_PARAMS_BYTES = 16;
/** Bytes between two kernels' slots in the dispatch-parameter buffer (WebGPU's minUniformBufferOffsetAlignment default). */
export const DISPATCH_SLOT_BYTES = 256;

/**
 * The ranges of the train settings a manifest may hold. The runtime refuses a manifest outside them
 * (runtime/manifest-check.ts) and the compiler refuses a train section outside them, so a program
 * that compiles has a manifest that loads. The seed reaches kernels as a u32.
 */
export const TRAIN_SETTING_RANGES = {
  batch: { min: 1, max: 2 ** 24 },
  epochs: { min: 0, max: Number.MAX_SAFE_INTEGER },
  seed: { min: 0, max: 2 ** 32 - 1 },
} as const;

/** A GPU buffer the runtime creates once; sizes in bytes, a multiple of 4 and never 0. */
export interface BufferSpec {
  id: number;
  size: number;
  /** What lives in it, for debugging and memory reports. */
  label: string;
  /** 'uniform' only for the step-parameter block and the dispatch-parameter buffer. */
  kind: 'storage' | 'uniform';
  /**
   * Arenas hold every parameter (or every gradient, or one optimizer state of every parameter) at
   * the same 256-byte-aligned offsets, so one kernel can update them all.
   */
  arena?: 'params' | 'grads' | 'optimizer_state';
}

export interface TensorSlot {
  name: string;
  dtype: DType;
  /** Full shape including the batch dimension where there is one. */
  shape: number[];
  buffer: number;
  /** Byte offset in the buffer (arenas); absent means 0. */
  offset?: number;
}

/**
 * A model input; class-label inputs (i32, [batch]) say how many classes they have, token inputs (i32,
 * [batch, T]) how many ids their vocabulary has (ids 0 to vocab − 1; 0 pads, 1 is out of vocabulary).
 */
export interface InputSpec extends TensorSlot {
  classes?: number;
  vocab?: number;
}

export interface ParamSpec extends TensorSlot {
  init: Initializer;
  /** The layer it belongs to, e.g. "dense_1". */
  layer: string;
  /** Frozen (freeze list or trainable: false): the train step neither differentiates nor updates it. */
  frozen?: boolean;
}

export interface StateSpec extends TensorSlot {
  init: Initializer;
  /** e.g. "optimizer" or "metric". */
  owner: string;
}

export interface BindingSpec {
  binding: number;
  buffer: number;
  access: 'read' | 'read_write' | 'uniform';
  /** A sub-range of the buffer in bytes (offset a multiple of 256); absent means the whole buffer. */
  offset?: number;
  size?: number;
}

/** A kernel of the manifest: its shader file, buffer bindings and dispatch size. */
export interface KernelEntry {
  name: string;
  /** Key into Artifact.shaders (file name under kernels/). */
  shader: string;
  bindings: BindingSpec[];
  workgroups: [number, number, number];
  /** The source line of net.dl this kernel came from, for error reports. */
  origin?: string;
  /**
   * u32 values the runtime writes once into this kernel's slot of the dispatch-parameter buffer (the
   * binding to `dispatchParamsBuffer`); kernels that differ only in them share one shader.
   */
  params?: number[];
}

export interface ProgramSpec {
  /** Indices into Artifact.kernels, in dispatch order. */
  kernels: number[];
  /** Input names the program reads. */
  inputs: string[];
  /** Values the caller may read back after the program ran. */
  outputs: TensorSlot[];
}

export interface OptimizerSpec {
  /** A row of the optimizer table (compiler/ir/ops/optimizers.ts). */
  kind: OptimizerName;
  lr: number;
  hyper: Record<string, number | boolean>;
}

/**
 * Learning rate over training (host side: the runtime writes each step's rate into the step
 * uniform). t = epochs done, fractional within an epoch. step: lr·factor^⌊t/every⌋; exponential:
 * lr·rate^t; cosine: min + (lr − min)(1 + cos(πt/epochs))/2; reduce_on_plateau: lr·factor each time
 * the monitored loss has not improved by min_delta for `patience` epochs, not below min. warmup:
 * the first `warmup` epochs ramp linearly up to the schedule, step by step.
 */
export interface ScheduleSpec {
  kind: 'constant' | 'step' | 'exponential' | 'cosine' | 'reduce_on_plateau';
  every?: number;
  factor?: number;
  rate?: number;
  min?: number;
  warmup?: number;
  patience?: number;
  minDelta?: number;
  monitor?: 'loss' | 'val_loss';
}

/**
 * Each schedule's arguments when a train section leaves them out (Keras / PyTorch defaults where they
 * have one), stated once: the train section fills them in, and the runtime falls back to them for a
 * schedule without them (`dlc train --schedule NAME`). No schedule warms up unless asked (warmup 0).
 */
export const SCHEDULE_DEFAULTS = {
  constant: {},
  step: { every: 10, factor: 0.1 },
  exponential: { rate: 0.96 },
  cosine: { min: 0 },
  reduce_on_plateau: { factor: 0.1, patience: 10, minDelta: 1e-4, min: 0, monitor: 'val_loss' },
} as const satisfies { [K in ScheduleSpec['kind']]: Partial<ScheduleSpec> };

/**
 * Gradient clipping: by the global norm over all parameters (Keras global_clipnorm), by each
 * parameter's own norm (Keras clipnorm), or each element by value (Keras clipvalue).
 */
export interface ClipSpec {
  kind: 'norm' | 'tensor_norm' | 'value';
  limit: number;
}

/**
 * Magnitude pruning while training (TF Model Optimization's prune_low_magnitude with its
 * PolynomialDecay schedule, power 3, counted in epochs): after t epochs, when start ≤ t ≤ end and
 * (t − start) is a multiple of `every`, each pruned tensor's mask keeps its k = max(1, round(n·(1 − s)))
 * largest |w| (ties at the threshold kept), where s(t) = sparsity·(1 − (1 − p)³) and
 * p = clamp((t − start) / (end − start), 0, 1) (p = 1 from t = start when end = start). The masks
 * are state on the GPU that the optimizer update applies (runtime/prune.ts computes them).
 */
export interface PruneSpec {
  kind: 'magnitude';
  /** The target: the fraction of each pruned tensor's values that is zero from epoch `end` on, in [0, 1). */
  sparsity: number;
  start: number;
  end: number;
  every: number;
  /** The pruned parameters (dense and conv kernels, see compiler/passes/prune-masks.ts) and each one's mask state. */
  tensors: { param: string; mask: string }[];
}

/** The owner of the pruning masks in a manifest's state (checkpoints save them with the optimizer state). */
export const PRUNE_OWNER = 'prune';

/** A train section's prune setting, before the compiler knows which tensors it prunes. */
export type PruneConfig = Omit<PruneSpec, 'tensors'>;

/** Stop when the monitored loss has not improved by min_delta for `patience` epochs. */
export interface EarlyStoppingSpec {
  monitor: 'loss' | 'val_loss';
  patience: number;
  minDelta: number;
  /** Put back the weights of the best epoch when stopping (or at the end). */
  restoreBest: boolean;
}

/** early_stopping's arguments when not given; `dlc train --patience n` sets only the patience. */
export const EARLY_STOPPING_DEFAULTS: EarlyStoppingSpec = { monitor: 'val_loss', patience: 5, minDelta: 0, restoreBest: true };

/** Metrics of classifiers beyond accuracy, computed on evaluation data from the predictions. */
export const CLASS_METRICS = ['precision', 'recall', 'f1', 'confusion_matrix'];
/** Metrics of regressions (mse), computed on evaluation data. */
export const REGRESSION_METRICS = ['mae', 'rmse'];

/** One term of a weighted sum of losses, as `dlc check` shows it. */
export interface LossTermSpec {
  weight: number;
  loss: string;
  prediction: string;
  label: string;
  fromLogits?: boolean;
  labelSmoothing?: number;
  delta?: number;
  sampleWeight?: string;
}

/** How text is tokenised for a token input: word or character level, and the fewest training occurrences a token needs for an id. */
export interface TokenizerSpec {
  level: 'word' | 'character';
  minCount: number;
}

export interface TrainSpec {
  loss: string;
  optimizer: OptimizerSpec;
  batch: number;
  epochs: number;
  metrics: string[];
  seed: number;
  shuffle: boolean;
  /** drop_last = true: each epoch's last partial batch is left out (by default it is trained as a smaller batch). */
  dropLast?: boolean;
  /** binary_cross_entropy on logits: its prediction is a logit (threshold 0), else a probability (0.5). */
  fromLogits?: boolean;
  /** cross_entropy's label smoothing, when not 0 (for display: the kernels hold it). */
  labelSmoothing?: number;
  /** huber's delta (for display: the kernels hold it). */
  delta?: number;
  /** The input holding each sample's loss weight (Keras' sample_weight), when the loss names one. */
  sampleWeight?: string;
  /** The train section's class weights, class 0 first (for display: the kernels hold them). */
  classWeight?: number[];
  /** A weighted sum of losses (Keras' loss_weights), the first term being the one above (for display). */
  lossTerms?: LossTermSpec[];
  schedule?: ScheduleSpec;
  earlyStopping?: EarlyStoppingSpec;
  clip?: ClipSpec;
  prune?: PruneSpec;
  /** The train section's `tokenizer = words(...)` or `chars(...)`: how text data is tokenised (the size is the input's V). */
  tokenizer?: TokenizerSpec;
  /** Name of the label input and the prediction output the metrics use. */
  label: string;
  prediction: string;
  /** Running sums the train step accumulates (Σ loss over steps, Σ correct over samples). */
  lossSum?: TensorSlot;
  correctSum?: TensorSlot;
  /** The train section's init_from (as written, relative to the .dl file) and the line it is on. */
  initFrom?: { path: string; line: number };
  skipMismatch?: boolean;
}

/**
 * What a compiled step costs in GPU memory: bytes the plan allocates and the lower bound no plan can
 * beat (parameters + optimizer and layer state + inputs + the largest set of values, activations and
 * gradients, alive at once in any program).
 */
export interface MemoryStats {
  /** Bytes of every buffer the plan creates (the step block included). */
  allocatedBytes: number;
  lowerBoundBytes: number;
  /** The lower bound's parts (gradients: all of them, for reference; the bound counts them in the peak while alive). */
  parameters: number;
  gradients: number;
  state: number;
  inputs: number;
  /** Peak bytes of intermediate values (activations and gradients) alive at once, and the program where it occurs. */
  peakActivations: number;
  peakProgram: ProgramName;
}

export interface Manifest {
  format: typeof ARTIFACT_FORMAT;
  version: number;
  model: string;
  sourceHash: string;
  batch: number;
  inputs: InputSpec[];
  params: ParamSpec[];
  state: StateSpec[];
  buffers: BufferSpec[];
  stepParamsBuffer: number;
  /** The buffer of the kernels' `params` (256 bytes a kernel), when any kernel has some. */
  dispatchParamsBuffer?: number;
  kernels: KernelEntry[];
  /**
   * SHA-256 (64 lowercase hex digits) of each kernels/ file's WGSL as UTF-8, by file name: the runtime
   * refuses a kernel that was changed after compiling.
   */
  kernelSha256: Record<string, string>;
  programs: { train_step: ProgramSpec; eval: ProgramSpec; forward: ProgramSpec };
  train: TrainSpec;
  /**
   * Layers named by their binding or name: (hidden) → the positional name (dense_1) compilers before
   * stable names gave them: weight files written then still load (runtime/legacy-names.ts).
   */
  renamedLayers?: Record<string, string>;
  stats: { dispatches: Record<string, number>; bufferBytes: number; memory: MemoryStats };
}

export interface Artifact {
  manifest: Manifest;
  /** shader file name (e.g. "k3_matmul.wgsl") → WGSL text */
  shaders: Record<string, string>;
  /** The folder it was loaded from, named in error messages; absent when compiled in memory. */
  source?: string;
}
