// Text data sets before and after tokenising: texts with class labels (from a CSV text column, a
// folder per class, or the spam corpus), split, then turned into token ids with a tokenizer built
// from the training texts only. The ids are what a `tokens[V, T]` input takes: n × T int32, row-major.
// Pure (text in, arrays out): no file system.
import { printable } from '../../dsl/printable.ts';
import { closestColumn, csvHeader, csvRows } from './csv.ts';
import { DataError, shownFile } from './data-error.ts';
import { buildTokenizer, compareCodePoints, encodeTexts, type Tokenizer, type TokenizerSettings } from './tokenizer.ts';

/** Texts and their class labels, before tokenising. */
export interface TextSamples {
  texts: string[];
  /** One class id per text. */
  labels: Int32Array;
  /** The class names by id, when the data names them (folder names, CSV label words). */
  classes?: string[];
}

/** Tokenised samples: what a `tokens[V, T]` input and a class label input take. */
export interface TokenSamples {
  count: number;
  /** count × T token ids, row-major. */
  ids: Int32Array;
  labels: Int32Array;
}

/** Tokenised splits and the tokenizer that made them (built from `train` alone). */
export interface TokenizedText {
  tokenizer: Tokenizer;
  train: TokenSamples;
  val?: TokenSamples;
  test?: TokenSamples;
}

/** The samples [from, to) of `s`. */
export function textSlice(s: TextSamples, from: number, to: number): TextSamples {
  return { texts: s.texts.slice(from, to), labels: s.labels.slice(from, to), ...(s.classes ? { classes: s.classes } : {}) };
}

/** Keras's validation_split: the last ⌊fraction·n⌋ samples held out, the rest kept, in file order. */
export function splitTextTail(s: TextSamples, fraction: number): { train: TextSamples; held: TextSamples } {
  const keep = s.texts.length - Math.floor(s.texts.length * fraction);
  return { train: textSlice(s, 0, keep), held: textSlice(s, keep, s.texts.length) };
}

/**
 * Builds the tokenizer from `splits.train` only and encodes every split with it; the training
 * data's class names (if any) go into the tokenizer, so prediction can name the classes.
 */
export function tokenizeSplits(splits: { train: TextSamples; val?: TextSamples; test?: TextSamples }, settings: TokenizerSettings): TokenizedText {
  const tokenizer = buildTokenizer(splits.train.texts, settings, splits.train.classes);
  const encode = (s: TextSamples): TokenSamples => ({ count: s.texts.length, ids: encodeTexts(tokenizer, s.texts), labels: s.labels });
  return {
    tokenizer,
    train: encode(splits.train),
    ...(splits.val ? { val: encode(splits.val) } : {}),
    ...(splits.test ? { test: encode(splits.test) } : {}),
  };
}

/** A whole number written plainly (a class id), as in a label cell. */
const CLASS_ID = /^\d+$/;
/** Largest class id an int32 label holds. */
const MAX_CLASS_ID = 2 ** 31 - 1;

/**
 * Class ids for label cells: all whole numbers → those numbers; otherwise every distinct cell is a
 * class name, ids given by code point order of the names (as folder names are ordered).
 * `place(r)` says where row r is, for messages.
 */
export function classLabels(cells: string[], place: (r: number) => string, classes?: number): { labels: Int32Array; names?: string[] } {
  const labels = new Int32Array(cells.length);
  cells.forEach((c, r) => { if (c === '') throw new DataError(`${place(r)}: the label is empty`); });
  if (cells.every((c) => CLASS_ID.test(c))) {
    cells.forEach((c, r) => {
      const v = Number(c);
      if (classes !== undefined && v >= classes) throw new DataError(`${place(r)}: label ${printable(c)} is out of range; the model's labels are integers 0 to ${classes - 1}`);
      if (v > MAX_CLASS_ID) throw new DataError(`${place(r)}: label ${printable(c)} is out of range; class ids go up to ${MAX_CLASS_ID}`);
      labels[r] = v;
    });
    return { labels };
  }
  const names = [...new Set(cells)].sort(compareCodePoints);
  if (classes !== undefined && names.length > classes) {
    throw new DataError(`${place(-1)}: ${names.length} class names (${printable(names.join(', '))}) but the model has ${classes} classes`);
  }
  const id = new Map(names.map((n, k) => [n, k]));
  cells.forEach((c, r) => { labels[r] = id.get(c)!; });
  return { labels, names };
}

