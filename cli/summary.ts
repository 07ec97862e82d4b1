// `dlc check`: the model summary in Keras' form (layers, names, shapes, parameters, activations,
// connections, trainable and non-trainable totals), the train section, and `--stats`.
import { groupDigits } from '../dsl/group-digits.ts';
import type { Manifest } from '../compiler/artifact.ts';
import type { CompileResult } from '../compiler/compile.ts';
import { printable } from '../dsl/printable.ts';
import { layerRows, nameSaysType, typeDetail, type LayerRow } from '../compiler/layer-rows.ts';
import { formatTable, wrapCell, type Column, type TableText } from './table.ts';
import { wrapText } from './terminal.ts';
import { formatClip, formatEarlyStopping, formatLoss, formatOptimizer, formatRegularizer, formatSchedule } from './train-text.ts';

/** Where a train setting's value starts: after two spaces and the padded key. */
const VALUE_AT = 18;

/** The train section, one setting a line, each as the language spells it; long values wrap under themselves. */
function trainLines(m: Manifest, lowered: CompileResult['lowered'], width: number): string[] {
  const t = m.train;
  const none = '—';
  const reg = lowered ? formatRegularizer(lowered.train.l1, lowered.train.l2) : undefined;
  const rows: [string, string][] = [
    ['loss', formatLoss(t)],
    ...(t.classWeight ? [['class_weight', `[${t.classWeight.join(', ')}] (training only)`] as [string, string]] : []),
    ['optimizer', formatOptimizer(t.optimizer, { all: true })],
    ['schedule', t.schedule ? formatSchedule(t.schedule) : `${none} (constant rate)`],
    ['clipping', t.clip ? formatClip(t.clip) : none],
    ['regularisation', reg ? `${reg} on kernels` : none],
    ['early stopping', t.earlyStopping ? formatEarlyStopping(t.earlyStopping) : none],
    // Only where the program prunes: summaries of other programs read as before.
    // Only where the program sets one, as pruning.
    ...(t.tokenizer ? [['tokenizer', `${t.tokenizer.level === 'character' ? 'chars' : 'words'}(min_count: ${t.tokenizer.minCount})`] as [string, string]] : []),
    ...(t.prune ? [['pruning', `magnitude(sparsity: ${t.prune.sparsity}, start: ${t.prune.start}, end: ${t.prune.end}, every: ${t.prune.every}) of ${t.prune.tensors.length ? t.prune.tensors.map((x) => printable(x.param)).join(', ') : 'nothing (no dense or conv kernels)'}`] as [string, string]] : []),
    ['batch', String(m.batch)],
    ['epochs', String(t.epochs)],
    ['metrics', t.metrics.length ? t.metrics.join(', ') : none],
    ['seed', String(t.seed)],
    ['shuffle', String(t.shuffle)],
    ...(t.dropLast ? [['drop_last', 'true (the last partial batch of each epoch is left out)'] as [string, string]] : []),
  ];
  const room = Math.max(MIN_VALUE_WIDTH, width - VALUE_AT);
  return ['Training:', ...rows.map(([k, v]) => `  ${k.padEnd(VALUE_AT - 2)}${wrapCell(v, room).join(`\n${' '.repeat(VALUE_AT)}`)}`)];
}
/** Narrower than this, a train setting's value is cut rather than wrapped word by word. */
const MIN_VALUE_WIDTH = 20;

const COLUMNS: Column[] = [
  { header: 'Layer (type)', shrink: { mode: 'ellipsis', min: 12, rank: 3 } },
  { header: 'Name', shrink: { mode: 'wrap', min: 6, rank: 1 } },
  { header: 'Output shape', shrink: { mode: 'wrap', min: 12, rank: 2 } },
  { header: 'Param #', align: 'right' },
  { header: 'Activation' },
  { header: 'Connected to', shrink: { mode: 'wrap', min: 9, rank: 0 } },
];
const ACTIVATION = 4;

/**
 * A row's name with only what its name does not already say of its type: a generated name says it
 * (dense_1 for a dense layer; scale_1 ×0.5 for a scale by 0.5), an input or a user's name does not.
 */
