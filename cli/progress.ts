// Training progress on screen: on a terminal, one line per epoch redrawn in place (bar, steps,
// samples/s, ETA, running loss and accuracy) and fitted to the window's width; elsewhere (a pipe,
// a file, CI) only the finished epoch lines, whole, so logs stay readable.
import { groupDigits } from '../dsl/group-digits.ts';
import type { EpochResult, EvalResult } from '../runtime/fit.ts';
import type { Session } from '../runtime/session.ts';
import { formatDuration, formatEta } from './duration.ts';
import { sparsityLine } from './sparsity.ts';
import { fitFields, lineWidth, liveProgress, wrapText, type Field } from './terminal.ts';

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
/** Three significant digits; below 0.001 as 1.23e-5 rather than 0.0000123. */
const learningRate = (lr: number): string => (lr !== 0 && Math.abs(lr) < 1e-3 ? lr.toExponential(2) : lr.toPrecision(3));
const rate = (n: number): string => `${groupDigits(Math.round(n))} samples/s`;

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

/** The fields of an epoch's line, with the order in which they give way on a narrow terminal. */
function epochFields(r: EpochResult, epochs: number, showLr: boolean): Field[] {
  const counter = `${String(r.epoch).padStart(String(epochs).length)}/${epochs}`;
  const fields: Field[] = [{ text: `epoch ${counter}`, short: counter, shortenRank: 8 }, { text: `loss ${r.loss.toFixed(4)}` }];
  if (r.accuracy !== undefined) fields.push({ text: `accuracy ${pct(r.accuracy)}`, short: `acc ${pct(r.accuracy)}`, shortenRank: 4, dropRank: 11 });
  if (r.val) {
    const v = r.val;
    fields.push({ text: `val_loss ${v.loss.toFixed(4)}` });
    if (v.accuracy !== undefined) fields.push({ text: `val_accuracy ${pct(v.accuracy)}`, short: `val_acc ${pct(v.accuracy)}`, shortenRank: 5, dropRank: 10 });
    if (v.precision !== undefined) fields.push({ text: `val_precision ${v.precision.toFixed(4)}`, dropRank: 2 });
    if (v.recall !== undefined) fields.push({ text: `val_recall ${v.recall.toFixed(4)}`, dropRank: 3 });
    for (const k of ['f1', 'mae', 'rmse'] as const) if (v[k] !== undefined) fields.push({ text: `val_${k} ${v[k]!.toFixed(4)}`, dropRank: 7 });
  }
  if (showLr) fields.push({ text: `lr ${learningRate(r.lr)}`, dropRank: 9 });
  fields.push({ text: rate(r.samples / r.seconds), dropRank: 1 }, { text: formatDuration(r.seconds), dropRank: 6 });
  return fields;
}

/**
 * An epoch's line: loss, accuracy, validation figures, learning rate, speed and time, and a note when
 * early stopping ended the run. Within `width` (a terminal's) the fields give way in a fixed order:
 * samples/s, val_precision, val_recall, then shorter names, the time, val_f1 (mae, rmse), the word
 * "epoch", the rate, val_accuracy and accuracy; the note wraps between words.
 */
export function epochLine(r: EpochResult, epochs: number, showLr = false, width = Infinity): string {
  const line = fitFields(epochFields(r, epochs, showLr), width);
  if (!r.stopped) return line;
  const restored = r.stopped.restored ? ` (weights of epoch ${r.stopped.bestEpoch} restored)` : '';
  const note = r.epoch === epochs && r.stopped.restored ? `best epoch ${r.stopped.bestEpoch}${restored}` : `early stopping after epoch ${r.epoch}: no improvement since epoch ${r.stopped.bestEpoch}${restored}`;
  return `${line}\n${wrapText(note, width)}`;
}

/** Narrowest progress bar worth drawing, and the widest. */
const BAR_MIN = 10;
const BAR_MAX = 24;

/** The live line: epoch, bar, steps, speed, ETA, running loss and accuracy, fitted to `width`. */
function barLine(p: { epoch: number; epochs: number; step: number; steps: number; secs: number; batch: number; loss: number; accuracy?: number }, width: number): string {
  const { step, steps, secs } = p;
  const BAR = '\u0000'; // placeholder for the bar, sized once the other fields are settled
  const fields: Field[] = [
    { text: `epoch ${String(p.epoch).padStart(String(p.epochs).length)}/${p.epochs}` },
    { text: BAR.repeat(BAR_MIN + 2), dropRank: 3 },
    { text: `${step}/${steps}`, dropRank: 5 },
    { text: step > 1 ? rate(((step - 1) * p.batch) / Math.max(secs, 1e-9)) : '— samples/s', dropRank: 1 },
    { text: step > 1 ? `ETA ${formatEta((secs / (step - 1)) * (steps - step))}` : 'ETA —', dropRank: 4 },
    { text: `loss ${p.loss.toFixed(4)}` },
  ];
  if (p.accuracy !== undefined) fields.push({ text: `accuracy ${pct(p.accuracy)}`, short: `acc ${pct(p.accuracy)}`, shortenRank: 2, dropRank: 6 });
  const line = fitFields(fields, width);
  const inner = Math.min(BAR_MAX, BAR_MIN + Math.max(0, width - line.length));
  const done = Math.round((step / steps) * inner);
  return line.replace(BAR.repeat(BAR_MIN + 2), `[${'='.repeat(done)}${' '.repeat(inner - done)}]`);
}

/**
 * "compiling 24 kernels… " then, on a terminal, the pipelines created and the first runs (where
 * Mesa's drivers compile) counted in place, and at the end "done in 41.2 s" on the same line.
 */
export function compileProgress(out: NodeJS.WriteStream, kernels: number) {
  const live = liveProgress(out);
  const head = `compiling ${kernels} kernel${kernels === 1 ? '' : 's'}… `;
  const started = performance.now();
  const draw = (what: string) => (done: number, total: number): void => {
    if (live) out.write(`\r${fitFields([{ text: `${head}${what} ${done}/${total}` }], lineWidth(out))}\x1b[K`);
  };
  out.write(head);
  return {
    onPipeline: draw('pipelines'),
    onFirstRun: draw('first runs'),
    /** Ends the line with the time taken; returns it in seconds. */
    done: (): number => {
      const secs = (performance.now() - started) / 1000;
      out.write(`${live ? `\r${head}` : ''}done in ${formatDuration(secs)}${live ? '\x1b[K' : ''}\n`);
      return secs;
    },
    /** Ends the line when creating or warming the session failed, so the error starts on its own line. */
    failed: (): void => {
      out.write(`${live ? `\r${head}` : ''}failed${live ? '\x1b[K' : ''}\n`);
    },
  };
}

/** Step and epoch callbacks for fit() that draw progress on `out`, fitted to its width on a terminal. */
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
      const line = barLine({
        epoch, epochs, step, steps, secs: (now - epochStart) / 1000, batch: B, loss: sums.lossSum / step,
        ...(sums.correctSum !== undefined ? { accuracy: sums.correctSum / (step * B) } : {}),
      }, lineWidth(out));
      out.write(`\r${line}\x1b[K`);
    },
    onEpoch: (r: EpochResult): void => {
      out.write(`${live ? '\r' : ''}${epochLine(r, epochs, showLr, lineWidth(out))}${live ? '\x1b[K' : ''}\n`);
      if (r.sparsity?.length) out.write(`${wrapText(sparsityLine(r.sparsity, r.pruneTarget), lineWidth(out))}\n`);
    },
  };
}
