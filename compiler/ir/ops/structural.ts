// Matmul, sum_to and reshape: the ops that move data between shapes.
import { matmulDims, reducedAxes } from '../geometry.ts';
import { grid, quantizedWeight, type KernelTarget } from '../kernel-spec.ts';
import { numel, shapeStr, strides, tensor } from '../tensor.ts';
import { ShapeError, type KernelRow, type ViewRow } from './def.ts';

/** Invocations per side of a matmul workgroup (WG × WG). */
const MATMUL_WG = 8;
/**
 * The same on Mesa's llvmpipe and lavapipe (target 'llvmpipe'): 4 × 4 invocations, each with an
 * 8×8 register block where matmulTile allows, measured faster there than 8 × 8 (scripts/matmul-bench.ts, OpenGL ES, 2 cores:
 * 17.1 against 15.0 GFLOP/s at 1024, 18.3 against 14.2 at 512; an LSTM's 64×512×128 product 15.9
 * against 10.1), where 32 invocations (8 × 4, 4 × 8) gained nothing.
 */
const LLVMPIPE_MATMUL_WG = 4;
/** The most products of one batched matmul: one workgroup layer each along z (WebGPU's per-dimension limit). */
const MAX_BATCH = 65535;
/** Invocations per sum_to workgroup (one workgroup per output element). */
const SUM_WG = 64;

/**
 * Rows × columns per matmul invocation: 8×8 unless that leaves fewer than 4 workgroups, then 4×4.
 * On llvmpipe the bigger block wins even with few workgroups (128×784·784×128: 8×8 in 4
 * workgroups ran ~2× faster than 4×4 in 16), since each load is a gather and 8×8 does 4 FMAs per load.
 */
export function matmulTile(M: number, N: number, batch = 1, wg = MATMUL_WG): { TM: number; TN: number } {
  const big = Math.ceil(M / (8 * wg)) * Math.ceil(N / (8 * wg)) * batch >= 4;
  return big ? { TM: 8, TN: 8 } : { TM: 4, TN: 4 };
}

/** A matmul kernel's blocking: per invocation, invocations per side, workgroup-memory tiles or none. */
export interface MatmulBlocking {
  TM: number; TN: number; wg: number;
  shared?: { BK: number };
}

/** The workgroup-memory variant: 16×16 invocations of 4×4 each, a 64×64 block per workgroup, K steps of 16. */
export const TILED_MATMUL: MatmulBlocking = { TM: 4, TN: 4, wg: 16, shared: { BK: 16 } };

/**
 * The blocking dlc uses for C = op(A)·op(B) of M × N over K. The rule: on 'gpu', workgroup-memory
 * tiles when the output fills at least one 64×64 tile each way and K at least two steps of 16;
 * otherwise (and always on 'cpu', where the tiles measured about half the speed on llvmpipe) each
 * invocation reads its own operands (matmulTile).
 */
export function matmulBlocking(M: number, N: number, K: number, target: KernelTarget = 'cpu', batch = 1, int8B = false): MatmulBlocking {
  const { TM, TN, wg, shared } = TILED_MATMUL;
  // The tiled kernel has neither a batch of products nor int8 B: those keep the register kernel.
  if (target === 'gpu' && batch === 1 && !int8B && M >= TM * wg && N >= TN * wg && K >= 2 * shared!.BK) return TILED_MATMUL;
  // The block rule counts workgroups of the target's size: on 'llvmpipe' an output of 64 × 128 (an
  // LSTM's input gradient) fills 8 of 32 × 32, so it gets 8 × 8 blocks (14.9 GFLOP/s there against
  // 10.3 with 4 × 4); 'cpu' gives it 4 × 4 in its 2 workgroups of 64 × 64.
  const side = target === 'llvmpipe' ? LLVMPIPE_MATMUL_WG : MATMUL_WG;
  return { ...matmulTile(M, N, batch, side), wg: side };
}

/** The grid of a matmul kernel with the given blocking: one layer along z per product of a batch. */
export function matmulLayout(M: number, N: number, b: MatmulBlocking, batch = 1): { workgroups: [number, number, number] } {
  return { workgroups: [Math.ceil(N / (b.TN * b.wg)), Math.ceil(M / (b.TM * b.wg)), batch] };
}

