// The training history beside the checkpoint: history.json, history.csv and history.svg (loss and
// accuracy per epoch, training and validation), rewritten atomically after every epoch.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileSafely, type WriteOptions } from '../runtime/write-node.ts';
import type { EpochResult } from '../runtime/fit.ts';

export interface HistoryRow {
  epoch: number;
  loss: number;
  accuracy?: number;
  val_loss?: number;
  val_accuracy?: number;
  val_precision?: number;
  val_recall?: number;
  val_f1?: number;
  val_mae?: number;
  val_rmse?: number;
  lr: number;
  seconds: number;
}

export const historyRow = (r: EpochResult): HistoryRow => ({
  epoch: r.epoch, loss: r.loss,
  ...(r.accuracy !== undefined ? { accuracy: r.accuracy } : {}),
  ...(r.val ? { val_loss: r.val.loss } : {}),
  ...Object.fromEntries((['accuracy', 'precision', 'recall', 'f1', 'mae', 'rmse'] as const).filter((k) => r.val?.[k] !== undefined).map((k) => [`val_${k}`, r.val![k]])),
  lr: r.lr,
  seconds: r.seconds,
});

const COLUMNS = ['epoch', 'loss', 'accuracy', 'val_loss', 'val_accuracy', 'val_precision', 'val_recall', 'val_f1', 'val_mae', 'val_rmse', 'lr', 'seconds'] as const;

export function historyCsv(rows: HistoryRow[]): string {
  const cols = COLUMNS.filter((c) => rows.some((r) => r[c] !== undefined));
  return `${[cols.join(','), ...rows.map((r) => cols.map((c) => r[c] ?? '').join(','))].join('\n')}\n`;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** A line chart: loss curves on the left axis, accuracy curves (0–100%) on the right. */
export function historySvg(rows: HistoryRow[], title: string): string {
  const W = 640, H = 360, L = 60, R = 60, T = 40, B = 44;
  const pw = W - L - R, ph = H - T - B;
  const epochs = rows.map((r) => r.epoch);
  const e0 = Math.min(...epochs), e1 = Math.max(...epochs, e0 + 1);
  const losses = rows.flatMap((r) => [r.loss, r.val_loss].filter((v): v is number => v !== undefined && Number.isFinite(v)));
  const lmax = Math.max(...losses, 1e-9) * 1.05;
  const x = (e: number): number => L + ((e - e0) / (e1 - e0)) * pw;
  const yl = (v: number): number => T + ph - (v / lmax) * ph;
  const ya = (v: number): number => T + ph - v * ph;
  const series: { key: keyof HistoryRow; color: string; dash: string; y: (v: number) => number; label: string }[] = [
    { key: 'loss', color: '#1f77b4', dash: '', y: yl, label: 'loss' },
    { key: 'val_loss', color: '#1f77b4', dash: '6 4', y: yl, label: 'val_loss' },
    { key: 'accuracy', color: '#d62728', dash: '', y: ya, label: 'accuracy' },
    { key: 'val_accuracy', color: '#d62728', dash: '6 4', y: ya, label: 'val_accuracy' },
  ];
  const lines = series.filter((s) => rows.some((r) => r[s.key] !== undefined)).map((s, k) => {
    const pts = rows.filter((r) => r[s.key] !== undefined && Number.isFinite(r[s.key] as number)).map((r) => `${x(r.epoch).toFixed(1)},${s.y(r[s.key] as number).toFixed(1)}`);
    const legendY = T + 14 + k * 16;
    return `<polyline fill="none" stroke="${s.color}" stroke-width="2" stroke-dasharray="${s.dash}" points="${pts.join(' ')}"/>
<line x1="${L + pw - 120}" y1="${legendY - 4}" x2="${L + pw - 96}" y2="${legendY - 4}" stroke="${s.color}" stroke-width="2" stroke-dasharray="${s.dash}"/><text x="${L + pw - 90}" y="${legendY}" font-size="12">${s.label}</text>`;
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => `<text x="${L - 6}" y="${(yl(f * lmax) + 4).toFixed(1)}" font-size="11" text-anchor="end">${(f * lmax).toPrecision(3)}</text>`
    + (rows.some((r) => r.accuracy !== undefined) ? `<text x="${L + pw + 6}" y="${(ya(f) + 4).toFixed(1)}" font-size="11">${Math.round(f * 100)}%</text>` : '')
    + `<line x1="${L}" y1="${yl(f * lmax).toFixed(1)}" x2="${L + pw}" y2="${yl(f * lmax).toFixed(1)}" stroke="#eee"/>`);
  const eticks = [...new Set([e0, Math.round((e0 + e1) / 2), e1])].map((e) => `<text x="${x(e).toFixed(1)}" y="${T + ph + 18}" font-size="11" text-anchor="middle">${e}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">
<rect width="${W}" height="${H}" fill="white"/>
<text x="${W / 2}" y="22" font-size="14" text-anchor="middle">${esc(title)}</text>
${ticks.join('\n')}
<line x1="${L}" y1="${T + ph}" x2="${L + pw}" y2="${T + ph}" stroke="#333"/><line x1="${L}" y1="${T}" x2="${L}" y2="${T + ph}" stroke="#333"/>
${eticks.join('\n')}
<text x="${L + pw / 2}" y="${H - 8}" font-size="12" text-anchor="middle">epoch</text>
${lines.join('\n')}
</svg>
`;
}

/** The history a previous run wrote into `dir` (empty when there is none or it is unreadable). */
export function readHistory(dir: string): HistoryRow[] {
  try {
    const rows = JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8')) as unknown;
    return Array.isArray(rows) ? rows.filter((r): r is HistoryRow => typeof r?.epoch === 'number' && typeof r?.loss === 'number') : [];
  } catch {
    return [];
  }
}

/** The history files in `dir` (train checks them before training, then rewrites them each epoch). */
export const historyFiles = (dir: string): string[] => ['history.json', 'history.csv', 'history.svg'].map((f) => join(dir, f));

/** Writes history.json, history.csv and history.svg into `dir`, each atomically (writeFileSafely). */
export async function writeHistory(dir: string, rows: HistoryRow[], title: string, opts: WriteOptions = {}): Promise<void> {
  const [json, csv, svg] = historyFiles(dir);
  await writeFileSafely(json!, `${JSON.stringify(rows, null, 1)}\n`, opts);
  await writeFileSafely(csv!, historyCsv(rows), opts);
  await writeFileSafely(svg!, historySvg(rows, title), opts);
}
