// OP_TABLE: every primitive op of the IR, its row (shape rule, reference or scalar tree, kernel)
// joined with its gradient rule. Passes, the interpreter and codegen read ops only through here.
import type { KernelBody, KernelIO } from '../kernel-spec.ts';
import type { Attrs } from '../types.ts';
import type { OpRow } from './def.ts';
import { elementBlock, elementwiseKernel } from './elementwise-kernel.ts';
import { OP_ROWS, type OpKind, type OpName } from './registry.ts';
import { vjpRule, type VjpRule } from './vjp.ts';

export type { OpKind, OpName };

/** One op: its row, its name and its VJP (null: autodiff refuses to push a gradient through it). */
export type OpDef<K extends OpKind = OpKind> = OpRow & { readonly name: K; readonly vjp: VjpRule | null };

export const OP_TABLE = Object.fromEntries(
  (Object.keys(OP_ROWS) as OpKind[]).map((k) => [k, { ...OP_ROWS[k], name: k, vjp: vjpRule(k) }]),
) as { readonly [K in OpKind]: OpDef<K> };

/** The op named `op`; names come from user text only through lowering, so an unknown one is a bug. */
export function opDef(op: string): OpDef {
  const d = (OP_TABLE as Record<string, OpDef>)[op];
  if (!d) throw new Error(`internal error: unknown op '${op}'`);
  return d;
}

/** Whether a node of this op reads the step uniform block (dropout's stream, an optimizer's lr). */
export function opUsesStep(def: OpRow, attrs: Attrs): boolean {
  if (typeof def.usesStep === 'function') return def.usesStep(attrs);
  if (def.usesStep !== undefined) return def.usesStep;
  return false;
}

/** What codegen needs from a node of `op` bound to `io`: the kernel template and its grid. */
export function opKernel(def: OpRow, io: KernelIO): KernelBody {
  switch (def.kind) {
    case 'elementwise': return elementwiseKernel(def, io);
    case 'kernel': case 'update': return def.kernel(io);
    case 'view': throw new Error('internal error: views have no kernel');
  }
}

export { elementBlock };
export * from './def.ts';
export { unbroadcast, type GradBuilder, type Grads, type VjpNode, type VjpRule } from './vjp.ts';
