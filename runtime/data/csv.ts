// CSV data for a model: a header row of column names, one sample per row, the label column(s) by
// name and every other column a feature. Validated against the model's inputs: each error names
// the file, the line, the column and what was wrong. Pure (text in, samples out): no file system.
import type { Manifest } from '../../compiler/artifact.ts';
import { suggest } from '../../dsl/diagnostics.ts';
import { printable } from '../../dsl/printable.ts';
import type { Samples } from '../fit.ts';
import { DataError, shownFile } from './data-error.ts';
import { checkF32, F32_MAX } from './f32.ts';
import { badTokenId, describeInput, featureAndLabel, valuesPerSample } from './model-inputs.ts';

export { DataError } from './data-error.ts';

/** Splits CSV text into rows of fields (RFC 4180: quotes, doubled quotes, CRLF); line numbers kept. */
export function csvRows(text: string, name: string): { line: number; fields: string[] }[] {
  const file = shownFile(name);
  const rows: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let rowLine = 1;
  let quoted = false;
  let i = 0;
  const endRow = (): void => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0]!.trim() === '')) rows.push({ line: rowLine, fields });
    fields = [];
    field = '';
  };
  // Runs of ordinary characters are copied as one slice: a 10 MB cell costs one copy, not 10^7 appends.
  const special = /[",\r\n]/g;
  while (i < text.length) {
    if (quoted) {
      const q = text.indexOf('"', i);
      if (q < 0) break;
      const run = text.slice(i, q);
      for (let n = run.indexOf('\n'); n >= 0; n = run.indexOf('\n', n + 1)) line++;
      field += run;
      if (text[q + 1] === '"') { field += '"'; i = q + 2; continue; }
      quoted = false;
      i = q + 1;
      continue;
    }
    special.lastIndex = i;
    const at = special.exec(text)?.index ?? text.length;
    field += text.slice(i, at);
    i = at;
    const c = text[i];
    if (c === undefined) break;
    i++;
    if (c === '"') {
      if (field.trim() === '') { quoted = true; field = ''; } else field += c;
    } else if (c === ',') { fields.push(field); field = ''; }
    else if (c === '\n') { endRow(); line++; rowLine = line; }
    // A CR before LF ends nothing by itself (CRLF); a lone CR stays part of the field.
    else if (text[i] !== '\n') field += c;
  }
  if (quoted) throw new DataError(`${file}:${rowLine}: a quoted field is not closed`);
  if (field !== '' || fields.length) endRow();
  return rows;
}

export interface CsvOptions {
  /** Label column names; default: the column named like the model's label input. */
  label?: string[];
  /** For prediction: a file without the label column(s) is fine (then every column is a feature). */
  labelsOptional?: boolean;
  /** Multiplies every feature before its float32 range is checked (1/255 for bytes). */
  scale?: number;
}

/**
 * What a number is in a cell: a plain decimal, nothing around it. Number() would also take '0x1',
 * '0b1', ' 1 ', 'Infinity' and '' (as 0), none of which a data file means as a value.
 */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
/** The words for values that are numbers but not finite: refused as such, with a clearer message. */
const NON_FINITE_WORD = /^[+-]?(?:nan|inf|infinity)$/i;

/** The value a cell writes, or undefined when it is not a number. */
function cellValue(cell: string): number | undefined {
  if (DECIMAL.test(cell)) return Number(cell);
  if (!NON_FINITE_WORD.test(cell)) return undefined;
  if (/nan/i.test(cell)) return NaN;
  return cell.startsWith('-') ? -Infinity : Infinity;
}

/** Why a cell is not a number, in words. */
function notANumber(cell: string): string {
  if (cell === '') return 'the cell is empty';
  const spaced = cell.trim() !== cell && cellValue(cell.trim()) !== undefined;
  return `'${printable(cell)}' is not a number${spaced ? ' (spaces around a number are not part of it)' : ''}`;
}

/** "; did you mean 'x'?" for the column closest to `name`, shown escaped, or "". */
export function closestColumn(name: string, header: string[]): string {
  // Edit distance is at least the difference in length, and a suggestion is at most a third of the
  // name away: longer names cannot match, and comparing with a megabyte-long one would cost gigabytes.
  const reach = Math.max(1, Math.floor(name.length / 3));
  const best = suggest(name, header.filter((h) => Math.abs(h.length - name.length) <= reach));
  return best === undefined ? '' : `; did you mean '${printable(best)}'?`;
}

