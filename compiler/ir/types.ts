// The IR's data: tensor values and the nodes (op applications) of one SSA graph.
import type { Span } from '../../dsl/diagnostics.ts';
import type { DType } from './dtype.ts';

export type { DType };
export type ValueId = number;

/** How a parameter or state tensor starts (the runtime draws it from the seed). */
export type Initializer =
  | { kind: 'zeros' }
  | { kind: 'ones' }
  | { kind: 'constant'; value: number }
  | { kind: 'glorot_uniform' | 'glorot_normal' | 'he_uniform' | 'he_normal' | 'lecun_uniform' | 'lecun_normal'; fanIn: number; fanOut: number }
  /** Keras Orthogonal (gain 1) over the tensor as rows × cols: recurrent kernels. */
  | { kind: 'orthogonal'; rows: number; cols: number }
  /** Keras LSTM's bias with unit_forget_bias: zeros but ones for the forget gate, [units, 2·units). */
  | { kind: 'unit_forget_bias'; units: number }
  /** Keras RandomUniform: uniform in [min, max) (Embedding's default is ±0.05). */
  | { kind: 'uniform'; min: number; max: number };

/** What a value is for; decides where it lives and how long. */
export type Role = 'input' | 'param' | 'state' | 'activation' | 'grad';

/** Which part of the compiled step a node belongs to. */
export type Phase = 'forward' | 'loss' | 'backward' | 'update' | 'eval';

export interface Value {
  id: ValueId;
  dtype: DType;
  shape: number[];
  role: Role;
  /** Human-readable name for printing and buffer labels. */
  name: string;
}

/** Attributes are plain JSON data so nodes print and hash deterministically. */
export type AttrValue = number | boolean | string | number[];
export type Attrs = Record<string, AttrValue>;

export interface Node {
  id: number;
  op: string;
  inputs: ValueId[];
  /** The value this node defines; update nodes define none (they write inputs in place). */
  output: ValueId | null;
  attrs: Attrs;
  phase: Phase;
  /** Where in net.dl this node came from. */
  span?: Span;
  /** The layer name it belongs to, e.g. "dense_2". */
  layer?: string;
}

export interface ParamInfo {
  value: ValueId;
  init: Initializer;
  layer: string;
  /** Kernels get the train section's L1/L2 regularisation; biases do not (as in Keras). */
  regularize: boolean;
  /** The layer's own regulariser (kernel_regularizer, bias_regularizer): l1·Σ|w| + l2·Σw², instead of the train section's. */
  penalty?: { l1: number; l2: number };
  /** Frozen (freeze list or trainable: false): no gradient, no update; it keeps its loaded values. */
  frozen?: boolean;
  /** Left dense by the prune setting's `layers`/`skip` selection (compiler/lower/prune-layers.ts). */
  unpruned?: boolean;
}

export interface StateInfo {
  value: ValueId;
  init: Initializer;
  owner: string;
}

/** One program of the artifact: nodes in execution order, inputs read, outputs readable. */
export interface Program {
  nodes: number[];
  outputs: { name: string; value: ValueId }[];
}

export type ProgramName = 'train_step' | 'eval' | 'forward';
