// Training progress on screen: on a terminal, one line per epoch redrawn in place (bar, steps,
// samples/s, ETA, running loss and accuracy); elsewhere (a pipe, a file, CI) only the finished
// epoch lines, so logs stay readable.
import type { EpochResult, EvalResult } from '../runtime/fit.ts';
import type { Session } from '../runtime/session.ts';
import { formatDuration, formatEta } from './duration.ts';

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
const rate = (n: number): string => `${Math.round(n).toLocaleString('en-US')} samples/s`;

/** "loss 0.1234  accuracy 95.00%  f1 0.9412 ..." for an evaluation, each name prefixed (e.g. val_). */
export function evalParts(ev: EvalResult, prefix = ''): string[] {
  const parts = [`${prefix}loss ${ev.loss.toFixed(4)}`];
  if (ev.accuracy !== undefined) parts.push(`${prefix}accuracy ${pct(ev.accuracy)}`);
  for (const k of ['precision', 'recall', 'f1', 'mae', 'rmse'] as const) if (ev[k] !== undefined) parts.push(`${prefix}${k} ${ev[k]!.toFixed(4)}`);
  return parts;
}

/** The confusion matrix as a table: rows are true classes, columns predicted ones. */
export function confusionTable(cm: number[][]): string {
  const w = Math.max(4, ...cm.flat().map((v) => String(v).length)) + 1;
  const head = `${'true\\pred'.padEnd(10)}${cm.map((_, j) => String(j).padStart(w)).join('')}`;
  return [head, ...cm.map((row, i) => `${String(i).padEnd(10)}${row.map((v) => String(v).padStart(w)).join('')}`)].join('\n');
}

export function epochLine(r: EpochResult, epochs: number, showLr = false): string {
  const parts = [`epoch ${String(r.epoch).padStart(String(epochs).length)}/${epochs}`, `loss ${r.loss.toFixed(4)}`];
  if (r.accuracy !== undefined) parts.push(`accuracy ${pct(r.accuracy)}`);
  if (r.val) parts.push(...evalParts(r.val, 'val_'));
  if (showLr) parts.push(`lr ${r.lr.toPrecision(3)}`);
  parts.push(rate(r.samples / r.seconds), formatDuration(r.seconds));
  const line = parts.join('  ');
  if (!r.stopped) return line;
  const restored = r.stopped.restored ? ` (weights of epoch ${r.stopped.bestEpoch} restored)` : '';
  return r.epoch === epochs && r.stopped.restored ? `${line}\nbest epoch ${r.stopped.bestEpoch}${restored}` : `${line}\nearly stopping after epoch ${r.epoch}: no improvement since epoch ${r.stopped.bestEpoch}${restored}`;
}

/** Whether to draw the live bar: a terminal, and not CI. */
export const liveProgress = (stream: NodeJS.WriteStream): boolean => stream.isTTY === true && !process.env.CI;

/** Step and epoch callbacks for fit() that draw progress on `out`. */
export function progress(session: Session, epochs: number, out: NodeJS.WriteStream, showLr = session.manifest.train?.schedule !== undefined) {
  const live = liveProgress(out);
  const B = session.manifest.batch;
  let epochStart = performance.now();
  let lastDraw = 0;
  return {
    onStep: async (step: number, steps: number, epoch: number): Promise<void> => {
      if (!live) return;
      const now = performance.now();
      if (step === 1) epochStart = now;
      if (step !== steps && now - lastDraw < 250) return;
      lastDraw = now;
      // Reading the running sums waits for the GPU; at most four times a second.
      const sums = await session.metricSums();
      const secs = (now - epochStart) / 1000;
      const width = 24;
      const done = Math.round((step / steps) * width);
      const parts = [
        `epoch ${String(epoch).padStart(String(epochs).length)}/${epochs}`,
        `[${'='.repeat(done)}${' '.repeat(width - done)}]`,
        `${step}/${steps}`,
        step > 1 ? rate(((step - 1) * B) / Math.max(secs, 1e-9)) : '— samples/s',
        step > 1 ? `ETA ${formatEta((secs / (step - 1)) * (steps - step))}` : 'ETA —',
        `loss ${(sums.lossSum / step).toFixed(4)}`,
      ];
      if (sums.correctSum !== undefined) parts.push(`accuracy ${pct(sums.correctSum / (step * B))}`);
      out.write(`\r${parts.join('  ')}\x1b[K`);
    },
    onEpoch: (r: EpochResult): void => {
      out.write(`${live ? '\r' : ''}${epochLine(r, epochs, showLr)}${live ? '\x1b[K' : ''}\n`);
    },
  };
}