/** A CSV file's header row: names (trimmed), where it is, names as messages show them, name → index. */
export interface CsvHeader {
  header: string[];
  headerAt: string;
  shown: string[];
  column: Map<string, number>;
}

/** The header of parsed `rows`, refusing an empty file and two columns of one name. */
export function csvHeader(rows: { line: number; fields: string[] }[], name: string): CsvHeader {
  const file = shownFile(name);
  if (rows.length === 0) throw new DataError(`${file}: the file is empty; expected a header row of column names, then one row per sample`);
  const header = rows[0]!.fields.map((f) => f.trim());
  const headerAt = `${file}:${rows[0]!.line}`;
  // Column names as messages show them: a header is file text like any cell.
  const shown = header.map((h) => printable(h));
  const column = new Map<string, number>();
  header.forEach((h, k) => {
    const first = column.get(h);
    if (first !== undefined) throw new DataError(`${headerAt}: columns ${first + 1} and ${k + 1} are both named '${shown[k]}'; each column needs its own name`);
    column.set(h, k);
  });
  return { header, headerAt, shown, column };
}

/** One row's cells: parsed fields (csvRows), or read straight from a file's bytes (csv-bytes.ts). */
export interface CsvCells {
  /** The row's line in the file. */
  line: number;
  /** How many cells the row has. */
  count: number;
  /** Cell `k`'s text. */
  text(k: number): string;
  /** Writes cell `k`'s value to `into[0]` when it can be had without its text (a short plain decimal); false: read the text. */
  plainValue?(k: number, into: Float64Array): boolean;
}

/** A parsed row as CsvCells; one object reused for every row. */
export class FieldCells implements CsvCells {
  line = 0;
  count = 0;
  private fields: string[] = [];
  of(row: { line: number; fields: string[] }): this {
    this.line = row.line;
    this.fields = row.fields;
    this.count = row.fields.length;
    return this;
  }
  text(k: number): string {
    return this.fields[k]!;
  }
}

/** How a CSV file's rows fill the model's inputs: decided once from its header, applied to each row. */
export interface CsvLayout {
  /** Arrays for `n` samples, by input name. */
  alloc(n: number): Samples['tensors'];
  /** Checks data row `row` and writes it as sample `r` of `tensors`; errors name the file, line and column. */
  fill(row: { line: number; fields: string[] }, r: number, tensors: Samples['tensors']): void;
  /** fill for a row given as cells. */
  fillCells(row: CsvCells, r: number, tensors: Samples['tensors']): void;
}

/**
 * Reads CSV text into samples for `m`: the model's label input (the one its loss compares with)
 * takes the label columns, a sample-weight input the column of its name, its other input every
 * remaining column in file order.
 */
export function parseCsv(text: string, name: string, m: Manifest, opts: CsvOptions = {}): Samples {
  const file = shownFile(name);
  const rows = csvRows(text, name);
  const layout = csvLayout(rows, name, m, opts);
  const data = rows.slice(1);
  if (data.length === 0) throw new DataError(`${file}: no samples after the header row`);
  const tensors = layout.alloc(data.length);
  data.forEach((row, r) => layout.fill(row, r, tensors));
  return { count: data.length, tensors };
}

