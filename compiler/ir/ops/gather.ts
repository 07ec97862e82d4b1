// Embedding lookups: rows of a table gathered by integer ids, and the gradient that sums them back
// into the table's rows (scatter-add), deterministically: no float atomics exist in WGSL.
import { grid } from '../kernel-spec.ts';
import { numel, shapeStr, tensor } from '../tensor.ts';
import { ShapeError, type KernelRow } from './def.ts';

/** Invocations per workgroup: one per output element (gather) or per table row (scatter_add). */
const WG = 64;

/** Whether id `v` names a row of a table of `V` rows (an id outside reads zeros and adds nothing). */
const inTable = (v: number, V: number): boolean => Number.isInteger(v) && v >= 0 && v < V;

export const GATHER_OPS = {
  gather: {
    kind: 'kernel', doc: 'rows of table [V, D] at i32 ids of any shape: [...ids, D]; an id outside [0, V) gives a row of zeros', arity: 2, intInputs: [1],
    shape: ([table, ids]) => {
      if (table!.shape.length !== 2) throw new ShapeError(`gather needs a table [rows, features], got ${shapeStr(table!.shape)}`);
      return { shape: [...ids!.shape, table!.shape[1]!], dtype: 'f32' };
    },
    reference: ([table, ids], _attrs, out) => {
      const [V, D] = table!.shape as [number, number];
      const y = tensor(out.shape);
      ids!.data.forEach((v, n) => {
        if (inTable(v, V)) for (let d = 0; d < D; d++) y.data[n * D + d] = table!.data[v * D + d]!;
      });
      return y;
    },
    kernel: (io) => {
      const [table, ids] = io.inputs;
      const [V, D] = table!.shape as [number, number];
      const total = numel(io.output!.shape);
      return { template: { kind: 'gather', table: table!.name, ids: ids!.name, out: io.output!.name, V, D, total, wg: WG }, workgroups: grid(Math.ceil(total / WG)) };
    },
  },
  scatter_add: {
    kind: 'kernel', doc: 'dtable of gather: [rows, D], row v the sum of g[..., :] over the positions whose id is v (in position order)', arity: 2, intInputs: [1],
    shape: ([g, ids], attrs) => {
      const rows = attrs.rows;
      if (typeof rows !== 'number' || !Number.isInteger(rows) || rows < 1) throw new ShapeError(`scatter_add needs 'rows' as an integer ≥ 1, got ${JSON.stringify(rows)}`);
      const lead = g!.shape.slice(0, -1);
      if (g!.shape.length < 1 || lead.length !== ids!.shape.length || lead.some((d, k) => d !== ids!.shape[k])) {
        throw new ShapeError(`scatter_add needs a gradient [...ids, features], got ${shapeStr(g!.shape)} for ids ${shapeStr(ids!.shape)}`);
      }
      return { shape: [rows, g!.shape[g!.shape.length - 1]!], dtype: 'f32' };
    },
    reference: ([g, ids], _attrs, out) => {
      const [V, D] = out.shape as [number, number];
      const y = tensor(out.shape);
      ids!.data.forEach((v, n) => {
        if (inTable(v, V)) for (let d = 0; d < D; d++) y.data[v * D + d] += g!.data[n * D + d]!;
      });
      return y;
    },
    // One invocation per table row scans every id in order, so each row's sum has one fixed order
    // (the same on every run and device); rows no id names are written as zeros.
    kernel: (io) => {
      const [g, ids] = io.inputs;
      const [V, D] = io.output!.shape as [number, number];
      return { template: { kind: 'scatter_add', g: g!.name, ids: ids!.name, out: io.output!.name, V, D, N: numel(ids!.shape), wg: WG }, workgroups: grid(Math.ceil(V / WG)) };
    },
  },
} satisfies Record<string, KernelRow>;
