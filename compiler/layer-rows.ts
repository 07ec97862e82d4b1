// The layers of a model as `dlc check`'s summary and `dlc viz`'s graph both show them, so the two
// agree: one row per input, layer and bare operation (`x + h` is an add, `0.5 * h` a scale), with
// its name, parameter count, activation and what feeds it, so a residual model shows its skips as
// Keras' "Connected to" column does. Read from the graph before fusion merges layers into kernels.
import type { CompileResult } from './compile.ts';
import type { Graph } from './ir/graph.ts';
import type { ValueId } from './ir/types.ts';
import { ACTIVATIONS } from './lower/layers.ts';
import { LAYERS } from './lower/registry.ts';

/** One row of the summary. */
export interface LayerRow {
  /** Layer name (dense_1), an input's name, or a generated name for a bare operation (add_1). */
  name: string;
  /** Layer type (dense), 'input', or the operation (add, scale ×0.5). */
  type: string;
  /** The names the program gave this row's output (`stem`; `h (residual)` inside a block). */
  names: string[];
  /** Per-sample output shape, "(batch, 128)", or "(batch) class labels". */
  shape: string;
  trainable: number;
  /** Layer state that is saved but not trained (batch norm's running mean and variance). */
  nonTrainable: number;
  /** The activation of a layer that takes one (dense, conv2d): 'relu', 'linear'; else ''. */
  activation: string;
  /** The rows whose outputs feed this one. */
  inputs: string[];
  /** Per input row, the per-sample shape of the value it feeds, or 'labels' for class labels. */
  inputShapes: (number[] | 'labels')[];
}

/** The rows, and which row computes each value of the forward pass (by value, and by layer name). */
export interface LayerTable {
  rows: LayerRow[];
  graph: Graph;
  owner: Map<ValueId, LayerRow>;
  byLayer: Map<string, LayerRow>;
}

/** Graph layers that are training bookkeeping, not part of the model. */
const NOT_LAYERS = new Set(['loss', 'metrics', 'regularize']);
const ACTIVATION_OPS = new Set<string>(ACTIVATIONS);
const count = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** How a bare operation with a number reads in the Type column: `scale ×0.5`, `shift +1`, `2 / x`. */
function bareOpType(op: string, attrs: Record<string, unknown>): string {
  switch (op) {
    case 'scale': return `scale ×${attrs.factor}`;
    case 'shift': return `shift ${(attrs.offset as number) < 0 ? '' : '+'}${attrs.offset}`;
    case 'rdiv': return `${attrs.numerator} / x`;
    default: return op;
  }
}

/** Whether a row's name is generated from its type, so that it says the type: dense_1, add_1, scale_1 (scale ×0.5). */
export function nameSaysType(r: LayerRow): boolean {
  const op = r.type.split(' ')[0]!;
  return r.name.startsWith(`${op}_`) && /^\d+$/.test(r.name.slice(op.length + 1));
}

/** What a type says beyond its operation: the factor of a scale (×0.5), else ''. */
export const typeDetail = (r: LayerRow): string => r.type.split(' ').slice(1).join(' ');

/** The rows of `layerTable`. */
export const layerRows = (r: CompileResult): LayerRow[] => layerTable(r).rows;

/**
 * The rows of a compile result, from its graph before optimisation (the 'programs' snapshot, or
 * the graph of a compile without fusion), from the training forward pass when there is one (so
 * dropout appears), else the eval program.
 */