/** The layout of CSV data for `m` from the header (the first of `rows`), refused when it does not fit the model. */
export function csvLayout(rows: { line: number; fields: string[] }[], name: string, m: Manifest, opts: CsvOptions = {}): CsvLayout {
  const file = shownFile(name);
  const { feature, target, weight } = featureAndLabel(m, 'CSV data');
  const { header, headerAt, shown, column } = csvHeader(rows, name);
  const labelCols = opts.labelsOptional && !opts.label && !column.has(target.name) ? [] : opts.label ?? [target.name];
  const labelIdx = labelCols.map((col) => {
    const k = column.get(col);
    if (k === undefined) {
      const how = opts.label ? '' : ` (the label column is named like the model's label input '${target.name}'; choose another with --label)`;
      throw new DataError(`${headerAt}: no column named '${printable(col)}'${closestColumn(col, header)}${how}; the columns are ${printable(shown.join(', '))}`);
    }
    return k;
  });
  const wantLabels = target.classes !== undefined ? 1 : valuesPerSample(target.shape);
  const hasLabels = labelIdx.length > 0;
  if (hasLabels && labelIdx.length !== wantLabels) {
    throw new DataError(`${file}: ${labelIdx.length} label column${labelIdx.length === 1 ? '' : 's'} (${printable(labelCols.join(', '))}) but the model's label input ${describeInput(target)} takes ${wantLabels} per sample`);
  }
  // The sample weights (Keras' sample_weight): the column named like the loss's weight input.
  const weightIdx = weight ? column.get(weight.name) : undefined;
  if (weight && weightIdx === undefined && !opts.labelsOptional) {
    throw new DataError(`${headerAt}: no column named '${printable(weight.name)}'${closestColumn(weight.name, header)} for the sample weights (the loss's sample_weight input); the columns are ${printable(shown.join(', '))}`);
  }
  const featureIdx = header.map((_, k) => k).filter((k) => !labelIdx.includes(k) && k !== weightIdx);
  const F = valuesPerSample(feature.shape);
  if (featureIdx.length !== F) {
    throw new DataError(`${file}: ${featureIdx.length} feature column${featureIdx.length === 1 ? '' : 's'} besides the label${weightIdx !== undefined ? ' and the sample weights' : ''}, but the model's input ${describeInput(feature)} takes ${F} values per sample`);
  }
  const scale = opts.scale ?? 1;
  /** The cell's value (times `by`), refused unless float32 holds it; errors name line and column. */
  const plain = new Float64Array(1);
  const number = (row: CsvCells, k: number, by = 1): number => {
    const v = row.plainValue?.(k, plain) ? plain[0]! : cellValue(row.text(k));
    // The place and the cell's text are built only for a refused value: this runs once per cell.
    if (v !== undefined && Math.abs(v * by) <= F32_MAX) return v * by;
    const cell = row.text(k);
    const place = `${file}:${row.line}: column '${shown[k]}'`;
    if (v === undefined) throw new DataError(`${place}: ${notANumber(cell)}`);
    return checkF32(v * by, place, by === 1 ? printable(cell) : `${printable(cell)} × ${by}`);
  };
  /** The cell as a token id of the feature input, refused outside its vocabulary (no --scale: ids are not scaled). */
  const tokenId = (row: CsvCells, k: number, vocab: number): number => {
    const v = number(row, k);
    const why = badTokenId(v, { ...feature, vocab });
    if (why !== undefined) throw new DataError(`${file}:${row.line}: column '${shown[k]}': ${why}`);
    return v;
  };
  const fillCells = (row: CsvCells, r: number, tensors: Samples['tensors']): void => {
    const x = tensors[feature.name]!;
    const y = tensors[target.name];
    const sw = weight ? tensors[weight.name] : undefined;
    if (row.count !== header.length) {
      throw new DataError(`${file}:${row.line}: ${row.count} field${row.count === 1 ? '' : 's'}, but the header has ${header.length} columns`);
    }
    for (let j = 0; j < F; j++) x[r * F + j] = feature.vocab !== undefined ? tokenId(row, featureIdx[j]!, feature.vocab) : number(row, featureIdx[j]!, scale);
    if (sw) sw[r] = number(row, weightIdx!);
    if (!hasLabels || !y) return;
    if (target.classes !== undefined) {
      const v = number(row, labelIdx[0]!);
      if (!Number.isInteger(v) || v < 0 || v >= target.classes) {
        throw new DataError(`${file}:${row.line}: column '${shown[labelIdx[0]!]}': label ${v} is out of range; ${describeInput(target)} takes integers 0 to ${target.classes - 1}`);
      }
      y[r] = v;
    } else {
      labelIdx.forEach((k, j) => { y[r * wantLabels + j] = number(row, k); });
    }
  };
  const alloc = (n: number): Samples['tensors'] => {
    const tensors: Samples['tensors'] = { [feature.name]: feature.vocab !== undefined ? new Int32Array(n * F) : new Float32Array(n * F) };
    if (hasLabels) tensors[target.name] = target.classes !== undefined ? new Int32Array(n) : new Float32Array(n * wantLabels);
    if (weightIdx !== undefined && weight) tensors[weight.name] = new Float32Array(n);
    return tensors;
  };
  const cells = new FieldCells();
  const fill = (row: { line: number; fields: string[] }, r: number, tensors: Samples['tensors']): void => fillCells(cells.of(row), r, tensors);
  return { alloc, fill, fillCells };
}
