// The shape of one op's definition: shape rule, float64 reference, VJP and WGSL, in one place.
import type { EmittedKernel, KernelIO } from '../../codegen/wgsl/kernel-io.ts';
import type { Tensor } from '../tensor.ts';
import type { Attrs, DType, Node, ValueId } from '../types.ts';

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

/** What a VJP rule may do: add nodes to the backward graph. */
export interface GradBuilder {
  op(op: string, inputs: ValueId[], attrs?: Attrs): ValueId;
  shape(v: ValueId): number[];
  dtype(v: ValueId): DType;
}

/** Gradient of each input given the gradient `g` of the node's output (null: no gradient flows). */
export type VjpRule = (b: GradBuilder, node: Node, g: ValueId) => (ValueId | null)[];

interface OpDefCommon {
  /** One line, for printers and docs. */
  doc: string;
  /** Number of inputs; with `variadic`, the least number (fused ops take any number of extras). */
  arity: number;
  variadic?: boolean;
  /** Inputs that must hold i32 (class labels). */
  intInputs?: number[];
  /** True when the kernel reads the step uniform (lr, step, seed); fused ops decide from their attrs. */
  usesStep?: boolean | ((attrs: Attrs) => boolean);
  /** null: not differentiable; autodiff refuses to push a gradient through it. */
  vjp: VjpRule | null;
}

/** Element-wise op: numpy broadcasting over its inputs; one scalar expression. */
export interface ElementwiseDef extends OpDefCommon {
  kind: 'elementwise';
  /** Output shape when not the broadcast of the inputs (e.g. broadcast_to). */
  shape?: (ins: TensorType[], attrs: Attrs) => TensorType;
  /** Float64 scalar rule; `i` is the flat output index (dropout's random stream needs it). */
  scalar: (x: number[], attrs: Attrs, i: number, ctx: StepContext) => number;
  /** WGSL expression of the same rule; `i` names the u32 flat output index. */
  wgsl: (x: string[], attrs: Attrs, i: string, step: string) => string;
  /** Several statements instead of one expression (fused chains): `let` lines, then the value. */
  wgslLets?: (x: string[], attrs: Attrs, i: string, step: string) => { lets: string[]; value: string };
}

/** Op with its own kernel template. */
export interface KernelDef extends OpDefCommon {
  kind: 'kernel';
  shape: (ins: TensorType[], attrs: Attrs) => TensorType;
  reference: (ins: Tensor[], attrs: Attrs, out: TensorType, ctx: StepContext) => Tensor;
  emit: (io: KernelIO) => EmittedKernel;
}

/** Reinterpretation of a buffer (reshape): no kernel, no copy. */
export interface ViewDef extends OpDefCommon {
  kind: 'view';
  shape: (ins: TensorType[], attrs: Attrs) => TensorType;
}

/** In-place update of some inputs (optimizer steps, metric accumulators); defines no value. */
export interface UpdateDef extends OpDefCommon {
  kind: 'update';
  /** Indices of the inputs written in place (fused updates decide from their attrs). */
  writes: number[] | ((attrs: Attrs) => number[]);
  check: (ins: TensorType[], attrs: Attrs) => void;
  /** A value the update also defines (the loss head's logits gradient); none by default. */
  output?: (ins: TensorType[], attrs: Attrs) => TensorType;
  /** Returns the new contents of the written inputs, in `writes` order, then the output if any. */
  reference: (ins: Tensor[], attrs: Attrs, ctx: StepContext) => Tensor[];
  emit: (io: KernelIO) => EmittedKernel;
}

export type OpDef = ElementwiseDef | KernelDef | ViewDef | UpdateDef;

/** Whether a node of this op reads the step uniform block. */
export function opUsesStep(def: OpDef, attrs: Attrs): boolean {
  return typeof def.usesStep === 'function' ? def.usesStep(attrs) : def.usesStep === true;
}

/** Whether `n` inputs suit the op's arity. */
export function arityAccepts(def: OpDef, n: number): boolean {
  return def.variadic ? n >= def.arity : n === def.arity;
}

/** The inputs an update node writes in place. */
export function updateWrites(def: UpdateDef, attrs: Attrs): number[] {
  return typeof def.writes === 'function' ? def.writes(attrs) : def.writes;
}
