// Data sets the CLI can train on, matched to the model's inputs: the built-in MNIST digits, or a
// CSV file (header row, label column by name), with an optional validation split or file.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Manifest } from '../compiler/artifact.ts';
import { parseCsv } from '../runtime/data/csv.ts';
import { loadMnist } from '../runtime/data/mnist.ts';
import { splitTail } from '../runtime/data/split.ts';
import type { Samples } from '../runtime/fit.ts';
import { UserError } from './errors.ts';

export const DATASETS = ['mnist'];

export interface DataOptions {
  /** Label column names (CSV). */
  label?: string[];
  /** Fraction of the training rows held out for validation (the last rows). */
  valSplit?: number;
  /** A separate validation file. */
  val?: string;
}

export interface LoadedData {
  train: Samples;
  /** Held-out samples, evaluated after training. */
  test?: Samples;
  /** Whether the held-out samples are also the per-epoch validation data (asked for with --val-split or --val). */
  validate?: boolean;
  description: string;
}

function mnist(m: Manifest): LoadedData {
  const per = (shape: number[]) => shape.slice(1).reduce((a, b) => a * b, 1);
  const image = m.inputs.find((i) => i.dtype === 'f32' && per(i.shape) === 784);
  const label = m.inputs.find((i) => i.dtype === 'i32');
  if (!image || !label || m.inputs.length !== 2) {
    const have = m.inputs.map((i) => `${i.name}: ${i.dtype === 'i32' ? 'class' : `f32[${i.shape.slice(1).join(', ')}]`}`).join(', ');
    throw new UserError(`the mnist data set gives 28×28 images (784 values, e.g. f32[784] or f32[1, 28, 28]) and class[10] labels; model '${m.model}' has inputs ${have}`);
  }
  const { train, test } = loadMnist();
  const wrap = (d: typeof train): Samples => ({ count: d.count, tensors: { [image.name]: d.images, [label.name]: d.labels } });
  return { train: wrap(train), test: wrap(test), description: `mnist: ${train.count} training digits, ${test.count} held out` };
}

/** Reads a data file by its extension; errors name the file. */
function readDataFile(path: string, m: Manifest, opts: DataOptions): Samples {
  const ext = extname(path).toLowerCase();
  if (ext !== '.csv') throw new UserError(`cannot read data file ${path}: unsupported type '${ext || '(none)'}' (supported: .csv, or the built-in data set mnist)`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`cannot read data file ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message}`);
  }
  return parseCsv(text, path, m, opts.label ? { label: opts.label } : {});
}

/** Training and held-out samples, keyed by the model's input names. */
export function loadData(name: string, m: Manifest, opts: DataOptions = {}): LoadedData {
  if (opts.valSplit !== undefined && opts.val !== undefined) throw new UserError('use either --val-split or --val, not both');
  if (name === 'mnist') {
    if (opts.label) throw new UserError('--label applies to CSV files; the mnist data set has its labels');
    const d = mnist(m);
    if (opts.val !== undefined) throw new UserError('--val applies to data files; the mnist data set holds out its own 2,000 digits');
    if (opts.valSplit === undefined) return d;
    const { train, held } = splitTail(d.train, opts.valSplit);
    return { train, test: held, validate: true, description: `mnist: ${train.count} training digits, ${held.count} held out (--val-split ${opts.valSplit})` };
  }
  if (!name.includes('.') && !name.includes('/')) throw new UserError(`unknown data set '${name}' (built in: ${DATASETS.join(', ')}; or a .csv file)`);
  const all = readDataFile(name, m, opts);
  if (opts.val !== undefined) {
    const test = readDataFile(opts.val, m, opts);
    return { train: all, test, validate: true, description: `${name}: ${all.count} training samples; ${opts.val}: ${test.count} held out` };
  }
  if (opts.valSplit !== undefined) {
    const { train, held } = splitTail(all, opts.valSplit);
    if (held.count === 0) throw new UserError(`--val-split ${opts.valSplit} of ${all.count} samples holds out none; use a larger fraction`);
    return { train, test: held, validate: true, description: `${name}: ${train.count} training samples, ${held.count} held out (the last ${Math.round(opts.valSplit * 100)}%)` };
  }
  return { train: all, description: `${name}: ${all.count} training samples (no validation data: add --val-split or --val)` };
}
