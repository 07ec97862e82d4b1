// The layer graph of a model, for `dlc viz`: layers (with type and parameter count) as nodes, the
// values between them (with per-sample shapes) as edges; rendered as Graphviz DOT, Mermaid, or a
// self-contained SVG (laid out by viz/graph.ts), so no Graphviz is needed.
import { graphSvg } from '../viz/graph.ts';
import type { CompileResult } from './compile.ts';
import type { ValueId } from './ir/types.ts';

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

const fmtInt = (n: number): string => n.toLocaleString('en-US');
const perSample = (shape: number[]): string => `(${shape.slice(1).join(', ')})`;
/** Graph layers that are bookkeeping, not part of the model. */
const NOT_LAYERS = new Set(['loss', 'metrics', 'regularize']);

/**
 * The layer graph of a compile result, from its graph before optimisation (the 'programs' snapshot;
 * fusion merges layers into kernels). Uses the training forward pass when there is one (so dropout
 * appears), else the eval program.
 */
export function layerGraph(r: CompileResult): LayerGraph {
  const g = r.snapshots?.programs ?? r.graph!;
  const train = g.programs.train_step.nodes.filter((id) => g.nodes[id]!.phase === 'forward');
  const ids = train.length ? train : g.programs.eval.nodes;
  const summary = new Map((r.summary ?? []).map((s) => [s.name, s]));
  const nodes: VizNode[] = [];
  const edges: VizEdge[] = [];
  const owner = new Map<ValueId, string>();
  const seen = new Set<string>();
  for (const i of g.inputs) {
    const v = g.value(i.value);
    const id = `in:${i.name}`;
    nodes.push({ id, label: i.name, kind: 'input', detail: i.classes !== undefined ? `class[${i.classes}]` : `f32${JSON.stringify(v.shape.slice(1))}` });
    owner.set(i.value, id);
  }
  for (const nid of ids) {
    const n = g.nodes[nid]!;
    if (n.output === null || (n.layer && NOT_LAYERS.has(n.layer))) continue;
    const key = n.layer ? `layer:${n.layer}` : `op:${n.op}:${nid}`;
    if (!seen.has(key)) {
      seen.add(key);
      const s = n.layer ? summary.get(n.layer) : undefined;
      nodes.push({ id: key, label: n.layer ?? n.op, kind: 'layer', detail: s ? `${s.type} · ${fmtInt(s.params)} params` : n.op });
    }
    for (const v of n.inputs) {
      const from = owner.get(v);
      if (from === undefined || from === key) continue;
      const label = perSample(g.value(v).shape);
      if (!edges.some((e) => e.from === from && e.to === key)) edges.push({ from, to: key, label: g.value(v).dtype === 'i32' ? 'labels' : label });
    }
    owner.set(n.output, key);
  }
  for (const o of g.programs.eval.outputs) {
    if (o.name === 'loss_rows' || o.name === 'correct_rows') continue;
    // The eval program computes its own copy of the forward pass: find the output's layer by name.
    const producer = g.producer.get(o.value);
    const layer = producer === undefined ? undefined : g.nodes[producer]!.layer;
    const from = owner.get(o.value) ?? (layer && seen.has(`layer:${layer}`) ? `layer:${layer}` : undefined);
    if (from === undefined) continue;
    nodes.push({ id: `out:${o.name}`, label: o.name, kind: 'output', detail: 'output' });
    edges.push({ from, to: `out:${o.name}`, label: perSample(g.value(o.value).shape) });
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
    lines.push(`  ${idOf.get(n.id)} [label="${dotEsc(n.label)}\\n${dotEsc(n.detail)}"${fill}];`);
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
    const text = `${mermaidEsc(n.label)}<br/>${mermaidEsc(n.detail)}`;
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
