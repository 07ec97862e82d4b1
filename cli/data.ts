// Data sets the CLI can train on, matched to the model's inputs: the built-in MNIST digits, or a
// data file (CSV with a label column by name, .npz, .npy or IDX with --labels), with an optional
// validation split or file.
import { groupDigits } from '../dsl/group-digits.ts';
import { basename, extname } from 'node:path';
import type { Manifest } from '../compiler/artifact.ts';
import { printable } from '../dsl/printable.ts';
import { arraysToSamples, checkSampleShapes, parseIdx, parseNpy, type NdArray } from '../runtime/data/arrays.ts';
import { parseCsv } from '../runtime/data/csv.ts';
import { shownFile } from '../runtime/data/data-error.ts';
import { labelInput, sampleWeightInput } from '../runtime/data/model-inputs.ts';
import { MAX_ARRAY_FILE_BYTES, MAX_CSV_BYTES, STREAM_CSV_BYTES, STREAM_NPY_BYTES } from '../runtime/data/limits.ts';
import { streamCsv } from '../runtime/data/csv-stream-node.ts';
import { streamArrays } from '../runtime/data/npy-stream-node.ts';
import { statSync } from 'node:fs';
import { readFileBounded } from '../runtime/data/read-bounded-node.ts';
import { npzMembers } from '../runtime/data/npz-node.ts';
import { loadMnist, MNIST_PIXELS, MnistMissingError, type Dataset } from '../runtime/data/mnist.ts';
import { mnistInputs, mnistRowsInputs } from '../runtime/data/mnist-fit.ts';
import { classOfEach, firstSamples, splitStratified, splitTail } from '../runtime/data/split.ts';
import type { SampleStream, Samples } from '../runtime/fit.ts';
import { isFolder } from '../runtime/data/class-folders-node.ts';
import { readImageFolder } from '../runtime/data/image-folder-node.ts';
import type { Tokenizer } from '../runtime/data/tokenizer.ts';
import { UserError } from './errors.ts';
import { hasTokenInput, isTextCsv, loadTextForModel, textInputsOf, type TokenizerChoice } from './text-data.ts';

export const DATASETS = ['mnist', 'mnist-rows', 'spam'];

/** Whether `name` is a built-in MNIST data set: the digits as images (mnist) or as rows in time (mnist-rows). */
export const isMnist = (name: string): name is 'mnist' | 'mnist-rows' => name === 'mnist' || name === 'mnist-rows';

export interface DataOptions {
  /** Label column names (CSV). */
  label?: string[];
  /** Fraction of the training rows held out for validation (the last rows). */
  valSplit?: number;
  /** --val-split holds out a seeded random fraction of each class (else the last rows, as Keras). */
  stratify?: boolean;
  /** A separate validation file. */
  val?: string;
  /** Labels of .npy / IDX features. */
  labels?: string;
  /** Multiplies every feature (e.g. 1/255 for bytes). */
  scale?: number;
  /** mnist: only these digits (labels kept as they are, so a class[10] head still fits). */
  digits?: number[];
  /** The text column of a text CSV (a model with a token input). */
  textColumn?: string;
  /** Only the first n training samples (after --digits and --val-split). */
  trainSize?: number;
  /** How text is tokenised (a model with a token input). */
  tokenizer?: TokenizerChoice;
}

export interface LoadedData {
  train: Samples;
  /** Validation samples (--val-split or --val), evaluated after every epoch; never the test set. */
  val?: Samples;
  /** Held-out test samples (mnist's test digits), evaluated once, after training. */
  test?: Samples;
  description: string;
  /** The tokenizer built from the training texts (text data), saved beside the weights. */
  tokenizer?: Tokenizer;
}

function mnist(m: Manifest, rows: boolean, digits?: number[]): LoadedData {
  const fit = rows ? mnistRowsInputs(m) : mnistInputs(m);
  if ('error' in fit) throw new UserError(fit.error);
  const image = { name: fit.image }, label = { name: fit.label };
  const all = loadMnistOrExplain();
  const [train, test] = digits ? [onlyDigits(all.train, digits), onlyDigits(all.test, digits)] : [all.train, all.test];
  const wrap = (d: typeof train): Samples => ({ count: d.count, tensors: { [image.name]: d.images, [label.name]: d.labels } });
  const which = digits ? ` ${digitsText(digits)}` : '';
  return { train: wrap(train), test: wrap(test), description: `${rows ? 'mnist-rows (28 steps of 28 pixels)' : 'mnist'}: ${train.count} training digits${which}, ${test.count} held out` };
}

