// Fused ops made by the fusion pass: an element-wise chain in one kernel, and a matmul, convolution
// or max-pool gradient whose element-wise consumers (bias, activation, activation gradient) run in
// its store epilogue.
// A chain is a list of steps over sources: step j reads sources and earlier steps by index.
import { inputIndex } from '../../codegen/wgsl/elementwise.ts';
import { emitConv2d } from '../../codegen/wgsl/conv.ts';
import { emitMatmul } from '../../codegen/wgsl/matmul.ts';
import { emitMaxPool2dBwd } from '../../codegen/wgsl/spatial.ts';
import { broadcastIndex, broadcastShapes, broadcastStrides, sameShape, shapeStr, tensor } from '../tensor.ts';
import type { Attrs } from '../types.ts';
import { CONV_OPS } from './conv.ts';
import type { EmittedKernel, KernelIO, StoreEpilogue } from '../../codegen/wgsl/kernel-io.ts';
import { ShapeError, type ElementwiseDef, type KernelDef, type StepContext, type TensorType } from './def.ts';
import { ELEMENTWISE_OPS } from './elementwise.ts';
import { SPATIAL_OPS } from './spatial.ts';
import { STRUCTURAL_OPS } from './structural.ts';

/** One element-wise op of a chain; `args` index the sources, then the earlier steps. */
export interface ChainStep {
  op: string;
  args: number[];
  attrs: Attrs;
}

const decoded = new Map<string, ChainStep[]>();

/** The steps of a fused node (stored as JSON text in attrs.chain so attrs stay plain data). */
export function chainOf(attrs: Attrs): ChainStep[] {
  const text = attrs.chain as string;
  let steps = decoded.get(text);
  if (!steps) {
    steps = JSON.parse(text) as ChainStep[];
    for (const s of steps) if (!(s.op in ELEMENTWISE_OPS)) throw new Error(`internal error: '${s.op}' in a fused chain is not element-wise`);
    decoded.set(text, steps);
  }
  return steps;
}

const stepDef = (op: string): ElementwiseDef => (ELEMENTWISE_OPS as Record<string, ElementwiseDef>)[op]!;

/** Float64 value of the chain at flat output index i. */
export function evalChain(steps: ChainStep[], sources: number[], i: number, ctx: StepContext): number {
  const vals = [...sources];
  for (const s of steps) vals.push(stepDef(s.op).scalar(s.args.map((k) => vals[k]!), s.attrs, i, ctx));
  return vals[vals.length - 1]!;
}

/** WGSL `let` lines computing the chain, and the name of its value. */
export function chainWgsl(steps: ChainStep[], sources: string[], i: string, step: string): { lets: string[]; value: string } {
  const names = [...sources];
  const lets = steps.map((s, j) => {
    const e = stepDef(s.op).wgsl(s.args.map((k) => names[k]!), s.attrs, i, step);
    names.push(`t${j}`);
    return `let t${j} = ${e};`;
  });
  return { lets, value: names[names.length - 1]! };
}

const chainUsesStep = (a: Attrs): boolean => chainOf(a).some((s) => stepDef(s.op).usesStep === true);

/** A readable name of the chain, e.g. "add+relu". */
export const chainLabel = (a: Attrs): string => chainOf(a).map((s) => s.op).join('+');

/** Every extra input must broadcast to the kernel's output shape. */
function checkBroadcastsTo(ins: TensorType[], shape: number[]): void {
  for (const t of ins) {
    const b = broadcastShapes(t.shape, shape);
    if (!b || !sameShape(b, shape)) throw new ShapeError(`fused input ${shapeStr(t.shape)} does not broadcast to ${shapeStr(shape)}`);
  }
}

/**
 * `<base>_chain`: the base kernel, then the chain in its store epilogue, with source 0 = the base's
 * value at the stored element and sources 1… = the extra inputs after the base's own.
 */
function withEpilogue(
  base: KernelDef, baseArity: number, doc: string, emit: (io: KernelIO, epilogue: StoreEpilogue) => EmittedKernel,
): KernelDef {
  return {
    kind: 'kernel', doc, arity: baseArity, variadic: true, vjp: null,
    usesStep: chainUsesStep,
    shape: (ins, a) => {
      const t = base.shape(ins.slice(0, baseArity), a);
      checkBroadcastsTo(ins.slice(baseArity), t.shape);
      return t;
    },
    reference: (ins, a, out, ctx) => {
      const c = base.reference(ins.slice(0, baseArity), a, out, ctx);
      const extras = ins.slice(baseArity);
      const idx = extras.map((t) => broadcastIndex(out.shape, broadcastStrides(t.shape, out.shape)));
      const steps = chainOf(a);
      const y = tensor(out.shape);
      for (let i = 0; i < y.data.length; i++) {
        y.data[i] = evalChain(steps, [c.data[i]!, ...extras.map((t, k) => t.data[idx[k]!(i)]!)], i, ctx);
      }
      return y;
    },
    emit: (io) => {
      const out = io.output!;
      const extras = io.inputs.slice(baseArity);
      return emit(io, (acc, idx) => {
        const loads = extras.map((x, k) => `let e${k} = ${x.name}[${inputIndex(x.shape, out.shape, idx)}];`);
        const c = chainWgsl(chainOf(io.attrs), [acc, ...extras.map((_, k) => `e${k}`)], idx, io.step);
        return { lets: [...loads, ...c.lets], value: c.value };
      });
    },
  };
}

/**
 * Ops whose kernels take a store epilogue: the fused op each becomes, and the longest chain it
 * takes. A convolution stores its 16×8 register block element by element and NIR inlines the
 * epilogue at every store, so long chains (batch norm's) made llvmpipe's compile take minutes:
 * it takes bias + activation (or an activation gradient) only.
 */
export const EPILOGUE_HOSTS: Record<string, { op: string; maxSteps: number }> = {
  matmul: { op: 'matmul_chain', maxSteps: Infinity },
  conv2d: { op: 'conv2d_chain', maxSteps: 2 },
  maxpool2d_bwd: { op: 'maxpool2d_bwd_chain', maxSteps: Infinity },
};

export const FUSED_OPS = {
  fused: {
    kind: 'elementwise', doc: 'a chain of element-wise ops in one kernel (attrs.chain)', arity: 1, variadic: true, vjp: null,
    usesStep: chainUsesStep,
    shape: (ins, a) => {
      const shape = a.shape as number[];
      checkBroadcastsTo(ins, shape);
      return { shape: [...shape], dtype: 'f32' };
    },
    scalar: (x, a, i, ctx) => evalChain(chainOf(a), x, i, ctx),
    wgsl: () => {
      throw new Error('internal error: fused chains are emitted with wgslLets');
    },
    wgslLets: (x, a, i, step) => chainWgsl(chainOf(a), x, i, step),
  } satisfies ElementwiseDef,
  matmul_chain: withEpilogue(STRUCTURAL_OPS.matmul, 2, 'matmul with an element-wise epilogue (attrs.chain)', emitMatmul),
  conv2d_chain: withEpilogue(CONV_OPS.conv2d, 2, 'conv2d with an element-wise epilogue (attrs.chain), e.g. bias and relu', emitConv2d),
  maxpool2d_bwd_chain: withEpilogue(SPATIAL_OPS.maxpool2d_bwd, 2, 'maxpool2d_bwd with an element-wise epilogue (attrs.chain), e.g. relu_bwd', emitMaxPool2dBwd),
};