/** Options of parseTextCsv. */
export interface TextCsvOptions {
  /** The label column's name. */
  label: string;
  /** The text column's name; default: the one column besides the label. */
  text?: string;
  /** The model's class count, when known: labels are checked against it. */
  classes?: number;
}

/** Texts whose labels may be absent (a file to predict on). */
export interface MaybeLabelledTexts {
  texts: string[];
  labels?: Int32Array;
  classes?: string[];
}

/**
 * Reads a text CSV: a header row, one text column and one label column (class ids 0…C−1 or class
 * names). Errors name the file, the line and the column; quoted cells are shown escaped and cut.
 */
export function parseTextCsv(text: string, name: string, opts: TextCsvOptions): TextSamples {
  return readTextCsv(text, name, opts, false) as TextSamples;
}

/**
 * parseTextCsv for prediction: without a column named like the label, the file holds texts only
 * (its one column, or the --text-column column).
 */
export function parseTextCsvMaybeLabelled(text: string, name: string, opts: TextCsvOptions): MaybeLabelledTexts {
  return readTextCsv(text, name, opts, true);
}

function readTextCsv(text: string, name: string, opts: TextCsvOptions, labelsOptional: boolean): MaybeLabelledTexts {
  const file = shownFile(name);
  const rows = csvRows(text, name);
  const { header, headerAt, shown, column } = csvHeader(rows, name);
  const columnNamed = (col: string, role: string, hint: string): number => {
    const k = column.get(col);
    if (k === undefined) throw new DataError(`${headerAt}: no ${role} column named '${printable(col)}'${closestColumn(col, header)}${hint}; the columns are ${printable(shown.join(', '))}`);
    return k;
  };
  const labelIdx = labelsOptional && !column.has(opts.label) ? undefined : columnNamed(opts.label, 'label', ' (choose it with --label)');
  const used = labelIdx === undefined ? 1 : 2;
  let textIdx: number;
  if (opts.text !== undefined) textIdx = columnNamed(opts.text, 'text', ' (choose it with --text-column)');
  else if (header.length === used) textIdx = labelIdx === undefined ? 0 : 1 - labelIdx;
  else throw new DataError(`${headerAt}: ${header.length} columns (${printable(shown.join(', '))}); name the text column with --text-column`);
  if (textIdx === labelIdx) throw new DataError(`${headerAt}: column '${shown[textIdx]}' cannot be both the text and the label`);
  const others = header.map((_, k) => k).filter((k) => k !== textIdx && k !== labelIdx);
  if (others.length) {
    if (labelIdx === undefined) throw new DataError(`${headerAt}: column '${shown[others[0]!]}' is not the text ('${shown[textIdx]}') and there is no label column '${printable(opts.label)}'; a text CSV holds a text column and perhaps a label column, nothing else`);
    throw new DataError(`${headerAt}: column '${shown[others[0]!]}' is neither the text ('${shown[textIdx]}') nor the label ('${shown[labelIdx]}'); a text CSV holds those two columns only`);
  }
  const data = rows.slice(1);
  if (data.length === 0) throw new DataError(`${file}: no samples after the header row`);
  data.forEach((row) => {
    if (row.fields.length !== header.length) {
      throw new DataError(`${file}:${row.line}: ${row.fields.length} field${row.fields.length === 1 ? '' : 's'}, but the header has ${header.length} columns`);
    }
  });
  const texts = data.map((row) => row.fields[textIdx]!);
  if (labelIdx === undefined) return { texts };
  const where = (r: number): string => (r < 0 ? `${file}: column '${shown[labelIdx]}'` : `${file}:${data[r]!.line}: column '${shown[labelIdx]}'`);
  const { labels, names } = classLabels(data.map((row) => row.fields[labelIdx]!), where, opts.classes);
  return { texts, labels, ...(names ? { classes: names } : {}) };
}
