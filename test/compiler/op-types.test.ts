// Op names are checked by the type checker: a misspelt op in a VJP rule, a pass or a test does not
// compile (the @ts-expect-error lines fail `tsc` the day op names become plain strings again); a
// name computed at run time is checked when the node is added.
import { describe, expect, it } from 'vitest';
import { Graph } from '../../compiler/ir/graph.ts';
import { OP_TABLE, type GradBuilder, type OpKind } from '../../compiler/ir/ops/index.ts';

describe('op names', () => {
  it('a literal op name must be an OpKind, for graphs and gradient builders', () => {
    const g = new Graph();
    const x = g.addInput('x', 'f32', [2, 3]);
    const b: GradBuilder = g.builder({ phase: 'backward' });
    expect(g.value(b.op('relu', [x])).shape).toEqual([2, 3]);
    // @ts-expect-error: 'mtmul' is no op
    expect(() => b.op('mtmul', [x, x])).toThrow("internal error: unknown op 'mtmul'");
    // @ts-expect-error: 'rleu' is no op
    expect(() => g.add('rleu', [x], {}, { phase: 'forward' })).toThrow("internal error: unknown op 'rleu'");
    const kind: OpKind = 'matmul';
    expect(OP_TABLE[kind].kind).toBe('kernel');
  });

  it('a name from user text is checked at run time', () => {
    const g = new Graph();
    const x = g.addInput('x', 'f32', [2, 3]);
    const fromFile: string = ['re', 'lu'].join('');
    expect(g.value(g.add(fromFile, [x], {}, { phase: 'forward' })).shape).toEqual([2, 3]);
    const misspelt: string = `${fromFile}x`;
    expect(() => g.add(misspelt, [x], {}, { phase: 'forward' })).toThrow("internal error: unknown op 'relux'");
  });
});
