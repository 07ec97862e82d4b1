// The training-curves chart that history.svg and the demo page both draw: loss (train and
// validation), accuracy when the model has it, and the learning rate in a small panel of its own
// when it changes (a note beside the loss when it does not).
import { lineChart, type ChartPanel } from './chart.ts';

/** A point of the curves at x (an epoch, or a fraction of one during an epoch); any field may be missing. */
export interface CurvePoint {
  x: number;
  loss?: number;
  accuracy?: number;
  val_loss?: number;
  val_accuracy?: number;
  lr?: number;
}

export interface TrainingChartOptions {
  title: string;
  width: number;
  /** Height without the learning-rate panel; that panel, when drawn, adds LR_PANEL_HEIGHT. */
  height: number;
  xTitle?: string;
  /** A fixed x range (the page: 0 to the epochs planned, so the curve grows into it). */
  xRange?: [number, number];
  /** x is the epoch number: whole ticks, a dot at every point. */
  perEpoch?: boolean;
}

/** Extra height for the learning-rate panel. */
export const LR_PANEL_HEIGHT = 110;

export const TRAIN_COLOR = '#1f77b4';
export const VALIDATION_COLOR = '#e6550d';
const LR_COLOR = '#2ca02c';

type Key = 'loss' | 'accuracy' | 'val_loss' | 'val_accuracy' | 'lr';
const pointsOf = (rows: CurvePoint[], key: Key): { x: number; y: number }[] => rows.filter((r) => r[key] !== undefined).map((r) => ({ x: r.x, y: r[key]! }));

/** The curves as an SVG chart (viz/chart.ts): panels only for what the points hold. */
export function trainingChart(rows: CurvePoint[], o: TrainingChartOptions): string {
  const markers = o.perEpoch ?? false;
  const pair = (train: Key, val: Key) => [
    { name: 'train', color: TRAIN_COLOR, markers, points: pointsOf(rows, train) },
    { name: 'validation', color: VALIDATION_COLOR, dashed: true, markers: true, points: pointsOf(rows, val) },
  ].filter((s) => s.points.length > 0);
  const rates = pointsOf(rows, 'lr').filter((p) => Number.isFinite(p.y));
  const ys = rates.map((p) => p.y);
  const varies = ys.length > 1 && Math.max(...ys) - Math.min(...ys) > 1e-6 * Math.max(...ys.map(Math.abs));
  const loss: ChartPanel = { yTitle: 'loss', fromZero: true, series: pair('loss', 'val_loss') };
  // One point cannot say the rate held: a schedule may have moved it within the epoch.
  if (ys.length > 1 && !varies) loss.note = `learning rate ${Number(ys[0]!.toPrecision(4))} throughout`;
  else if (ys.length === 1) loss.note = `learning rate ${Number(ys[0]!.toPrecision(4))} at the end`;
  const panels: ChartPanel[] = [loss];
  if (rows.some((r) => r.accuracy !== undefined || r.val_accuracy !== undefined)) panels.push({ yTitle: 'accuracy', percent: true, series: pair('accuracy', 'val_accuracy') });
  let height = o.height;
  if (varies) {
    // Its own panel, a third as tall: the rate's shape matters, not its detail.
    panels.push({ yTitle: 'learning rate', fromZero: true, weight: 0.5, series: [{ name: 'learning rate', color: LR_COLOR, markers, points: rates }] });
    height += LR_PANEL_HEIGHT;
  }
  return lineChart({
    title: o.title, xTitle: o.xTitle ?? 'epoch', width: o.width, height, panels,
    ...(o.xRange ? { xRange: o.xRange } : {}), wholeX: o.perEpoch ?? false,
  });
}