export function layerTable(r: CompileResult): LayerTable {
  const g = r.snapshots?.programs ?? r.graph!;
  const train = g.programs.train_step.nodes.filter((id) => g.nodes[id]!.phase === 'forward');
  const ids = train.length ? train : g.programs.eval.nodes;
  const types = new Map((r.summary ?? []).map((s) => [s.name, s.type]));
  const names = new Map<ValueId, string[]>();
  for (const b of r.lowered?.bindings ?? []) names.set(b.value, [...(names.get(b.value) ?? []), b.block ? `${b.name} (${b.block})` : b.name]);
  const vocab = new Map(g.inputs.flatMap((i) => (i.vocab !== undefined ? [[i.value, i.vocab] as const] : [])));
  const shapeOf = (v: ValueId): string => {
    const per = `(${['batch', ...g.value(v).shape.slice(1)].join(', ')})`;
    if (vocab.has(v)) return `${per} token ids < ${vocab.get(v)}`;
    return g.value(v).dtype === 'i32' ? '(batch) class labels' : per;
  };

  const rows: LayerRow[] = [];
  const owner = new Map<ValueId, LayerRow>();
  for (const i of g.inputs) {
    const row: LayerRow = { name: i.name, type: 'input', names: [], shape: shapeOf(i.value), trainable: 0, nonTrainable: 0, activation: '', inputs: [], inputShapes: [] };
    rows.push(row);
    owner.set(i.value, row);
  }
  // A layer's parameters and saved state, by layer name.
  const sizes = new Map<string, { trainable: number; nonTrainable: number }>();
  const sizeOf = (layer: string) => sizes.get(layer) ?? sizes.set(layer, { trainable: 0, nonTrainable: 0 }).get(layer)!;
  // A frozen layer's weights count as non-trainable, as Keras' summary counts them.
  for (const p of g.params) sizeOf(p.layer)[p.frozen ? 'nonTrainable' : 'trainable'] += count(g.value(p.value).shape);
  for (const s of g.state) if (s.owner === 'layer') sizeOf(g.value(s.value).name.split('.')[0]!).nonTrainable += count(g.value(s.value).shape);

  const taken = new Set([...types.keys(), ...g.inputs.map((i) => i.name)]);
  const opCounts = new Map<string, number>();
  /** A bare operation's name in the layers' style (add_1), skipping names layers already have. */
  const opName = (op: string): string => {
    let n = opCounts.get(op) ?? 0;
    let name: string;
    do name = `${op}_${++n}`; while (taken.has(name));
    opCounts.set(op, n);
    taken.add(name);
    return name;
  };

  const byLayer = new Map<string, LayerRow>();
  let last: { row: LayerRow; op: string } | undefined;
  const finish = (): void => {
    // A layer that takes an activation argument shows it: its last operation when that is an activation.
    if (last && LAYERS[last.row.type]?.hyper.some((h) => h.name === 'activation')) last.row.activation = ACTIVATION_OPS.has(last.op) ? last.op : 'linear';
  };
  for (const nid of ids) {
    const n = g.nodes[nid]!;
    if (n.output === null || (n.layer !== undefined && NOT_LAYERS.has(n.layer))) continue;
    let row = n.layer !== undefined ? byLayer.get(n.layer) : undefined;
    if (!row) {
      finish();
      const layer = n.layer;
      const type = layer !== undefined ? (types.get(layer) ?? n.op) : bareOpType(n.op, n.attrs);
      const size = layer !== undefined ? sizeOf(layer) : { trainable: 0, nonTrainable: 0 };
      row = { name: layer ?? opName(n.op), type, names: [], shape: '', ...size, activation: '', inputs: [], inputShapes: [] };
      rows.push(row);
      if (layer !== undefined) byLayer.set(layer, row);
    }
    for (const v of n.inputs) {
      const from = owner.get(v);
      if (from && from !== row && !row.inputs.includes(from.name)) {
        row.inputs.push(from.name);
        row.inputShapes.push(g.value(v).dtype === 'i32' && !vocab.has(v) ? 'labels' : g.value(v).shape.slice(1));
      }
    }
    owner.set(n.output, row);
    row.shape = shapeOf(n.output);
    row.names = names.get(n.output) ?? [];
    last = { row, op: n.op };
  }
  finish();
  return { rows, graph: g, owner, byLayer };
}
