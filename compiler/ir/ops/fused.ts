// Fused ops made by the fusion pass: an element-wise chain in one kernel, and a matmul, convolution
// or max-pool gradient whose element-wise consumers (bias, activation, activation gradient) run in
// its store epilogue. A chain is a list of steps over sources: step j reads sources and earlier
// steps by index; its kernel composes the steps' trees into one let-chain.
import { arg, compileBlock, usesUniform, type ExprBlock } from '../expr.ts';
import { broadcastIndexMap, type Epilogue, type KernelIO } from '../kernel-spec.ts';
import { broadcastIndex, broadcastShapes, broadcastStrides, sameShape, shapeStr, tensor } from '../tensor.ts';
import type { Attrs } from '../types.ts';
import { CONV_OPS } from './conv.ts';
import { ShapeError, type ElementwiseRow, type KernelRow, type TensorType } from './def.ts';
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

const stepRow = (op: string): ElementwiseRow => (ELEMENTWISE_OPS as Record<string, ElementwiseRow>)[op]!;

/** The chain as one tree per step, each op's tree instantiated on the values it reads. */
export function chainBlock(attrs: Attrs, sources: number): ExprBlock {
  return { sources, steps: chainOf(attrs).map((s) => stepRow(s.op).expr(s.args.map(arg), s.attrs)) };
}

const chainUsesStep = (a: Attrs): boolean => chainBlock(a, 0).steps.some(usesUniform);

/** A readable name of an element-wise step: a derived gradient is named after its op (silu_bwd). */
export const stepLabel = (op: string, attrs: Attrs): string => (op === 'elementwise_bwd' ? `${attrs.of as string}_bwd` : op);

/** A readable name of the chain, e.g. "add+relu". */
export const chainLabel = (a: Attrs): string => chainOf(a).map((s) => stepLabel(s.op, s.attrs)).join('+');

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
function withEpilogue(base: KernelRow, baseArity: number, doc: string): KernelRow {
  return {
    kind: 'kernel', doc, arity: baseArity, variadic: true,
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
      const f = compileBlock(chainBlock(a, 1 + extras.length));
      const y = tensor(out.shape);
      const src = new Array<number>(1 + extras.length);
      for (let i = 0; i < y.data.length; i++) {
        src[0] = c.data[i]!;
        for (let k = 0; k < extras.length; k++) src[k + 1] = extras[k]!.data[idx[k]!(i)]!;
        y.data[i] = f(src, i, ctx);
      }
      return y;
    },
    kernel: (io: KernelIO) => {
      const out = io.output!;
      const extras = io.inputs.slice(baseArity);
      const epilogue: Epilogue = {
        extras: extras.map((x) => ({ name: x.name, index: broadcastIndexMap(x.shape, out.shape) })),
        block: chainBlock(io.attrs, 1 + extras.length),
      };
      return base.kernel({ ...io, inputs: io.inputs.slice(0, baseArity) }, epilogue);
    },
  };
}

/**
 * Ops whose kernels take a store epilogue: the fused op each becomes, and the longest chain it
 * takes. A convolution stores its 16×8 register block element by element and NIR inlines the
 * epilogue at every store, so long chains (batch norm's) made llvmpipe's compile take minutes:
 * it takes bias + activation (or an activation gradient) only.
 */
export const EPILOGUE_HOSTS: Record<string, { op: 'matmul_chain' | 'conv2d_chain' | 'maxpool2d_bwd_chain'; maxSteps: number }> = {
  matmul: { op: 'matmul_chain', maxSteps: Infinity },
  conv2d: { op: 'conv2d_chain', maxSteps: 2 },
  maxpool2d_bwd: { op: 'maxpool2d_bwd_chain', maxSteps: Infinity },
};

export const FUSED_OPS = {
  fused: {
    kind: 'elementwise', doc: 'a chain of element-wise ops in one kernel (attrs.chain)', arity: 1, variadic: true,
    usesStep: chainUsesStep,
    shape: (ins, a) => {
      const shape = a.shape as number[];
      checkBroadcastsTo(ins, shape);
      return { shape: [...shape], dtype: 'f32' };
    },
    expr: () => {
      throw new Error('internal error: a fused chain is a block, not one tree');
    },
    block: chainBlock,
  } satisfies ElementwiseRow,
  matmul_chain: withEpilogue(STRUCTURAL_OPS.matmul, 2, 'matmul with an element-wise epilogue (attrs.chain)'),
  conv2d_chain: withEpilogue(CONV_OPS.conv2d, 2, 'conv2d with an element-wise epilogue (attrs.chain), e.g. bias and relu'),
  maxpool2d_bwd_chain: withEpilogue(SPATIAL_OPS.maxpool2d_bwd, 2, 'maxpool2d_bwd with an element-wise epilogue (attrs.chain), e.g. relu_bwd'),
};
