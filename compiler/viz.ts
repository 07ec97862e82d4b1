// The layer graph of a model, for `dlc viz` and the demo: the layers and operations of `dlc check`'s
// summary as nodes (same names, activations and parameter counts), the values between them (with
// per-sample shapes) as edges; rendered as Graphviz DOT, Mermaid, or a
// self-contained SVG (laid out by viz/graph.ts), so no Graphviz is needed.
import { groupDigits } from '../dsl/group-digits.ts';
import { graphSvg } from '../viz/graph.ts';
import type { CompileResult } from './compile.ts';
import { layerTable, nameSaysType, typeDetail, type LayerRow } from './layer-rows.ts';

export interface VizNode {
  id: string;
  label: string;
  kind: 'input' | 'layer' | 'output';
  detail: string;
}

export interface VizEdge {
  from: string;
  to: string;
  label: string;
}

export interface LayerGraph {
  model: string;
  nodes: VizNode[];
  edges: VizEdge[];
}
const perSample = (shape: number[]): string => `(${shape.join(', ')})`;

/**
 * A layer's detail line: what its name does not say of its type (a scale's factor; the type of a
 * layer the program named), its activation, and its parameters counted as `dlc check` counts them
 * (batch norm's running statistics included). Empty for a bare operation such as add_1 or relu_1.
 */
function detailOf(r: LayerRow): string {
  const count = r.trainable + r.nonTrainable;
  return [
    nameSaysType(r) ? typeDetail(r) : r.type,
    r.activation === 'linear' ? '' : r.activation,
    count > 0 ? `${groupDigits(count)} params` : '',
  ].filter((t) => t !== '').join(' · ');
}

/**
 * The layer graph of a compile result: the rows of `dlc check`'s summary (compiler/layer-rows.ts)
 * as nodes, with the same names and counts, and their connections as edges, from the graph before
 * fusion (a fused compile's 'programs' snapshot).
 */
export function layerGraph(r: CompileResult): LayerGraph {
  const { rows, graph: g, owner, byLayer } = layerTable(r);
  const inputs = new Map(g.inputs.map((i) => [i.name, i]));
  const idOf = (row: LayerRow): string => (row.type === 'input' ? `in:${row.name}` : `layer:${row.name}`);
  const nodes: VizNode[] = rows.map((row) => {
    const input = row.type === 'input' ? inputs.get(row.name) : undefined;
    if (!input) return { id: idOf(row), label: row.name, kind: 'layer', detail: detailOf(row) };
    const detail = input.classes !== undefined ? `class[${input.classes}]` : input.vocab !== undefined ? `tokens[${input.vocab}, ${g.value(input.value).shape[1]}]` : `f32${JSON.stringify(g.value(input.value).shape.slice(1))}`;
    return { id: idOf(row), label: row.name, kind: 'input', detail };
  });
  const byName = new Map(rows.map((row) => [row.name, row]));
  const edges: VizEdge[] = rows.flatMap((row) => row.inputs.map((from, k) => {
    const shape = row.inputShapes[k]!;
    return { from: idOf(byName.get(from)!), to: idOf(row), label: shape === 'labels' ? 'labels' : perSample(shape) };
  }));
  for (const o of g.programs.eval.outputs) {
    if (o.name === 'loss_rows' || o.name === 'correct_rows') continue;
    // The eval program computes its own copy of the forward pass: find the output's layer by name.
    const producer = g.producer.get(o.value);
    const layer = producer === undefined ? undefined : g.nodes[producer]!.layer;
    const from = owner.get(o.value) ?? (layer !== undefined ? byLayer.get(layer) : undefined);
    if (from === undefined) continue;
    nodes.push({ id: `out:${o.name}`, label: o.name, kind: 'output', detail: 'output' });
    edges.push({ from: idOf(from), to: `out:${o.name}`, label: perSample(g.value(o.value).shape.slice(1)) });
  }
  // Inputs that feed no layer (the labels) are left out: they belong to the loss, not the model.
  const used = new Set(edges.map((e) => e.from));
  return { model: r.lowered?.model.name ?? 'model', nodes: nodes.filter((n) => n.kind !== 'input' || used.has(n.id)), edges };
}

const dotEsc = (s: string): string => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

export function toDot(lg: LayerGraph): string {
  const idOf = new Map(lg.nodes.map((n, i) => [n.id, `n${i}`]));
  const lines = [`digraph "${dotEsc(lg.model)}" {`, '  rankdir=TB;', '  node [shape=box, style="rounded,filled", fontname="Helvetica", fillcolor="#eef3fb"];', '  edge [fontname="Helvetica", fontsize=10];'];
  for (const n of lg.nodes) {
    const fill = n.kind === 'input' ? ', fillcolor="#e8f5e9"' : n.kind === 'output' ? ', fillcolor="#fdecea"' : '';
    const text = n.detail === '' ? dotEsc(n.label) : `${dotEsc(n.label)}\\n${dotEsc(n.detail)}`;
    lines.push(`  ${idOf.get(n.id)} [label="${text}"${fill}];`);
  }
  for (const e of lg.edges) lines.push(`  ${idOf.get(e.from)} -> ${idOf.get(e.to)} [label="${dotEsc(e.label)}"];`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

const mermaidEsc = (s: string): string => s.replace(/"/g, '#quot;');

export function toMermaid(lg: LayerGraph): string {
  const idOf = new Map(lg.nodes.map((n, i) => [n.id, `n${i}`]));
  const lines = ['flowchart TD'];
  for (const n of lg.nodes) {
    const text = n.detail === '' ? mermaidEsc(n.label) : `${mermaidEsc(n.label)}<br/>${mermaidEsc(n.detail)}`;
    lines.push(`  ${idOf.get(n.id)}${n.kind === 'layer' ? `["${text}"]` : `(["${text}"])`}`);
  }
  for (const e of lg.edges) lines.push(`  ${idOf.get(e.from)} -->|"${mermaidEsc(e.label)}"| ${idOf.get(e.to)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The layer graph as a self-contained SVG, laid out by dagre (viz/graph.ts): skip connections in
 * lanes of their own beside the nodes they pass, edge labels where no node or other label is.
 * Nodes and edges carry the DOT output's names (n0, n1, ...).
 */
export function toSvg(lg: LayerGraph): string {
  const index = new Map(lg.nodes.map((n, i) => [n.id, i]));
  return graphSvg(lg.model, lg.nodes, lg.edges.map((e) => ({ from: index.get(e.from)!, to: index.get(e.to)!, label: e.label })));
}
