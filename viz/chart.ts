// Line charts of training curves, for history.svg (cli/history.ts) and the demo page alike: panels
// stacked over one x axis (loss, accuracy, learning rate), each with ticks at 1-2-5 steps, axis
// titles, and its legend to the right of the plot area, where no curve can run under it.
import { FONT_FAMILY, formatTick, niceTicks, svgText, textWidth, type Ticks } from './svg.ts';

/** One curve. Points with a non-finite y break the line. */
export interface ChartSeries {
  name: string;
  color: string;
  dashed?: boolean;
  /** A dot at every point (for per-epoch values, so a single epoch still shows). */
  markers?: boolean;
  points: { x: number; y: number }[];
}

/** A plot area with its own y axis. */
export interface ChartPanel {
  yTitle: string;
  series: ChartSeries[];
  /** Values are fractions shown as percentages (ticks 90%, 95%, ...); the axis stays within 0–100%. */
  percent?: boolean;
  /** The y axis starts at 0 (losses, rates), so changes are seen in proportion. */
  fromZero?: boolean;
  /** Share of the height (default 1). */
  weight?: number;
  /** A line of text under the legend (e.g. "constant 0.001"). */
  note?: string;
}

export interface ChartSpec {
  title: string;
  xTitle: string;
  width: number;
  height: number;
  panels: ChartPanel[];
  /** The x range; default the data's. */
  xRange?: [number, number];
  /** x takes whole values (epochs): no tick between two integers. */
  wholeX?: boolean;
}

const TITLE_H = 30;
const X_AXIS_H = 40;
const PANEL_GAP = 18;
const LEGEND_LINE = 22;
const LEGEND_ROW = 18;
const TICK_SIZE = 11;

const f = (v: number): string => String(Math.round(v * 10) / 10);

/** The finite y values of a panel. */
const valuesOf = (p: ChartPanel): number[] => p.series.flatMap((s) => s.points.map((q) => q.y)).filter(Number.isFinite);

/** The y ticks of a panel: nice steps over its data, from 0 when asked, within [0, 1] for percentages. */
function yTicks(p: ChartPanel, rows: number): Ticks {
  const ys = valuesOf(p);
  let lo = ys.length ? Math.min(...ys) : 0;
  let hi = ys.length ? Math.max(...ys) : 1;
  if (p.fromZero) lo = Math.min(0, lo);
  const t = niceTicks(lo, hi, rows);
  if (!p.percent || (t.lo >= 0 && t.hi <= 1)) return t;
  const values = t.values.filter((v) => v >= 0 && v <= 1);
  return { ...t, values, lo: Math.max(0, t.lo), hi: Math.min(1, t.hi) };
}

/** Polylines of a series in plot coordinates, one per run of finite points. */
function polylines(s: ChartSeries, px: (x: number) => number, py: (y: number) => number): string[] {
  const runs: string[][] = [[]];
  for (const q of s.points) {
    if (Number.isFinite(q.x) && Number.isFinite(q.y)) runs[runs.length - 1]!.push(`${f(px(q.x))},${f(py(q.y))}`);
    else if (runs[runs.length - 1]!.length) runs.push([]);
  }
  const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
  const lines = runs.filter((r) => r.length > 1).map((r) => `<polyline class="series" data-series="${svgText(s.name)}" fill="none" stroke="${s.color}" stroke-width="2"${dash} points="${r.join(' ')}"/>`);
  const dots = s.markers || s.points.length === 1
    ? s.points.filter((q) => Number.isFinite(q.x) && Number.isFinite(q.y)).map((q) => `<circle cx="${f(px(q.x))}" cy="${f(py(q.y))}" r="2.8" fill="${s.color}"/>`)
    : [];
  return [...lines, ...dots];
}

/** The legend's width: its longest entry (or note) after the line sample. */
function legendWidth(panels: ChartPanel[]): number {
  const entries = panels.flatMap((p) => [...p.series.map((s) => LEGEND_LINE + 6 + textWidth(s.name, 12)), p.note ? textWidth(p.note, 11) : 0]);
  return Math.ceil(Math.max(60, ...entries)) + 20;
}

/**
 * The chart as a self-contained SVG: the plot areas are `rect.plot`, legend entries `g.legend-item`,
 * axis titles `text.axis-title`, tick labels `text.tick` (so tests can check the picture).
 */