/** The samples of `d` whose label is one of `digits`, in their order. */
function onlyDigits(d: Dataset, digits: number[]): Dataset {
  const keep: number[] = [];
  for (let i = 0; i < d.count; i++) if (digits.includes(d.labels[i]!)) keep.push(i);
  const images = new Float32Array(keep.length * MNIST_PIXELS);
  const labels = new Int32Array(keep.length);
  keep.forEach((src, i) => {
    images.set(d.images.subarray(src * MNIST_PIXELS, (src + 1) * MNIST_PIXELS), i * MNIST_PIXELS);
    labels[i] = d.labels[src]!;
  });
  return { images, labels, count: keep.length };
}

/** "0–4" for a run of digits, else "5, 7, 9". */
function digitsText(digits: number[]): string {
  const run = digits.every((d, i) => i === 0 || d === digits[i - 1]! + 1);
  return run && digits.length > 2 ? `${digits[0]}–${digits.at(-1)}` : digits.join(', ');
}

/** loadMnist, with the missing optional package reported as the user's error to fix. */
function loadMnistOrExplain(): ReturnType<typeof loadMnist> {
  try {
    return loadMnist();
  } catch (err) {
    if (err instanceof MnistMissingError) throw new UserError(err.message);
    throw err;
  }
}

type Format = 'csv' | 'npy' | 'npz' | 'idx';

/** The format of a data file from its name (MNIST's IDX files end in -ubyte or .idx). */
function formatOf(path: string): Format | undefined {
  const base = basename(path).toLowerCase();
  const ext = extname(base);
  if (ext === '.csv' || ext === '.npy' || ext === '.npz') return ext.slice(1) as Format;
  if (base.endsWith('ubyte') || ext === '.idx') return 'idx';
  return undefined;
}

/** A data file's bytes: a regular file only, of at most the format's size limit (refused before reading). */
function readBytes(path: string, format: Format): Uint8Array {
  return readFileBounded(path, { what: 'data file', limit: format === 'csv' ? MAX_CSV_BYTES : MAX_ARRAY_FILE_BYTES });
}

const readArray = (path: string, format: Format): NdArray => {
  const bytes = readBytes(path, format);
  if (format === 'npy') return parseNpy(bytes, path);
  if (format === 'idx') return parseIdx(bytes, path);
  throw new UserError(`${shownFile(path)}: expected a .npy or IDX file`);
};

/**
 * Reads a data file by its format: CSV (label column by name), .npz (arrays named like the model's
 * inputs, or x and y), or .npy / IDX features with their labels in `opts.labels`. Errors name the file.
 */