export const STRUCTURAL_OPS = {
  matmul: {
    kind: 'kernel', doc: 'C = op(A)·op(B) for 2-D A, B, or for each of a batch of 3-D [batch, rows, cols] pairs; op transposes the last two axes when transA / transB', arity: 2,
    shape: ([a, b], attrs) => {
      const rank = a!.shape.length;
      if ((rank !== 2 && rank !== 3) || b!.shape.length !== rank) throw new ShapeError(`matmul needs two 2-D operands or two 3-D batches of matrices, got ${shapeStr(a!.shape)} and ${shapeStr(b!.shape)}`);
      if (rank === 3 && a!.shape[0] !== b!.shape[0]) throw new ShapeError(`batched matmul needs equal batches, got ${shapeStr(a!.shape)} and ${shapeStr(b!.shape)}`);
      const { M, K, N, Kb, batch } = matmulDims(a!.shape, b!.shape, attrs.transA === true, attrs.transB === true);
      if (K !== Kb) throw new ShapeError(`matmul inner dimensions differ: ${shapeStr(a!.shape)} and ${shapeStr(b!.shape)}`);
      // One workgroup layer per product along z, whose grid is capped like x and y.
      if (batch > MAX_BATCH) throw new ShapeError(`batched matmul of ${batch} products exceeds ${MAX_BATCH}`);
      return { shape: rank === 3 ? [batch, M, N] : [M, N], dtype: 'f32' };
    },
    reference: ([a, b], attrs, out) => {
      const tA = attrs.transA === true;
      const tB = attrs.transB === true;
      const { M, K, N, batch } = matmulDims(a!.shape, b!.shape, tA, tB);
      const c = tensor(out.shape);
      for (let z = 0; z < batch; z++) {
        const [ao, bo, co] = [z * M * K, z * K * N, z * M * N];
        for (let m = 0; m < M; m++) {
          for (let n = 0; n < N; n++) {
            let s = 0;
            for (let k = 0; k < K; k++) s += a!.data[ao + (tA ? k * M + m : m * K + k)]! * b!.data[bo + (tB ? n * K + k : k * N + n)]!;
            c.data[co + m * N + n] = s;
          }
        }
      }
      return c;
    },
    // Each invocation computes a TM×TN block of C in registers (see codegen/wgsl/matmul.ts); z picks the product.
    kernel: (io, epilogue) => {
      const [A, B] = io.inputs;
      const transA = io.attrs.transA === true;
      const transB = io.attrs.transB === true;
      const { M, K, N, batch } = matmulDims(A!.shape, B!.shape, transA, transB);
      const quantB = quantizedWeight(B!, transB ? 0 : 1);
      if (quantB?.activations && (transA || batch > 1)) throw new Error('internal error: int8 activations for a transposed or batched matmul');
      const halfB = B!.dtype === 'f16';
      // f16 B, like int8 B, keeps the register kernel (the tiled kernel's tiles are f32).
      const blocking = matmulBlocking(M, N, K, io.target, batch, quantB !== undefined || halfB);
      return {
        template: { kind: 'matmul', a: A!.name, b: B!.name, out: io.output!.name, M, N, K, batch, transA, transB, ...blocking, ...(epilogue ? { epilogue } : {}), ...(quantB ? { quantB } : {}), ...(halfB ? { halfB: true as const } : {}) },
        workgroups: matmulLayout(M, N, blocking, batch).workgroups,
      };
    },
  },
  sum_to: {
    kind: 'kernel', doc: 'sums x down to `shape` (the inverse of broadcasting)', arity: 1,
    shape: ([x], attrs) => {
      const target = attrs.shape as number[];
      const off = x!.shape.length - target.length;
      const ok = off >= 0 && target.every((d, i) => d === 1 || d === x!.shape[i + off]);
      if (!ok) throw new ShapeError(`cannot sum ${shapeStr(x!.shape)} down to ${shapeStr(target)}`);
      return { shape: [...target], dtype: 'f32' };
    },
    reference: ([x], _attrs, out) => {
      const red = reducedAxes(x!.shape, out.shape);
      const st = strides(x!.shape);
      const outSt = strides(out.shape);
      const off = x!.shape.length - out.shape.length;
      const y = tensor(out.shape);
      for (let i = 0; i < x!.data.length; i++) {
        let o = 0;
        for (let ax = 0; ax < x!.shape.length; ax++) {
          if (red[ax]) continue;
          const c = Math.floor(i / st[ax]!) % x!.shape[ax]!;
          o += c * outSt[ax - off]!;
        }
        y.data[o] += x!.data[i]!;
      }
      return y;
    },
    kernel: (io) => {
      const x = io.inputs[0]!;
      const red = reducedAxes(x.shape, io.output!.shape);
      const st = strides(x.shape);
      const axes = (summed: boolean) => x.shape.flatMap((dim, ax) => (red[ax] === summed ? [{ dim, stride: st[ax]! }] : []));
      const summed = axes(true);
      const O = numel(io.output!.shape);
      return {
        template: { kind: 'sum_to', x: x.name, out: io.output!.name, O, R: numel(summed.map((a) => a.dim)), kept: axes(false), summed, wg: SUM_WG },
        workgroups: grid(O),
      };
    },
  },
  reshape: {
    kind: 'view', doc: 'same data, new shape', arity: 1,
    shape: ([x], attrs) => {
      const target = attrs.shape as number[];
      if (numel(target) !== numel(x!.shape)) throw new ShapeError(`cannot reshape ${shapeStr(x!.shape)} (${numel(x!.shape)} elements) to ${shapeStr(target)} (${numel(target)} elements)`);
      return { shape: [...target], dtype: x!.dtype };
    },
  },
} satisfies Record<string, KernelRow | ViewRow>;