export function lineChart(spec: ChartSpec): string {
  const { width: W, height: H, panels } = spec;
  const totalWeight = panels.reduce((a, p) => a + (p.weight ?? 1), 0);
  const plotsH = H - TITLE_H - X_AXIS_H - PANEL_GAP * Math.max(0, panels.length - 1);
  const heights = panels.map((p) => (plotsH * (p.weight ?? 1)) / totalWeight);
  const ticks = panels.map((p, i) => yTicks(p, Math.max(2, Math.round(heights[i]! / 50))));
  const labels = ticks.map((t, i) => t.values.map((v) => formatTick(v, t.step, panels[i]!.percent)));
  const L = 24 + Math.ceil(Math.max(0, ...labels.flat().map((s) => textWidth(s, TICK_SIZE)))) + 8;
  const R = legendWidth(panels);
  const plotW = W - L - R;
  const xs = panels.flatMap((p) => p.series.flatMap((s) => s.points.map((q) => q.x))).filter(Number.isFinite);
  const [x0, x1] = spec.xRange ?? [xs.length ? Math.min(...xs) : 0, xs.length ? Math.max(...xs) : 1];
  const xt = niceTicks(x0, x1, Math.max(2, Math.round(plotW / 70)), spec.wholeX ? 1 : 0);
  // The data's own range when it is given or whole; nice ticks inside it.
  const [xlo, xhi] = spec.xRange ?? [xt.lo, xt.hi];
  const px = (x: number): number => L + ((x - xlo) / (xhi - xlo || 1)) * plotW;
  const xTickValues = xt.values.filter((v) => v >= xlo - 1e-9 && v <= xhi + 1e-9);
  const out: string[] = [`<text x="${f(L + plotW / 2)}" y="20" font-size="14" font-weight="bold" text-anchor="middle">${svgText(spec.title)}</text>`];
  let top = TITLE_H;
  panels.forEach((p, i) => {
    const h = heights[i]!;
    const t = ticks[i]!;
    const py = (y: number): number => top + h - ((y - t.lo) / (t.hi - t.lo || 1)) * h;
    out.push(`<rect class="plot" x="${f(L)}" y="${f(top)}" width="${f(plotW)}" height="${f(h)}" fill="#fcfcfe" stroke="#99a"/>`);
    t.values.forEach((v, k) => {
      out.push(`<line x1="${f(L)}" y1="${f(py(v))}" x2="${f(L + plotW)}" y2="${f(py(v))}" stroke="#e4e4ec"/>`);
      out.push(`<text class="tick" x="${f(L - 6)}" y="${f(py(v) + 4)}" font-size="${TICK_SIZE}" text-anchor="end" fill="#334">${labels[i]![k]}</text>`);
    });
    for (const v of xTickValues) out.push(`<line x1="${f(px(v))}" y1="${f(top)}" x2="${f(px(v))}" y2="${f(top + h)}" stroke="#eeeef4"/>`);
    const cy = top + h / 2;
    out.push(`<text class="axis-title" x="14" y="${f(cy)}" font-size="12" text-anchor="middle" transform="rotate(-90 14 ${f(cy)})">${svgText(p.yTitle)}</text>`);
    for (const s of p.series) out.push(...polylines(s, px, py));
    // The legend: right of the plot area, one row per series, the note under it.
    const lx = L + plotW + 14;
    p.series.forEach((s, k) => {
      const ly = top + 12 + k * LEGEND_ROW;
      const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
      out.push(`<g class="legend-item"><line x1="${f(lx)}" y1="${f(ly - 4)}" x2="${f(lx + LEGEND_LINE)}" y2="${f(ly - 4)}" stroke="${s.color}" stroke-width="2"${dash}/><text x="${f(lx + LEGEND_LINE + 6)}" y="${f(ly)}" font-size="12">${svgText(s.name)}</text></g>`);
    });
    if (p.note) out.push(`<text class="note" x="${f(lx)}" y="${f(top + 12 + p.series.length * LEGEND_ROW)}" font-size="11" fill="#556">${svgText(p.note)}</text>`);
    top += h + PANEL_GAP;
  });
  const bottom = top - PANEL_GAP;
  for (const v of xTickValues) out.push(`<text class="tick" x="${f(px(v))}" y="${f(bottom + 16)}" font-size="${TICK_SIZE}" text-anchor="middle" fill="#334">${formatTick(v, xt.step)}</text>`);
  out.push(`<text class="axis-title" x="${f(L + plotW / 2)}" y="${f(bottom + 34)}" font-size="12" text-anchor="middle">${svgText(spec.xTitle)}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" class="dlc-chart" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${FONT_FAMILY}">
<rect width="${W}" height="${H}" fill="white"/>
${out.join('\n')}
</svg>
`;
}
