// A layer graph drawn as SVG, for `dlc viz` and the demo page alike. dagre (a Sugiyama-style layered
// layout) ranks the nodes, gives every edge that skips ranks its own lane of dummy points beside the
// nodes it passes, and places each edge label as a node of its own, so no label lands on a node or
// on another label. Edges run straight down through a rank's band and bend only between bands,
// where no node is, so a skip connection is never drawn behind a node.
import dagre from '@dagrejs/dagre';
import { FONT_FAMILY, svgText, textWidth } from './svg.ts';

/** A node to draw: a name in bold with a detail line under it (none when the detail is empty). */
export interface DrawNode {
  label: string;
  detail: string;
  kind: 'input' | 'layer' | 'output';
}

/** An edge between nodes, by their index in the node list, with its label. */
export interface DrawEdge {
  from: number;
  to: number;
  label: string;
}

export interface Point {
  x: number;
  y: number;
}

/** An axis-aligned box by its top-left corner. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Where everything goes: node boxes (by node index), and per edge (by index) its route and label box. */
export interface GraphLayout {
  width: number;
  height: number;
  nodes: Box[];
  edges: { route: Point[]; label: Box }[];
}

const NODE_HEIGHT = 46;
const NODE_MIN_WIDTH = 120;
const NODE_PAD = 16;
const LABEL_SIZE = 11;
const LABEL_HEIGHT = 16;
const LABEL_PAD = 4;
/** Gap between an edge and its label (dagre puts the label to the right of the edge). */
const LABEL_OFFSET = 6;
const MARGIN = 16;

/** Width of a node box: its longer line plus padding. */
const nodeWidth = (n: DrawNode): number => Math.max(NODE_MIN_WIDTH, Math.ceil(Math.max(textWidth(n.label, 13, true), textWidth(n.detail, 11)) + 2 * NODE_PAD));
const labelWidth = (text: string): number => Math.ceil(textWidth(text, LABEL_SIZE) + 2 * LABEL_PAD);

/**
 * Lays the graph out top to bottom. Each edge's route starts on its source's border and ends on its
 * target's; between, it holds dagre's lane points, each stretched into a vertical run through its
 * rank's band.
 */
export function layoutGraph(nodes: DrawNode[], edges: DrawEdge[]): GraphLayout {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 28, edgesep: 14, ranksep: 22, marginx: MARGIN, marginy: MARGIN });
  nodes.forEach((n, i) => g.setNode(String(i), { width: nodeWidth(n), height: NODE_HEIGHT }));
  edges.forEach((e, i) => g.setEdge(String(e.from), String(e.to), { width: labelWidth(e.label), height: LABEL_HEIGHT, labelpos: 'r', labeloffset: LABEL_OFFSET }, `e${i}`));
  dagre.layout(g);
  const boxOf = (c: { x?: number; y?: number; width: number; height: number }): Box => ({ x: c.x! - c.width / 2, y: c.y! - c.height / 2, width: c.width, height: c.height });
  const nodeBoxes = nodes.map((_, i) => boxOf(g.node(String(i))));
  // A rank's band: the half-height of the tallest thing centred on it (nodes, edge labels).
  const band = new Map<number, number>();
  const widen = (y: number, half: number): void => { band.set(Math.round(y), Math.max(band.get(Math.round(y)) ?? 0, half)); };
  for (const b of nodeBoxes) widen(b.y + b.height / 2, b.height / 2);
  const laid = edges.map((e, i) => g.edge({ v: String(e.from), w: String(e.to), name: `e${i}` }));
  for (const l of laid) widen(l.y!, LABEL_HEIGHT / 2);
  const routed = laid.map((l) => {
    const pts = l.points!;
    const route: Point[] = [pts[0]!];
    for (const p of pts.slice(1, -1)) {
      const half = band.get(Math.round(p.y)) ?? 0;
      route.push({ x: p.x, y: p.y - half }, { x: p.x, y: p.y + half });
    }
    route.push(pts[pts.length - 1]!);
    // dagre reserved the label's width plus the offset beside the lane, and centres the label there.
    return { route, label: { x: l.x! - l.width! / 2, y: l.y! - LABEL_HEIGHT / 2, width: l.width!, height: LABEL_HEIGHT } };
  });
  const graph = g.graph();
  return { width: Math.ceil(graph.width!), height: Math.ceil(graph.height!), nodes: nodeBoxes, edges: routed };
}

