// The training history beside the checkpoint: history.json, history.csv and history.svg (loss and
// accuracy per epoch, training and validation), rewritten atomically after every epoch.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileSafely, type WriteOptions } from '../runtime/write-node.ts';
import type { EpochResult } from '../runtime/fit.ts';
import { trainingChart } from '../viz/training-chart.ts';

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

/**
 * The curves per epoch (viz/training-chart.ts, the page's chart too): loss and accuracy, train and
 * validation, and the learning rate when a schedule changes it.
 */
export function historySvg(rows: HistoryRow[], title: string): string {
  const points = rows.map((r) => ({
    x: r.epoch, loss: r.loss, lr: r.lr,
    ...(r.accuracy !== undefined ? { accuracy: r.accuracy } : {}),
    ...(r.val_loss !== undefined ? { val_loss: r.val_loss } : {}),
    ...(r.val_accuracy !== undefined ? { val_accuracy: r.val_accuracy } : {}),
  }));
  return trainingChart(points, { title, width: 640, height: 420, perEpoch: true });
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
