// Embedding lookups: rows of a table gathered by integer ids, and the gradient that sums them back
// into the table's rows (scatter-add), deterministically: no float atomics exist in WGSL.
import { grid } from '../kernel-spec.ts';
import { numel, shapeStr, tensor } from '../tensor.ts';
import type { Attrs } from '../types.ts';
import { ShapeError, type KernelRow } from './def.ts';

/** Invocations per workgroup: one per output element (gather), per bucket (id_buckets) or per table row (scatter_add). */
const WG = 64;

/** Table rows per bucket of id_buckets. */
const ROWS_PER_BUCKET = 64;

/** The `rows` attribute (the table's row count), an integer ≥ 1. */
function rowsAttr(op: string, attrs: Attrs): number {
  const rows = attrs.rows;
  if (typeof rows !== 'number' || !Number.isInteger(rows) || rows < 1) throw new ShapeError(`${op} needs 'rows' as an integer ≥ 1, got ${JSON.stringify(rows)}`);
  return rows;
}

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
  // The ids of each block of ROWS_PER_BUCKET table rows, in position order: scatter_add's row
  // invocations then scan their block's list instead of every id (V/64 · N comparisons here, about
  // N/(V/64) per row there, instead of V · N).
  id_buckets: {
    kind: 'kernel', doc: 'positions of the ids in each block of 64 table rows: i32 [blocks, 1 + N], a count then the positions in order', arity: 1, intInputs: [0],
    shape: ([ids], attrs) => {
      const rows = rowsAttr('id_buckets', attrs);
      return { shape: [Math.ceil(rows / ROWS_PER_BUCKET), 1 + numel(ids!.shape)], dtype: 'i32' };
    },
    reference: ([ids], _attrs, out) => {
      const [blocks, width] = out.shape as [number, number];
      const y = tensor(out.shape);
      for (let b = 0; b < blocks; b++) {
        let k = 0;
        ids!.data.forEach((v, n) => {
          if (Number.isInteger(v) && v >= b * ROWS_PER_BUCKET && v < (b + 1) * ROWS_PER_BUCKET) y.data[b * width + 1 + k++] = n;
        });
        y.data[b * width] = k;
      }
      return y;
    },
    kernel: (io) => {
      const ids = io.inputs[0]!;
      const blocks = io.output!.shape[0]!;
      return { template: { kind: 'id_buckets', ids: ids.name, out: io.output!.name, blocks, rowsPerBucket: ROWS_PER_BUCKET, N: numel(ids.shape), wg: WG }, workgroups: grid(Math.ceil(blocks / WG)) };
    },
  },
  scatter_add: {
    kind: 'kernel', doc: 'dtable of gather: [rows, D], row v the sum of g[..., :] over the positions whose id is v (in position order), found through id_buckets', arity: 3, intInputs: [1, 2],
    shape: ([g, ids, buckets], attrs) => {
      const rows = rowsAttr('scatter_add', attrs);
      const lead = g!.shape.slice(0, -1);
      if (g!.shape.length < 1 || lead.length !== ids!.shape.length || lead.some((d, k) => d !== ids!.shape[k])) {
        throw new ShapeError(`scatter_add needs a gradient [...ids, features], got ${shapeStr(g!.shape)} for ids ${shapeStr(ids!.shape)}`);
      }
      const want = [Math.ceil(rows / ROWS_PER_BUCKET), 1 + numel(ids!.shape)];
      if (buckets!.shape.length !== 2 || buckets!.shape[0] !== want[0] || buckets!.shape[1] !== want[1]) {
        throw new ShapeError(`scatter_add needs the id_buckets of its ids, ${shapeStr(want)}, got ${shapeStr(buckets!.shape)}`);
      }
      return { shape: [rows, g!.shape[g!.shape.length - 1]!], dtype: 'f32' };
    },
    // The buckets only say where to look: the sum is over every position whose id is v, in order.
    reference: ([g, ids], _attrs, out) => {
      const [V, D] = out.shape as [number, number];
      const y = tensor(out.shape);
      ids!.data.forEach((v, n) => {
        if (inTable(v, V)) for (let d = 0; d < D; d++) y.data[v * D + d] += g!.data[n * D + d]!;
      });
      return y;
    },
    // One invocation per table row reads its block's positions in order, so each row's sum has one
    // fixed order (the same on every run and device); rows no id names are written as zeros.
    kernel: (io) => {
      const [g, ids, buckets] = io.inputs;
      const [V, D] = io.output!.shape as [number, number];
      return {
        template: { kind: 'scatter_add', g: g!.name, ids: ids!.name, buckets: buckets!.name, out: io.output!.name, V, D, width: buckets!.shape[1]!, rowsPerBucket: ROWS_PER_BUCKET, wg: WG },
        workgroups: grid(Math.ceil(V / WG)),
      };
    },
  },
} satisfies Record<string, KernelRow>;