/**
 * An SVG path through `route`: straight where it runs vertically, an S-bend with vertical ends
 * where it changes lane (the bend stays inside the gap between two bands).
 */
export function routePath(route: Point[]): string {
  const f = (v: number): string => String(Math.round(v * 10) / 10);
  let d = `M${f(route[0]!.x)},${f(route[0]!.y)}`;
  for (let i = 1; i < route.length; i++) {
    const a = route[i - 1]!, b = route[i]!;
    if (Math.abs(a.x - b.x) < 0.5) d += ` L${f(b.x)},${f(b.y)}`;
    else {
      const my = (a.y + b.y) / 2;
      d += ` C${f(a.x)},${f(my)} ${f(b.x)},${f(my)} ${f(b.x)},${f(b.y)}`;
    }
  }
  return d;
}

const FILL: Record<DrawNode['kind'], string> = { input: '#e8f5e9', layer: '#eef3fb', output: '#fdecea' };

/**
 * The graph as a self-contained SVG. Nodes are `rect.node` with `data-node="nI"`, edges
 * `path.edge` with `data-from`/`data-to` and their labels `rect.edge-label` + text, named like the
 * DOT output's nodes (n0, n1, ...) so a drawing can be checked against the DOT text.
 */
export function graphSvg(title: string, nodes: DrawNode[], edges: DrawEdge[]): string {
  const lay = layoutGraph(nodes, edges);
  const f = (v: number): string => String(Math.round(v * 10) / 10);
  const edgeSvg = edges.map((e, i) => {
    const { route, label } = lay.edges[i]!;
    return `<path class="edge" data-from="n${e.from}" data-to="n${e.to}" d="${routePath(route)}" fill="none" stroke="#667" stroke-width="1.3" marker-end="url(#dlc-arrow)"/>`;
  });
  // Labels after every edge, so no edge is drawn over a label.
  const labelSvg = edges.map((e, i) => {
    const b = lay.edges[i]!.label;
    return `<rect class="edge-label" data-from="n${e.from}" data-to="n${e.to}" x="${f(b.x)}" y="${f(b.y)}" width="${f(b.width)}" height="${f(b.height)}" fill="white" fill-opacity="0.85"/>
<text x="${f(b.x + LABEL_PAD)}" y="${f(b.y + b.height - 4)}" font-size="${LABEL_SIZE}" fill="#445">${svgText(e.label)}</text>`;
  });
  const nodeSvg = nodes.map((n, i) => {
    const b = lay.nodes[i]!;
    const cx = f(b.x + b.width / 2);
    const box = `<rect class="node" data-node="n${i}" x="${f(b.x)}" y="${f(b.y)}" width="${f(b.width)}" height="${f(b.height)}" rx="8" fill="${FILL[n.kind]}" stroke="#556"/>`;
    // A node without a detail line (add_1, relu_1) has its name in the middle.
    if (n.detail === '') return `${box}\n<text x="${cx}" y="${f(b.y + 28)}" font-size="13" font-weight="bold" text-anchor="middle">${svgText(n.label)}</text>`;
    return `${box}
<text x="${cx}" y="${f(b.y + 19)}" font-size="13" font-weight="bold" text-anchor="middle">${svgText(n.label)}</text>
<text x="${cx}" y="${f(b.y + 36)}" font-size="11" text-anchor="middle" fill="#445">${svgText(n.detail)}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${lay.width}" height="${lay.height}" viewBox="0 0 ${lay.width} ${lay.height}" font-family="${FONT_FAMILY}">
<title>${svgText(title)}</title>
<defs><marker id="dlc-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#667"/></marker></defs>
<rect width="${lay.width}" height="${lay.height}" fill="white"/>
${edgeSvg.join('\n')}
${labelSvg.join('\n')}
${nodeSvg.join('\n')}
</svg>
`;
}
