// Training progress on screen: on a terminal, one line per epoch redrawn in place (bar, steps,
// samples/s, ETA, running loss and accuracy); elsewhere (a pipe, a file, CI) only the finished
// epoch lines, so logs stay readable.
import type { EpochResult } from '../runtime/fit.ts';
import type { Session } from '../runtime/session.ts';

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
const rate = (n: number): string => `${Math.round(n).toLocaleString('en-US')} samples/s`;

export function epochLine(r: EpochResult, epochs: number, showLr = false): string {
  const parts = [`epoch ${String(r.epoch).padStart(String(epochs).length)}/${epochs}`, `loss ${r.loss.toFixed(4)}`];
  if (r.accuracy !== undefined) parts.push(`accuracy ${pct(r.accuracy)}`);
  if (r.val) {
    parts.push(`val_loss ${r.val.loss.toFixed(4)}`);
    if (r.val.accuracy !== undefined) parts.push(`val_accuracy ${pct(r.val.accuracy)}`);
  }
  if (showLr) parts.push(`lr ${r.lr.toPrecision(3)}`);
  parts.push(rate(r.samples / r.seconds), `${r.seconds.toFixed(1)}s`);
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
        rate((step * B) / Math.max(secs, 1e-9)),
        `ETA ${Math.ceil((secs / step) * (steps - step))}s`,
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
