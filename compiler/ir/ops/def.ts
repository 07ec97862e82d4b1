// The shape of one op's row in the op table: shape rule, float64 reference (or scalar tree) and the
// kernel it hands codegen. Gradients are in vjp.ts, typed against the table's op names.
import type { DType } from '../dtype.ts';
import type { Expr, ExprBlock } from '../expr.ts';
import type { Epilogue, KernelBody, KernelIO } from '../kernel-spec.ts';
import type { Tensor } from '../tensor.ts';
import type { Attrs } from '../types.ts';

export interface TensorType {
  shape: number[];
  dtype: DType;
}

/** A shape or type error in an op's inputs; lowering turns it into a diagnostic at the layer. */
export class ShapeError extends Error {}

/** Per-step values the runtime writes into the step uniform block. */
export interface StepContext {
  lr: number;
  /** 1-based optimizer step. */
  step: number;
  seed: number;
}

interface RowCommon {
  /** One line, for printers and docs. */
  doc: string;
  /** Number of inputs; with `variadic`, the least number (fused ops take any number of extras). */
  arity: number;
  variadic?: boolean;
  /** Inputs that must hold i32 (class labels). */
  intInputs?: number[];
  /** True when the kernel reads the step uniform (lr, step, seed); fused ops decide from their attrs. */
  usesStep?: boolean | ((attrs: Attrs) => boolean);
}

/**
 * Element-wise op (numpy broadcasting over its inputs), stated once as a scalar tree over its
 * inputs `x`: the interpreter evaluates it, the WGSL renderer prints it, chains compose it.
 */
export interface ElementwiseRow extends RowCommon {
  kind: 'elementwise';
  /** Output shape when not the broadcast of the inputs (e.g. broadcast_to). */
  shape?: (ins: TensorType[], attrs: Attrs) => TensorType;
  expr: (x: Expr[], attrs: Attrs) => Expr;
  /** A chain of steps instead of one tree (fused ops), printed as one `let` per step. */
  block?: (attrs: Attrs, inputs: number) => ExprBlock;
}

/** Op with its own kernel template; `epilogue` runs fused element-wise consumers at its stores. */
export interface KernelRow extends RowCommon {
  kind: 'kernel';
  shape: (ins: TensorType[], attrs: Attrs) => TensorType;
  reference: (ins: Tensor[], attrs: Attrs, out: TensorType, ctx: StepContext) => Tensor;
  kernel: (io: KernelIO, epilogue?: Epilogue) => KernelBody;
}

/** Reinterpretation of a buffer (reshape): no kernel, no copy. */
export interface ViewRow extends RowCommon {
  kind: 'view';
  shape: (ins: TensorType[], attrs: Attrs) => TensorType;
}

/** In-place update of some inputs (optimizer steps, metric accumulators); defines no value. */
export interface UpdateRow extends RowCommon {
  kind: 'update';
  /** Indices of the inputs written in place (fused updates decide from their attrs). */
  writes: number[] | ((attrs: Attrs) => number[]);
  check: (ins: TensorType[], attrs: Attrs) => void;
  /** A value the update also defines (the loss head's logits gradient); none by default. */
  output?: (ins: TensorType[], attrs: Attrs) => TensorType;
  /** Returns the new contents of the written inputs, in `writes` order, then the output if any. */
  reference: (ins: Tensor[], attrs: Attrs, ctx: StepContext) => Tensor[];
  kernel: (io: KernelIO) => KernelBody;
}

export type OpRow = ElementwiseRow | KernelRow | ViewRow | UpdateRow;

/** Whether `n` inputs suit the op's arity. */
export function arityAccepts(def: OpRow, n: number): boolean {
  return def.variadic ? n >= def.arity : n === def.arity;
}

/** The inputs an update node writes in place. */
export function updateWrites(def: UpdateRow, attrs: Attrs): number[] {
  return typeof def.writes === 'function' ? def.writes(attrs) : def.writes;
}