export function readDataFile(path: string, m: Manifest, opts: DataOptions, labelsOptional = false): Samples {
  if (isFolder(path)) {
    if (opts.label || opts.labels) throw new UserError(`--label and --labels apply to data files; a folder of images takes its labels from its class folders' names`);
    // The samples alone: eval and predict show class ids (a class folder's index), not its name.
    const { count, tensors } = readImageFolder(path, m, opts.scale !== undefined ? { scale: opts.scale } : {});
    return { count, tensors };
  }
  const format = formatOf(path);
  if (!format) throw new UserError(`cannot read data file ${shownFile(path)}: unsupported type '${printable(extname(path)) || '(none)'}' (supported: .csv, .npy, .npz, IDX (-ubyte), a folder of .png images per class, or the built-in data sets mnist, mnist-rows, spam)`);
  if (format !== 'csv' && opts.label) throw new UserError('--label names a CSV column; array files are matched by name (.npz) or take --labels FILE');
  const scale = opts.scale !== undefined ? { scale: opts.scale } : {};
  if (format === 'csv') {
    if (opts.labels) throw new UserError('--labels FILE applies to .npy and IDX data; a CSV names its label column (--label)');
    return parseCsv(new TextDecoder().decode(readBytes(path, format)), path, m, { ...(opts.label ? { label: opts.label } : {}), labelsOptional, ...scale });
  }
  const target = labelInput(m);
  const weight = sampleWeightInput(m);
  const feature = m.inputs.find((i) => i !== target && i !== weight);
  if (format === 'npz') {
    const arrays = npzMembers(readBytes(path, format), path);
    const pick = (names: (string | undefined)[]): string | undefined => names.find((n) => n !== undefined && arrays.has(n));
    const xName = pick([feature?.name, 'x']);
    const yName = pick([target?.name, 'y']);
    const have = printable([...arrays.keys()].join(', ')) || 'none';
    if (!xName) throw new UserError(`${shownFile(path)}: no array named '${feature?.name ?? 'x'}' or 'x' for the features (arrays: ${have})`);
    if (!yName && !labelsOptional) throw new UserError(`${shownFile(path)}: no array named '${target?.name ?? 'y'}' or 'y' for the labels (arrays: ${have})`);
    const x = { member: arrays.get(xName)!, file: `${path}:${xName}` };
    const y = yName ? { member: arrays.get(yName)!, file: `${path}:${yName}` } : undefined;
    // Sample weights (the loss's sample_weight input): the array of its name, needed with the labels.
    const wMember = weight ? arrays.get(weight.name) : undefined;
    if (weight && !wMember && !labelsOptional) throw new UserError(`${shownFile(path)}: no array named '${printable(weight.name)}' for the sample weights (the loss's sample_weight input; arrays: ${have})`);
    const weights = wMember && yName ? { weights: { array: wMember.read(), file: `${path}:${weight!.name}` } } : {};
    // Shapes from the headers first: a member of the wrong shape is refused before it is inflated.
    checkSampleShapes(m, { shape: x.member.header.shape, file: x.file }, y && { shape: y.member.header.shape, file: y.file });
    return arraysToSamples(m, { array: x.member.read(), file: x.file }, y && { array: y.member.read(), file: y.file }, { ...scale, ...weights });
  }
  if (!opts.labels && !labelsOptional) throw new UserError(`${shownFile(path)} holds features only: give the labels with --labels FILE (.npy or IDX)`);
  if (weight && opts.labels) throw new UserError(`the loss weighs samples by the input '${printable(weight.name)}' (sample_weight): give them as a column of a .csv file or an array of a .npz file`);
  const x = { array: readArray(path, format), file: path };
  let y;
  if (opts.labels) {
    const lf = formatOf(opts.labels);
    if (lf !== 'npy' && lf !== 'idx') throw new UserError(`--labels ${shownFile(opts.labels)}: expected a .npy or IDX file`);
    y = { array: readArray(opts.labels, lf), file: opts.labels };
  }
  return arraysToSamples(m, x, y, scale);
}

/**
 * Whether `name` is text for a model with a token input: the spam data set, a folder per class, or a
 * CSV whose one feature column holds text (isTextCsv); a CSV of token ids is not.
 */
export function isTextData(name: string, m: Manifest, opts: Pick<DataOptions, 'label' | 'textColumn'>): boolean {
  if (!hasTokenInput(m)) return false;
  if (name === 'spam' || isFolder(name)) return true;
  if (formatOf(name) !== 'csv') return false;
  return isTextCsv(name, opts.label?.[0] ?? labelInput(m)?.name ?? 'label', opts.textColumn);
}

/** The one --label column of text data. */
function textLabel(opts: DataOptions): { label?: string } {
  if (!opts.label) return {};
  if (opts.label.length !== 1) throw new UserError('text data has one label column: give one name to --label');
  return { label: opts.label[0]! };
}

/** Text data tokenised for a model with a token input, with the tokenizer to save. */
function loadText(name: string, m: Manifest, opts: DataOptions): LoadedData {
  if (opts.labels || opts.scale !== undefined) throw new UserError('--labels and --scale apply to array data; text data has its labels in the CSV or the folder names');
  const fit = textInputsOf(m)!;
  const d = loadTextForModel(name, fit, opts.tokenizer ?? {}, {
    ...textLabel(opts), ...(opts.textColumn !== undefined ? { text: opts.textColumn } : {}),
    ...(opts.valSplit !== undefined ? { valSplit: opts.valSplit } : {}), ...(opts.val !== undefined ? { val: opts.val } : {}),
  });
  return { train: d.train, ...(d.val ? { val: d.val } : {}), ...(d.test ? { test: d.test } : {}), description: d.description, tokenizer: d.tokenizer };
}

