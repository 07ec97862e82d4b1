// Keras-style model summary: layer, output shape, parameter count, totals.
import type { Manifest } from '../compiler/artifact.ts';
import type { CompileResult } from '../compiler/compile.ts';

const fmtInt = (n: number): string => n.toLocaleString('en-US');

export function formatSummary(r: CompileResult): string {
  const m = r.artifact!.manifest;
  const rows = r.summary!.map((s) => [`${s.name} (${s.type})`, `(batch, ${s.shape.slice(1).join(', ')})`.replace(', )', ')'), fmtInt(s.params)]);
  const inputs = m.inputs.map((i) => [`${i.name} (input)`, i.dtype === 'i32' ? '(batch) class labels' : `(batch, ${i.shape.slice(1).join(', ')})`, '0']);
  const all = [['Layer (type)', 'Output shape', 'Params'], ...inputs, ...rows];
  const w = [0, 1, 2].map((c) => all.reduce((most, r) => Math.max(most, r[c]!.length), 0));
  const line = (r: string[]): string => `${r[0]!.padEnd(w[0]! + 2)}${r[1]!.padEnd(w[1]! + 2)}${r[2]!.padStart(w[2]!)}`;
  const rule = '─'.repeat(w[0]! + w[1]! + w[2]! + 4);
  const total = m.params.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
  const d = m.stats.dispatches;
  const out = [`Model: "${m.model}"`, rule, line(all[0]!), rule, ...all.slice(1).map(line), rule,
    `Total params: ${fmtInt(total)} (${fmtInt(total * 4)} bytes)`];
  if (m.train.loss) {
    const o = m.train.optimizer;
    out.push(`Training: ${m.train.loss} loss, ${o.kind}(lr ${o.lr}), batch ${m.batch}, ${m.train.epochs} epoch${m.train.epochs === 1 ? '' : 's'}${m.train.metrics.length ? `, metrics ${m.train.metrics.join(', ')}` : ''}`);
  }
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
