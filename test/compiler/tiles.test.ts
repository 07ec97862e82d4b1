// Matmul tiling: large outputs get 8×8 blocks per invocation, small ones 4×4 so enough invocations run;
// compiled for hardware GPUs, large matmuls get workgroup-memory tiles.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { matmulBlocking, matmulTile, TILED_MATMUL } from '../../compiler/ir/ops/structural.ts';

describe('matmul tiles', () => {
  it('chooses 8×8 for outputs with at least 4 workgroups of them, else 4×4', () => {
    expect(matmulTile(257, 263)).toEqual({ TM: 8, TN: 8 }); // the 8×8 golden cases
    expect(matmulTile(1024, 1024)).toEqual({ TM: 8, TN: 8 });
    expect(matmulTile(128, 128)).toEqual({ TM: 8, TN: 8 }); // the MNIST MLP's first layer
    expect(matmulTile(33, 65)).toEqual({ TM: 4, TN: 4 });
    expect(matmulTile(128, 10)).toEqual({ TM: 4, TN: 4 });
  });
});

describe('matmul blocking by target', () => {
  it("'cpu' never uses workgroup-memory tiles; 'gpu' does from 64 × 64 outputs over K ≥ 32", () => {
    expect(matmulBlocking(1024, 1024, 1024)).toEqual({ TM: 8, TN: 8, wg: 8 });
    expect(matmulBlocking(1024, 1024, 1024, 'cpu')).toEqual({ TM: 8, TN: 8, wg: 8 });
    expect(matmulBlocking(1024, 1024, 1024, 'gpu')).toEqual(TILED_MATMUL);
    expect(matmulBlocking(64, 64, 32, 'gpu')).toEqual(TILED_MATMUL);
    expect(matmulBlocking(63, 64, 32, 'gpu').shared).toBeUndefined();
    expect(matmulBlocking(64, 63, 32, 'gpu').shared).toBeUndefined();
    expect(matmulBlocking(128, 128, 31, 'gpu').shared).toBeUndefined();
    expect(matmulBlocking(128, 10, 784, 'gpu')).toEqual({ TM: 4, TN: 4, wg: 8 }); // an MLP's output layer
  });

  it("'llvmpipe' keeps each invocation's block and puts 4 × 4 invocations in a workgroup", () => {
    expect(matmulBlocking(1024, 1024, 1024, 'llvmpipe')).toEqual({ TM: 8, TN: 8, wg: 4 });
    expect(matmulBlocking(64, 512, 128, 'llvmpipe')).toEqual({ TM: 8, TN: 8, wg: 4 }); // an LSTM's recurrent product
    // The block rule counts workgroups of 32 × 32: 4 × 4 blocks when 8 × 8 ones would fill fewer than 4.
    expect(matmulBlocking(16, 16, 8, 'llvmpipe')).toEqual({ TM: 4, TN: 4, wg: 4 });
    expect(matmulBlocking(64, 128, 512, 'llvmpipe')).toEqual({ TM: 8, TN: 8, wg: 4 }); // 'cpu': 4 × 4 in 8 × 8
    expect(matmulBlocking(64, 128, 512, 'cpu')).toEqual({ TM: 4, TN: 4, wg: 8 });
  });

  it('a network compiled for GPUs tiles its large matmuls, and only those', () => {
    const source = 'model m {\n  input x: f32[784]\n  input y: class[10]\n  logits = x -> dense(128) -> relu -> dense(10)\n  output logits\n}\ntrain m { loss = cross_entropy(logits, y); optimizer = sgd(lr: 0.1); batch = 128 }';
    const tiled = (target: 'cpu' | 'gpu'): string[] => {
      const r = compile(source, { target });
      return r.artifact!.manifest.kernels.filter((k) => r.artifact!.shaders[k.shader]!.includes('var<workgroup> As')).map((k) => k.name).filter((n, i, all) => all.indexOf(n) === i).sort();
    };
    expect(tiled('cpu')).toEqual([]);
    // The first layer's forward (128 × 128 over 784) and weight gradient (784 × 128 over 128); the
    // output layer's (10 columns) and the hidden gradient (K = 10) stay on the register kernel.
    expect(tiled('gpu')).toEqual(['matmul+add+relu:relu_1', 'matmul:dense_1']);
  });
});