/** The error for the spam data set given to a model without a token input. */
export const spamNeedsTokens = (m: Manifest): UserError => new UserError(`the spam data set is text: it fills a model with a token input and a class label input (e.g. input text: tokens[10000, 200] and input label: class[2]); model '${printable(m.model)}' has inputs ${m.inputs.map((i) => printable(i.name)).join(', ')}`);

/** Training and held-out samples, keyed by the model's input names. */
export function loadData(name: string, m: Manifest, opts: DataOptions = {}): LoadedData {
  const d = loadAll(name, m, opts);
  return opts.trainSize === undefined ? d : firstTraining(d, opts.trainSize);
}

/** The size above which a data file is streamed: the variable `name` (DLC_STREAM_CSV_BYTES, DLC_STREAM_NPY_BYTES), else `fallback`. */
function streamAbove(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UserError(`${name} must be a whole number of bytes, got '${printable(v)}'`);
  return n;
}

/** Data to train on: loadData's, except that the training samples may be a stream (a large CSV file). */
export type TrainingData = Omit<LoadedData, 'train'> & { train: Samples | SampleStream };

/** What `dlc train` trains on: a CSV or .npy file too large to read whole is streamed from disk, anything else is loadData's. */
export function loadTrainingData(name: string, m: Manifest, opts: DataOptions = {}): TrainingData {
  return streamedFile(name, m, opts) ?? loadData(name, m, opts);
}

