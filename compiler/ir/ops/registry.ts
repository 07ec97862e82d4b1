// Every op row of the IR by name; OpKind, the closed set of op names, is derived from it.
import { AFFINE_OPS } from './augment-affine.ts';
import { AUGMENT_OPS } from './augment.ts';
import { CONV_OPS } from './conv.ts';
import { CROP_OPS } from './crop.ts';
import type { OpRow } from './def.ts';
import { ELEMENTWISE_OPS } from './elementwise.ts';
import { FUSED_OPS } from './fused.ts';
import { GATHER_OPS } from './gather.ts';
import { LOSS_HEAD_OPS } from './loss-head.ts';
import { SOFTMAX_OPS } from './softmax.ts';
import { SPATIAL_OPS } from './spatial.ts';
import { STRUCTURAL_OPS } from './structural.ts';
import { UPDATE_OPS } from './update.ts';

export const OP_ROWS = { ...ELEMENTWISE_OPS, ...STRUCTURAL_OPS, ...SOFTMAX_OPS, ...CONV_OPS, ...SPATIAL_OPS, ...GATHER_OPS, ...UPDATE_OPS, ...FUSED_OPS, ...LOSS_HEAD_OPS, ...AUGMENT_OPS, ...AFFINE_OPS, ...CROP_OPS } satisfies Record<string, OpRow>;

export type OpKind = keyof typeof OP_ROWS;

/**
 * An op name as a parameter: a literal must be an OpKind (a misspelt op does not compile); a string
 * computed at run time (a layer name from the user's file) is checked where it is used.
 */
export type OpName<O extends string> = string extends O ? O : O extends OpKind ? O : OpKind;

/** Whether `op` names an op of the table (names from user text are checked with this). */
export function isOpKind(op: string): op is OpKind {
  return Object.hasOwn(OP_ROWS, op);
}
