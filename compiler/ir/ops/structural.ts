// Matmul, sum_to and reshape: the ops that move data between shapes.
import { emitMatmul } from '../../codegen/wgsl/matmul.ts';
import { emitSumTo } from '../../codegen/wgsl/reduce.ts';
import { matmulDims, reducedAxes } from '../geometry.ts';
import { numel, shapeStr, strides, tensor } from '../tensor.ts';
import { ShapeError, type KernelDef, type ViewDef } from './def.ts';

export const STRUCTURAL_OPS = {
  matmul: {
    kind: 'kernel', doc: 'C = op(A)·op(B) for 2-D A, B; op transposes when transA / transB', arity: 2,
    shape: ([a, b], attrs) => {
      if (a!.shape.length !== 2 || b!.shape.length !== 2) throw new ShapeError(`matmul needs 2-D operands, got ${shapeStr(a!.shape)} and ${shapeStr(b!.shape)}`);
      const { M, K, N, Kb } = matmulDims(a!.shape, b!.shape, attrs.transA === true, attrs.transB === true);
      if (K !== Kb) throw new ShapeError(`matmul inner dimensions differ: ${shapeStr(a!.shape)} and ${shapeStr(b!.shape)}`);
      return { shape: [M, N], dtype: 'f32' };
    },
    reference: ([a, b], attrs, out) => {
      const tA = attrs.transA === true;
      const tB = attrs.transB === true;
      const { M, K, N } = matmulDims(a!.shape, b!.shape, tA, tB);
      const c = tensor(out.shape);
      for (let m = 0; m < M; m++) {
        for (let n = 0; n < N; n++) {
          let s = 0;
          for (let k = 0; k < K; k++) s += a!.data[tA ? k * M + m : m * K + k]! * b!.data[tB ? n * K + k : k * N + n]!;
          c.data[m * N + n] = s;
        }
      }
      return c;
    },
    vjp: (b, n, g) => {
      const [A, B] = n.inputs as [number, number];
      const tA = n.attrs.transA === true;
      const tB = n.attrs.transB === true;
      // Derivation per case: C = op(A)op(B) ⇒ dop(A) = g·op(B)ᵀ, dop(B) = op(A)ᵀ·g, then undo op.
      const mm = (x: number, y: number, ta: boolean, tb: boolean) => b.op('matmul', [x, y], { transA: ta, transB: tb });
      if (!tA && !tB) return [mm(g, B, false, true), mm(A, g, true, false)];
      if (tA && !tB) return [mm(B, g, false, true), mm(A, g, false, false)];
      if (!tA && tB) return [mm(g, B, false, false), mm(g, A, true, false)];
      return [mm(B, g, true, true), mm(g, A, true, true)];
    },
    emit: emitMatmul,
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
    vjp: (b, n, g) => [b.op('broadcast_to', [g], { shape: b.shape(n.inputs[0]!) })],
    emit: emitSumTo,
  },
  reshape: {
    kind: 'view', doc: 'same data, new shape', arity: 1,
    shape: ([x], attrs) => {
      const target = attrs.shape as number[];
      if (numel(target) !== numel(x!.shape)) throw new ShapeError(`cannot reshape ${shapeStr(x!.shape)} (${numel(x!.shape)} elements) to ${shapeStr(target)} (${numel(target)} elements)`);
      return { shape: [...target], dtype: x!.dtype };
    },
    vjp: (b, n, g) => [b.op('reshape', [g], { shape: b.shape(n.inputs[0]!) })],
  },
} satisfies Record<string, KernelDef | ViewDef>;