const compactName = (r: LayerRow): string => (nameSaysType(r) ? [r.name, typeDetail(r)].filter((t) => t !== '').join(' ') : `${r.name} (${r.type})`);

/**
 * The layer table at full width, or, when that is wider than `width`, its compact form fitted to
 * it: a generated name (dense_1) without the type it repeats; no "linear" (a layer without
 * activation), and no Activation column when no layer has one; then names and connections wrap.
 */
function layerTable(all: LayerRow[], width: number): TableText {
  const cells = (compact: boolean): string[][] => all.map((r) => [
    compact ? compactName(r) : `${r.name} (${r.type})`,
    r.names.join(', '), r.shape, groupDigits(r.trainable + r.nonTrainable), compact && r.activation === 'linear' ? '' : r.activation, r.inputs.join(', '),
  ]);
  const full = formatTable(COLUMNS, cells(false), Infinity);
  if (full.width <= width) return full;
  let rows = cells(true);
  let columns = COLUMNS;
  if (rows.every((r) => r[ACTIVATION] === '')) {
    columns = COLUMNS.filter((_, i) => i !== ACTIVATION);
    rows = rows.map((r) => r.filter((_, i) => i !== ACTIVATION));
  }
  return formatTable(columns, rows, width);
}

/**
 * The model in Keras' model.summary() form: one row per input, layer and operation with its
 * names, output shape, parameter count, activation and the rows that feed it; total, trainable
 * and non-trainable parameters; then the whole train section and what the compiled step costs.
 * @param layers the result compiled without fusion (layers intact)
 * @param compiled the result as it runs (fused), for the kernel counts and memory
 * @param width the columns to fit (a terminal's), or Infinity for whole lines (a pipe, a file)
 */
export function formatSummary(layers: CompileResult, compiled: CompileResult = layers, width = Infinity, opts: { stats?: boolean } = {}): string {
  const m = compiled.artifact!.manifest;
  const all = layerRows(layers);
  const table = layerTable(all, width);
  const rule = '─'.repeat(Math.min(table.width, width));
  const trainable = all.reduce((s, r) => s + r.trainable, 0);
  const nonTrainable = all.reduce((s, r) => s + r.nonTrainable, 0);
  const total = trainable + nonTrainable;
  const d = m.stats.dispatches;
  const out = [wrapText(`Model: "${printable(m.model)}"`, width), rule, ...table.header, rule, ...table.rows, rule,
    `Total params: ${groupDigits(total)} (${groupDigits(total * 4)} bytes)`,
    `Trainable params: ${groupDigits(trainable)}`,
    `Non-trainable params: ${groupDigits(nonTrainable)}`, rule];
  if (m.train.loss) out.push(...trainLines(m, compiled.lowered, width), rule);
  // With --stats, formatStats follows with the same counts and more: the one-line costs would repeat them.
  if (!opts.stats) out.push(wrapText(`Kernels: train_step ${d.train_step ?? 0} dispatches, eval ${d.eval ?? 0}, forward ${d.forward ?? 0}; GPU memory ${groupDigits(m.stats.bufferBytes)} bytes`, width));
  return out.join('\n');
}

/** `--stats`: what the compiled step costs, against the least memory any plan could use; lines wrap to `width`. */
export function formatStats(m: Manifest, width = Infinity): string {
  const d = m.stats.dispatches;
  const s = m.stats.memory;
  const row = (label: string, bytes: number): string => `  ${label.padEnd(30)}${groupDigits(bytes).padStart(14)} bytes`;
  return wrapText([
    `Dispatches: train_step ${d.train_step ?? 0}, eval ${d.eval ?? 0}, forward ${d.forward ?? 0} (one submission per program run)`,
    'GPU memory:',
    row('allocated', s.allocatedBytes),
    row('lower bound', s.lowerBoundBytes),
    row('  parameters', s.parameters),
    row('  optimizer and layer state', s.state),
    row('  inputs', s.inputs),
    row(`  peak live values (${s.peakProgram})`, s.peakActivations),
    `  allocated / lower bound: ${(s.allocatedBytes / s.lowerBoundBytes).toFixed(3)} (gradients ${groupDigits(s.gradients)} bytes in all, counted in the peak while alive)`,
  ].join('\n'), width);
}
