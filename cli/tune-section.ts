// A .dl program with its train section's settings replaced (`dlc tune`'s trials and its best.dl):
// each setting's value is rewritten in place, or added as a new line before the section's `}`, so
// the rest of the file (comments, layout) stays as the user wrote it.
import type { OptimizerSpec } from '../compiler/artifact.ts';
import { readRegularizer } from '../compiler/lower/regularizer.ts';
import type { TrainDecl } from '../dsl/ast.ts';
import { parse } from '../dsl/index.ts';
import { withoutBom } from '../dsl/source.ts';
import { formatOptimizer, formatRegularizer } from './train-text.ts';
import type { Settings } from './tune-space.ts';

/** What the section is rewritten with: the trial's settings, and other entries given as text (seed, init_from). */
export interface SectionChanges {
  settings: Settings;
  /** The optimizer as the file has it (compiled), whose hyper-parameters the settings change. */
  optimizer: OptimizerSpec;
  /** Entries written as they are, e.g. ['seed', '7'] or ['init_from', '"../base.safetensors"']. */
  entries?: [key: string, text: string][];
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

/** The train section of `model` in the program, or undefined. */
function trainDecl(source: string, file: string, model: string): TrainDecl | undefined {
  const program = parse(source, file).program;
  return program?.decls.find((d): d is TrainDecl => d.kind === 'train' && d.model === model);
}

/**
 * `fileText` with the train section of `model` changed. The program must have compiled (its
 * section exists and parses); the settings' keys are lr, batch, epochs, l1, l2 or a numeric
 * hyper-parameter of the optimizer (cli/tune-space.ts checked them).
 */
export function withTrainSettings(fileText: string, file: string, model: string, changes: SectionChanges): string {
  const source = withoutBom(fileText);
  const decl = trainDecl(source, file, model);
  if (!decl) throw new Error(`withTrainSettings: no train section for '${model}' in ${file}`);
  const entry = (key: string) => decl.entries.filter((e) => e.key === key).at(-1);
  const values = new Map<string, string>();
  const optimizer: OptimizerSpec = { ...changes.optimizer, hyper: { ...changes.optimizer.hyper } };
  let optimizerChanged = false;
  let regularizer: { l1: number; l2: number } | undefined;
  for (const [key, value] of changes.settings) {
    if (key === 'batch' || key === 'epochs') values.set(key, String(value));
    else if (key === 'l1' || key === 'l2') {
      const written = entry('regularize');
      regularizer ??= (written && readRegularizer(written.value, 'regularize', () => undefined)) || { l1: 0, l2: 0 };
      regularizer[key] = value;
    } else if (key === 'lr') {
      optimizer.lr = value;
      optimizerChanged = true;
    } else {
      optimizer.hyper[key] = value;
      optimizerChanged = true;
    }
  }
  if (optimizerChanged) {
    // sgd's momentum row prints as sgd; a momentum tuned to 0 leaves plain sgd, as Keras' SGD(momentum=0).
    values.set('optimizer', formatOptimizer(optimizer));
  }
  if (regularizer) values.set('regularize', formatRegularizer(regularizer.l1, regularizer.l2) ?? 'l2(0)');
  for (const [key, text] of changes.entries ?? []) values.set(key, text);

  const edits: Edit[] = [];
  const added: string[] = [];
  for (const [key, text] of values) {
    const e = entry(key);
    if (e) edits.push({ start: e.value.span.start, end: e.value.span.end, text });
    else added.push(`${key} = ${text}`);
  }
  // In name order: the same settings give the same text whatever order they were listed in.
  if (added.length) edits.push(insertion(source, decl, added.sort()));
  let out = source;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** New entries as lines before the section's closing brace, indented as its first entry. */
function insertion(source: string, decl: TrainDecl, lines: string[]): Edit {
  const brace = source.lastIndexOf('}', decl.span.end - 1);
  const first = decl.entries[0];
  // The first entry's indentation, when it starts its line (not `train m { loss = ...`).
  const before = first ? source.slice(source.lastIndexOf('\n', first.span.start - 1) + 1, first.span.start) : '';
  const indent = first && /^[ \t]*$/.test(before) ? before : '  ';
  const lineStart = source.lastIndexOf('\n', brace - 1) + 1;
  const body = lines.map((l) => `${indent}${l}\n`).join('');
  // The brace alone on its line: the entries go on lines of their own above it.
  if (/^[ \t]*$/.test(source.slice(lineStart, brace))) return { start: lineStart, end: lineStart, text: body };
  const end = source.slice(0, brace).trimEnd().length;
  return { start: end, end: brace, text: `\n${body}` };
}
