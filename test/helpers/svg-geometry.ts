// Reads back what a drawn layer graph shows (node boxes, edge paths, label boxes) from its SVG text,
// so tests check the picture itself rather than the layout's own numbers.

export interface Rect { x: number; y: number; width: number; height: number }
export interface Point { x: number; y: number }

export interface DrawnGraph {
  nodes: Map<string, Rect>;
  edges: { from: string; to: string; d: string }[];
  labels: { from: string; to: string; box: Rect; text: string }[];
}

const num = (s: string | undefined): number => Number(s);
const rectOf = (m: RegExpMatchArray): Rect => ({ x: num(m.groups!.x), y: num(m.groups!.y), width: num(m.groups!.w), height: num(m.groups!.h) });
const BOX = 'x="(?<x>[-\\d.]+)" y="(?<y>[-\\d.]+)" width="(?<w>[\\d.]+)" height="(?<h>[\\d.]+)"';
const unescape = (s: string): string => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');

/** The nodes, edges and edge labels of an SVG written by viz/graph.ts. */
export function readGraphSvg(svg: string): DrawnGraph {
  const nodes = new Map<string, Rect>();
  for (const m of svg.matchAll(new RegExp(`<rect class="node" data-node="(?<id>n\\d+)" ${BOX}`, 'g'))) nodes.set(m.groups!.id!, rectOf(m));
  const edges = [...svg.matchAll(/<path class="edge" data-from="(n\d+)" data-to="(n\d+)" d="([^"]+)"/g)].map((m) => ({ from: m[1]!, to: m[2]!, d: m[3]! }));
  const labels = [...svg.matchAll(new RegExp(`<rect class="edge-label" data-from="(?<from>n\\d+)" data-to="(?<to>n\\d+)" ${BOX}[^>]*/>\\n<text [^>]*>(?<text>[^<]*)</text>`, 'g'))]
    .map((m) => ({ from: m.groups!.from!, to: m.groups!.to!, box: rectOf(m), text: unescape(m.groups!.text!) }));
  return { nodes, edges, labels };
}

/** Points along an SVG path of M, L and C commands (absolute), `perCurve` samples per segment. */
export function samplePath(d: string, perCurve = 24): Point[] {
  const tokens = d.match(/[MLC]|[-\d.]+/g)!;
  const out: Point[] = [];
  let i = 0;
  let cmd = '';
  const next = (): Point => ({ x: Number(tokens[i++]), y: Number(tokens[i++]) });
  while (i < tokens.length) {
    if (/[MLC]/.test(tokens[i]!)) cmd = tokens[i++]!;
    const from = out[out.length - 1]!;
    if (cmd === 'M') out.push(next());
    else if (cmd === 'L') {
      const to = next();
      for (let k = 1; k <= perCurve; k++) out.push({ x: from.x + ((to.x - from.x) * k) / perCurve, y: from.y + ((to.y - from.y) * k) / perCurve });
    } else {
      const [c1, c2, to] = [next(), next(), next()];
      for (let k = 1; k <= perCurve; k++) {
        const t = k / perCurve, u = 1 - t;
        out.push({
          x: u * u * u * from.x + 3 * u * u * t * c1.x + 3 * u * t * t * c2.x + t * t * t * to.x,
          y: u * u * u * from.y + 3 * u * u * t * c1.y + 3 * u * t * t * c2.y + t * t * t * to.y,
        });
      }
    }
  }
  return out;
}

/** Whether `p` lies inside `r` shrunk by `inset` on every side. */
export const inside = (p: Point, r: Rect, inset = 0): boolean =>
  p.x > r.x + inset && p.x < r.x + r.width - inset && p.y > r.y + inset && p.y < r.y + r.height - inset;

/** Whether two boxes share any area. */
export const overlap = (a: Rect, b: Rect): boolean =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** Whether `p` lies on the border of `r` (within `tol` pixels). */
export const onBorder = (p: Point, r: Rect, tol = 1): boolean => {
  const inX = p.x >= r.x - tol && p.x <= r.x + r.width + tol;
  const inY = p.y >= r.y - tol && p.y <= r.y + r.height + tol;
  const nearX = Math.abs(p.x - r.x) <= tol || Math.abs(p.x - r.x - r.width) <= tol;
  const nearY = Math.abs(p.y - r.y) <= tol || Math.abs(p.y - r.y - r.height) <= tol;
  return (inX && nearY) || (inY && nearX);
};
