// OP_TABLE: every primitive op of the IR, each defined in exactly one place.
import type { OpDef } from './def.ts';
import { CONV_OPS } from './conv.ts';
import { ELEMENTWISE_OPS } from './elementwise.ts';
import { FUSED_OPS } from './fused.ts';
import { LOSS_HEAD_OPS } from './loss-head.ts';
import { ROW_OPS } from './rows.ts';
import { SPATIAL_OPS } from './spatial.ts';
import { STRUCTURAL_OPS } from './structural.ts';
import { UPDATE_OPS } from './update.ts';

export const OP_TABLE = { ...ELEMENTWISE_OPS, ...STRUCTURAL_OPS, ...ROW_OPS, ...CONV_OPS, ...SPATIAL_OPS, ...UPDATE_OPS, ...FUSED_OPS, ...LOSS_HEAD_OPS } satisfies Record<string, OpDef>;

export type OpKind = keyof typeof OP_TABLE;

export function opDef(op: string): OpDef {
  const d = (OP_TABLE as Record<string, OpDef>)[op];
  if (!d) throw new Error(`internal error: unknown op '${op}'`);
  return d;
}

export * from './def.ts';
