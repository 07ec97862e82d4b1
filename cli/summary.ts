// `dlc check`: the model summary in Keras' form (layers, names, shapes, parameters, activations,
// connections, trainable and non-trainable totals), the train section, and `--stats`.
import type { Manifest } from '../compiler/artifact.ts';
import type { CompileResult } from '../compiler/compile.ts';
import { printable } from '../dsl/printable.ts';
import { layerRows } from './summary-layers.ts';
import { formatClip, formatEarlyStopping, formatLoss, formatOptimizer, formatRegularizer, formatSchedule } from './train-text.ts';

const fmtInt = (n: number): string => n.toLocaleString('en-US');

/** The train section, one setting a line, each as the language spells it. */
function trainLines(m: Manifest, lowered: CompileResult['lowered']): string[] {
  const t = m.train;
  const none = '—';
  const reg = lowered ? formatRegularizer(lowered.train.l1, lowered.train.l2) : undefined;
  const rows: [string, string][] = [
    ['loss', formatLoss(t)],
    ['optimizer', formatOptimizer(t.optimizer, { all: true })],
    ['schedule', t.schedule ? formatSchedule(t.schedule) : `${none} (constant rate)`],
    ['clipping', t.clip ? formatClip(t.clip) : none],
    ['regularisation', reg ? `${reg} on kernels` : none],
    ['early stopping', t.earlyStopping ? formatEarlyStopping(t.earlyStopping) : none],
    ['batch', String(m.batch)],
    ['epochs', String(t.epochs)],
    ['metrics', t.metrics.length ? t.metrics.join(', ') : none],
    ['seed', String(t.seed)],
    ['shuffle', String(t.shuffle)],
  ];
  return ['Training:', ...rows.map(([k, v]) => `  ${k.padEnd(16)}${v}`)];
}

/**
 * The model in Keras' model.summary() form: one row per input, layer and operation with its
 * names, output shape, parameter count, activation and the rows that feed it; total, trainable
 * and non-trainable parameters; then the whole train section and what the compiled step costs.
 * @param layers the result compiled without fusion (layers intact)
 * @param compiled the result as it runs (fused), for the kernel counts and memory
 */
export function formatSummary(layers: CompileResult, compiled: CompileResult = layers): string {
  const m = compiled.artifact!.manifest;
  const all = layerRows(layers);
  const table = [
    ['Layer (type)', 'Name', 'Output shape', 'Param #', 'Activation', 'Connected to'],
    ...all.map((r) => [`${r.name} (${r.type})`, r.names.join(', '), r.shape, fmtInt(r.trainable + r.nonTrainable), r.activation, r.inputs.join(', ')]),
  ];
  const w = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
  const line = (r: string[]): string => r.map((cell, c) => (c === 3 ? cell.padStart(w[c]!) : cell.padEnd(w[c]!))).join('  ').trimEnd();
  const rule = '─'.repeat(w.reduce((a, b) => a + b, 0) + 2 * (w.length - 1));
  const trainable = all.reduce((s, r) => s + r.trainable, 0);
  const nonTrainable = all.reduce((s, r) => s + r.nonTrainable, 0);
  const total = trainable + nonTrainable;
  const d = m.stats.dispatches;
  const out = [`Model: "${printable(m.model)}"`, rule, line(table[0]!), rule, ...table.slice(1).map(line), rule,
    `Total params: ${fmtInt(total)} (${fmtInt(total * 4)} bytes)`,
    `Trainable params: ${fmtInt(trainable)}`,
    `Non-trainable params: ${fmtInt(nonTrainable)}`, rule];
  if (m.train.loss) out.push(...trainLines(m, compiled.lowered), rule);
  out.push(`Kernels: train_step ${d.train_step ?? 0} dispatches, eval ${d.eval ?? 0}, forward ${d.forward ?? 0}; GPU memory ${fmtInt(m.stats.bufferBytes)} bytes`);
  return out.join('\n');
}

/** `--stats`: what the compiled step costs, against the least memory any plan could use. */
export function formatStats(m: Manifest): string {
  const d = m.stats.dispatches;
  const s = m.stats.memory;
  const row = (label: string, bytes: number): string => `  ${label.padEnd(30)}${fmtInt(bytes).padStart(14)} bytes`;
  return [
    `Dispatches: train_step ${d.train_step ?? 0}, eval ${d.eval ?? 0}, forward ${d.forward ?? 0} (one submission per program run)`,
    'GPU memory:',
    row('allocated', s.allocatedBytes),
    row('lower bound', s.lowerBoundBytes),
    row('  parameters', s.parameters),
    row('  gradients', s.gradients),
    row('  optimizer and layer state', s.state),
    row('  inputs', s.inputs),
    row(`  peak live values (${s.peakProgram})`, s.peakActivations),
    `  allocated / lower bound: ${(s.allocatedBytes / s.lowerBoundBytes).toFixed(3)}`,
  ].join('\n');
}
