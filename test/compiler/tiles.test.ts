// Matmul tiling: large outputs get 8×8 blocks per invocation, small ones 4×4 so enough invocations run.
import { describe, expect, it } from 'vitest';
import { matmulTile } from '../../compiler/ir/ops/structural.ts';

describe('matmul tiles', () => {
  it('chooses 8×8 for outputs with at least 4 workgroups of them, else 4×4', () => {
    expect(matmulTile(257, 263)).toEqual({ TM: 8, TN: 8 }); // the 8×8 golden cases
    expect(matmulTile(1024, 1024)).toEqual({ TM: 8, TN: 8 });
    expect(matmulTile(128, 128)).toEqual({ TM: 8, TN: 8 }); // the MNIST MLP's first layer
    expect(matmulTile(33, 65)).toEqual({ TM: 4, TN: 4 });
    expect(matmulTile(128, 10)).toEqual({ TM: 4, TN: 4 });
  });
});
