// CSV data for a model: a header row of column names, one sample per row, the label column(s) by
// name and every other column a feature. Validated against the model's inputs: each error names
// the file, the line, the column and what was wrong. Pure (text in, samples out): no file system.
import type { InputSpec, Manifest } from '../../compiler/artifact.ts';
import { didYouMean } from '../../dsl/diagnostics.ts';
import type { Samples } from '../fit.ts';

/** Data that does not fit the model, or is malformed; the message names the file and the place. */
export class DataError extends Error {
  override name = 'DataError';
}

/** Splits CSV text into rows of fields (RFC 4180: quotes, doubled quotes, CRLF); line numbers kept. */
export function csvRows(text: string, file: string): { line: number; fields: string[] }[] {
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
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (c === '"') { quoted = false; i++; continue; }
      if (c === '\n') line++;
      field += c;
      i++;
      continue;
    }
    if (c === '"' && field.trim() === '') { quoted = true; field = ''; i++; continue; }
    if (c === ',') { fields.push(field); field = ''; i++; continue; }
    if (c === '\r' && text[i + 1] === '\n') { i++; continue; }
    if (c === '\n') { endRow(); line++; rowLine = line; i++; continue; }
    field += c;
    i++;
  }
  if (quoted) throw new DataError(`${file}:${rowLine}: a quoted field is not closed`);
  if (field !== '' || fields.length) endRow();
  return rows;
}

const perSample = (s: InputSpec): number => s.shape.slice(1).reduce((a, b) => a * b, 1);
const describeInput = (s: InputSpec): string => (s.classes !== undefined ? `${s.name}: class[${s.classes}]` : `${s.name}: f32[${s.shape.slice(1).join(', ')}]`);

export interface CsvOptions {
  /** Label column names; default: the column named like the model's label input. */
  label?: string[];
  /** For prediction: a file without the label column(s) is fine (then every column is a feature). */
  labelsOptional?: boolean;
}

/**
 * Reads CSV text into samples for `m`: the model's label input (the one its loss compares with)
 * takes the label columns, its other input takes every remaining column in file order.
 */
export function parseCsv(text: string, file: string, m: Manifest, opts: CsvOptions = {}): Samples {
  const target = m.inputs.find((i) => i.name === m.train.label);
  const features = m.inputs.filter((i) => i !== target);
  if (!target || features.length !== 1 || features[0]!.dtype !== 'f32') {
    throw new DataError(`CSV data fills a model with one feature input and one label input; model '${m.model}' has inputs ${m.inputs.map(describeInput).join(', ')}`);
  }
  const feature = features[0]!;
  const rows = csvRows(text, file);
  if (rows.length === 0) throw new DataError(`${file}: the file is empty; expected a header row of column names, then one row per sample`);
  const header = rows[0]!.fields.map((f) => f.trim());
  const labelCols = opts.labelsOptional && !opts.label && !header.includes(target.name) ? [] : opts.label ?? [target.name];
  const labelIdx = labelCols.map((name) => {
    const k = header.indexOf(name);
    if (k < 0) {
      const how = opts.label ? '' : ` (the label column is named like the model's label input '${target.name}'; choose another with --label)`;
      throw new DataError(`${file}:1: no column named '${name}'${didYouMean(name, header)}${how}; the columns are ${header.join(', ')}`);
    }
    return k;
  });
  const wantLabels = target.classes !== undefined ? 1 : perSample(target);
  const hasLabels = labelIdx.length > 0;
  if (hasLabels && labelIdx.length !== wantLabels) {
    throw new DataError(`${file}: ${labelIdx.length} label column${labelIdx.length === 1 ? '' : 's'} (${labelCols.join(', ')}) but the model's label input ${describeInput(target)} takes ${wantLabels} per sample`);
  }
  const featureIdx = header.map((_, k) => k).filter((k) => !labelIdx.includes(k));
  const F = perSample(feature);
  if (featureIdx.length !== F) {
    throw new DataError(`${file}: ${featureIdx.length} feature column${featureIdx.length === 1 ? '' : 's'} besides the label, but the model's input ${describeInput(feature)} takes ${F} values per sample`);
  }
  const data = rows.slice(1);
  if (data.length === 0) throw new DataError(`${file}: no samples after the header row`);
  const x = new Float32Array(data.length * F);
  const y = target.classes !== undefined ? new Int32Array(data.length) : new Float32Array(data.length * wantLabels);
  const number = (row: { line: number; fields: string[] }, k: number): number => {
    const cell = row.fields[k]!.trim();
    const v = cell === '' ? NaN : Number(cell);
    if (Number.isNaN(v) && !/^[+-]?nan$/i.test(cell)) {
      throw new DataError(`${file}:${row.line}: column '${header[k]}': ${cell === '' ? 'the cell is empty' : `'${cell}' is not a number`}`);
    }
    if (!Number.isFinite(v)) throw new DataError(`${file}:${row.line}: column '${header[k]}': ${cell} is not a finite number`);
    return v;
  };
  data.forEach((row, r) => {
    if (row.fields.length !== header.length) {
      throw new DataError(`${file}:${row.line}: ${row.fields.length} field${row.fields.length === 1 ? '' : 's'}, but the header has ${header.length} columns`);
    }
    featureIdx.forEach((k, j) => { x[r * F + j] = number(row, k); });
    if (!hasLabels) return;
    if (target.classes !== undefined) {
      const v = number(row, labelIdx[0]!);
      if (!Number.isInteger(v) || v < 0 || v >= target.classes) {
        throw new DataError(`${file}:${row.line}: column '${header[labelIdx[0]!]}': label ${v} is out of range; ${describeInput(target)} takes integers 0 to ${target.classes - 1}`);
      }
      y[r] = v;
    } else {
      labelIdx.forEach((k, j) => { y[r * wantLabels + j] = number(row, k); });
    }
  });
  return { count: data.length, tensors: hasLabels ? { [feature.name]: x, [target.name]: y } : { [feature.name]: x } };
}