/** The size of a regular file, else undefined. */
function fileSize(name: string): number | undefined {
  try {
    const st = statSync(name);
    return st.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A training CSV file, or .npy features with --labels, too large to read whole, as a stream read
 * from disk each epoch; else undefined (loadData reads it, or explains what is wrong with it).
 */
function streamedFile(name: string, m: Manifest, opts: DataOptions): TrainingData | undefined {
  const format = formatOf(name);
  const labelsFormat = opts.labels ? formatOf(opts.labels) : undefined;
  // Text CSV files are tokenised whole (the tokenizer is built from every training text).
  const csv = format === 'csv' && !hasTokenInput(m);
  const npy = format === 'npy' && (labelsFormat === 'npy' || labelsFormat === 'idx') && !opts.label && !sampleWeightInput(m);
  if (!csv && !npy) return undefined;
  const size = fileSize(name);
  const limit = csv ? streamAbove('DLC_STREAM_CSV_BYTES', STREAM_CSV_BYTES) : streamAbove('DLC_STREAM_NPY_BYTES', STREAM_NPY_BYTES);
  if (size === undefined || size <= limit) return undefined;
  const why = `over ${groupDigits(limit)} bytes: read from disk in chunks each epoch, shuffled through a buffer`;
  if (opts.valSplit !== undefined && opts.val !== undefined) throw new UserError('use either --val-split or --val, not both');
  if (opts.valSplit !== undefined || opts.trainSize !== undefined) throw new UserError(`${shownFile(name)} is ${why}: --val-split and --train-size need the samples in memory; give the validation data as --val FILE`);
  if (csv && opts.labels) throw new UserError('--labels FILE applies to .npy and IDX data; a CSV names its label column (--label)');
  if (npy && opts.val !== undefined) throw new UserError('--val with --labels: put validation features and labels in one .npz or .csv file');
  const scale = opts.scale !== undefined ? { scale: opts.scale } : {};
  const train = npy ? streamArrays(name, opts.labels!, labelsFormat as 'npy' | 'idx', m, scale) : streamCsv(name, m, { ...(opts.label ? { label: opts.label } : {}), ...scale });
  const val = opts.val !== undefined ? readDataFile(opts.val, m, opts) : undefined;
  const head = `${shownFile(name)}: ${train.count} training samples (the file is ${why})`;
  return val ? { train, val, description: `${head}; ${shownFile(opts.val!)}: ${val.count} for validation` } : { train, description: `${head}; no validation data: add --val` };
}

/** The data with only its first `n` training samples (Keras' x_train[:n]); validation and test unchanged. */
function firstTraining(d: LoadedData, n: number): LoadedData {
  const all = d.train.count;
  if (n > all) throw new UserError(`--train-size ${n} is more than the ${all} training samples`);
  return { ...d, train: firstSamples(d.train, n), description: `${d.description}; training on the first ${n} of the ${all} training samples (--train-size)` };
}

/**
 * The validation split: the last rows (Keras' validation_split), or with --stratify a seeded random
 * fraction of each class; `how` describes a stratified split for the data line.
 */
function holdOut(data: Samples, m: Manifest, fraction: number, opts: DataOptions): { train: Samples; held: Samples; how: string } {
  if (!opts.stratify) return { ...splitTail(data, fraction), how: '' };
  const spec = labelInput(m);
  const labels = spec ? data.tensors[spec.name] : undefined;
  const categorical = spec?.classes !== undefined || m.train.loss === 'cross_entropy' || m.train.loss === 'binary_cross_entropy';
  if (!spec || !labels || !categorical) throw new UserError(`--stratify splits by class: it needs class labels (class[K]) or the targets of a cross_entropy or binary_cross_entropy loss${spec ? `; '${printable(spec.name)}' is the target of a ${printable(m.train.loss)} loss` : ''}`);
  // The train section's seed, not --seed: runs with other seeds, and a resumed run, validate on the same samples.
  const seed = m.train.seed;
  return { ...splitStratified(data, classOfEach(labels, data.count), fraction, seed), how: `, stratified by class, chosen with seed ${seed}` };
}

function loadAll(name: string, m: Manifest, opts: DataOptions): LoadedData {
  if (opts.valSplit !== undefined && opts.val !== undefined) throw new UserError('use either --val-split or --val, not both');
  if (isTextData(name, m, opts)) {
    if (opts.stratify) throw new UserError('--stratify applies to array, CSV and mnist data; text data is split by its last rows (--val-split) or given as --val');
    return loadText(name, m, opts);
  }
  if (name === 'spam') throw spamNeedsTokens(m);
  if (opts.textColumn !== undefined || opts.tokenizer !== undefined) throw new UserError(`--text-column, --tokenizer and the train section's tokenizer apply to text data, for a model with a token input (tokens[V, T])`);
  if (isMnist(name)) {
    if (opts.label || opts.labels || opts.scale !== undefined) throw new UserError(`--label, --labels and --scale apply to data files; the ${name} data set has its labels and pixels in [0, 1]`);
    const d = mnist(m, name === 'mnist-rows', opts.digits);
    if (opts.val !== undefined) throw new UserError(`--val applies to data files; the ${name} data set holds out its own 2,000 digits`);
    if (opts.valSplit === undefined) return d;
    // Validation comes out of the training digits; the test digits stay the held-out set.
    const { train, held, how } = holdOut(d.train, m, opts.valSplit, opts);
    return { train, val: held, test: d.test!, description: `${name}: ${train.count} training + ${held.count} validation digits (--val-split ${opts.valSplit} of the training set${how}), ${d.test!.count} test digits held out` };
  }
  if (opts.digits) throw new UserError(`--digits picks digits of the mnist data sets, not of ${printable(name)}`);
  if (!name.includes('.') && !name.includes('/') && !name.includes('ubyte') && !isFolder(name)) throw new UserError(`unknown data set '${printable(name)}' (built in: ${DATASETS.join(', ')}; or a .csv, .npy, .npz or IDX file, or a folder of .png images (or of text) per class)`);
  const all = readDataFile(name, m, opts);
  if (opts.val !== undefined) {
    if (opts.labels) throw new UserError('--val with --labels: put validation features and labels in one .npz or .csv file');
    const val = readDataFile(opts.val, m, opts);
    return { train: all, val, description: `${shownFile(name)}: ${all.count} training samples; ${shownFile(opts.val)}: ${val.count} for validation` };
  }
  if (opts.valSplit !== undefined) {
    const { train, held, how } = holdOut(all, m, opts.valSplit, opts);
    if (held.count === 0) throw new UserError(`--val-split ${opts.valSplit} of ${all.count} samples holds out none; use a larger fraction`);
    return { train, val: held, description: `${shownFile(name)}: ${train.count} training samples, ${held.count} for validation (${how ? `${Math.round(opts.valSplit * 100)}%${how}` : `the last ${Math.round(opts.valSplit * 100)}%`})` };
  }
  return { train: all, description: `${shownFile(name)}: ${all.count} training samples (no validation data: add --val-split or --val)` };
}
