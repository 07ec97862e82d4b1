// Fused ops made by the fusion pass: an element-wise chain in one kernel, and a matmul whose
// element-wise consumers (bias, activation, activation gradient) run in its store epilogue.
// A chain is a list of steps over sources: step j reads sources and earlier steps by index.
import { inputIndex } from '../../codegen/wgsl/elementwise.ts';
import { emitMatmul } from '../../codegen/wgsl/matmul.ts';
import { broadcastIndex, broadcastShapes, broadcastStrides, sameShape, shapeStr, tensor } from '../tensor.ts';
import type { Attrs } from '../types.ts';
import { ShapeError, type ElementwiseDef, type KernelDef, type StepContext, type TensorType } from './def.ts';
import { ELEMENTWISE_OPS } from './elementwise.ts';
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

const matmul = STRUCTURAL_OPS.matmul;

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
  /** C = op(A)·op(B), then the chain with source 0 = C's element and sources 1… = extra inputs. */
  matmul_chain: {
    kind: 'kernel', doc: 'matmul with an element-wise epilogue (attrs.chain)', arity: 2, variadic: true, vjp: null,
    usesStep: chainUsesStep,
    shape: (ins, a) => {
      const t = matmul.shape(ins.slice(0, 2), a);
      checkBroadcastsTo(ins.slice(2), t.shape);
      return t;
    },
    reference: (ins, a, out, ctx) => {
      const c = matmul.reference(ins.slice(0, 2), a, out);
      const extras = ins.slice(2);
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
      const extras = io.inputs.slice(2);
      return emitMatmul(io, (acc, idx) => {
        const loads = extras.map((x, k) => `let e${k} = ${x.name}[${inputIndex(x.shape, out.shape, idx)}];`);
        const c = chainWgsl(chainOf(io.attrs), [acc, ...extras.map((_, k) => `e${k}`)], idx, io.step);
        return { lets: [...loads, ...c.lets], value: c.value };
      });
    },
  } satisfies KernelDef,
};


