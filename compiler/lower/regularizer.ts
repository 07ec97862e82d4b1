// Reads a regulariser, `l1(a)`, `l2(b)` or `l1_l2(l1: a, l2: b)` (Keras' L1, L2, L1L2): the train
// section's `regularize` and a layer's `kernel_regularizer` / `bias_regularizer`.
import type { Expr } from '../../dsl/ast.ts';
import { didYouMean, type Span } from '../../dsl/diagnostics.ts';
import { coerce, type Val } from './values.ts';

/** The factors of the penalty l1·Σ|w| + l2·Σw². */
export interface Regularizer {
  l1: number;
  l2: number;
}

const NAMES = ['l1', 'l2', 'l1_l2'];

/** The regulariser `v` writes; undefined after `fail` said why, naming it as `what` ("regularize"). */
export function readRegularizer(v: Expr, what: string, fail: (code: string, msg: string, span: Span) => void): Regularizer | undefined {
  if (v.kind !== 'call' || !NAMES.includes(v.callee)) {
    const callee = v.kind === 'call' ? v.callee : v.kind === 'ident' ? v.name : '';
    fail('E-TYPE', `${what} must be l1(factor), l2(factor) or l1_l2(l1: a, l2: b)${callee ? didYouMean(callee, NAMES) : ''}`, v.span);
    return undefined;
  }
  const out = { l1: 0, l2: 0 };
  const slots = v.callee === 'l1_l2' ? ['l1', 'l2'] : [v.callee];
  let next = 0;
  for (const a of v.args) {
    const slot = a.name ?? slots[next++];
    if (!slot || !slots.includes(slot)) { fail('E-UNKNOWN-ARG', `unknown argument${a.name ? ` '${a.name}'` : ''} for ${v.callee}`, a.span); return undefined; }
    const c: Val | undefined = a.value.kind === 'num' ? { kind: 'num', value: a.value.value, isInt: a.value.isInt, span: a.value.span } : undefined;
    const r = c ? coerce(c, 'float') : { error: 'expected a constant' };
    if ('error' in r || (r.ok as number) < 0) { fail('E-TYPE', `${v.callee} factor: ${'error' in r ? r.error : 'must not be negative'}`, a.value.span); return undefined; }
    out[slot as 'l1' | 'l2'] = r.ok as number;
  }
  if (v.args.length === 0) { fail('E-MISSING-ARG', `${v.callee} needs a factor, e.g. ${v.callee === 'l1_l2' ? 'l1_l2(l1: 1e-5, l2: 1e-4)' : `${v.callee}(1e-4)`}`, v.span); return undefined; }
  return out;
}
