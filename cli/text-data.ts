// Text data sets for a model with a token input (`input text: tokens[V, T]`): the built-in spam
// corpus, a text CSV, or a folder per class, split into train / validation (/ test), then tokenised
// with a tokenizer built from the training split alone. The ids go to the token input as int32,
// n × T, the labels to the class input, as class labels are fed today.
import type { InputSpec, Manifest } from '../compiler/artifact.ts';
import { printable } from '../dsl/printable.ts';
import { shownFile } from '../runtime/data/data-error.ts';
import { csvRows } from '../runtime/data/csv.ts';
import { MAX_CSV_BYTES } from '../runtime/data/limits.ts';
import { labelInput } from '../runtime/data/model-inputs.ts';
import { readFileBounded } from '../runtime/data/read-bounded-node.ts';
import { loadSpam, SpamMissingError } from '../runtime/data/spam.ts';
import { parseTextCsv, parseTextCsvMaybeLabelled, splitTextTail, type MaybeLabelledTexts, tokenizeSplits, type TextSamples, type TokenizedText, type TokenSamples } from '../runtime/data/text.ts';
import { isFolder, readTextFolder } from '../runtime/data/text-folder-node.ts';
import { encodeTexts, type Tokenizer, type TokenizerSettings, type TokenLevel } from '../runtime/data/tokenizer.ts';
import type { Samples } from '../runtime/fit.ts';
import { UserError } from './errors.ts';

/** The built-in text data sets. */
export const TEXT_DATASETS = ['spam'];

/** How text data is read and split. */
export interface TextDataOptions {
  /** The CSV label column (default: named like the model's label input). */
  label: string;
  /** The CSV text column (default: the one column besides the label). */
  text?: string;
  /** The model's class count, checked against the labels. */
  classes?: number;
  /** Fraction of the training texts held out for validation (the last ones). */
  valSplit?: number;
  /** A separate validation file or folder. */
  val?: string;
}

/** Tokenised splits, the tokenizer (to save beside the weights) and a line saying what was read. */
export interface LoadedText extends TokenizedText {
  description: string;
}

/** The error for data that is not text: neither a CSV, a folder, nor a built-in text data set. */
const notText = (path: string): UserError => new UserError(`cannot read text data ${shownFile(path)}: expected a .csv file with a text column, a folder with one folder of .txt files per class, or the built-in data set ${TEXT_DATASETS.join(', ')}`);

/** Texts from a CSV file or a folder per class; errors name the file. */
function readTexts(path: string, opts: TextDataOptions): TextSamples {
  if (isFolder(path)) {
    const s = readTextFolder(path);
    if (opts.classes !== undefined && s.classes!.length > opts.classes) {
      throw new UserError(`${shownFile(path)}: ${s.classes!.length} class folders (${printable(s.classes!.join(', '))}) but the model's label input has ${opts.classes} classes`);
    }
    return s;
  }
  if (!path.toLowerCase().endsWith('.csv')) throw notText(path);
  const bytes = readFileBounded(path, { what: 'data file', limit: MAX_CSV_BYTES });
  return parseTextCsv(new TextDecoder().decode(bytes), path, {
    label: opts.label,
    ...(opts.text !== undefined ? { text: opts.text } : {}),
    ...(opts.classes !== undefined ? { classes: opts.classes } : {}),
  });
}

/** The spam corpus, with the missing optional package reported as the user's error to fix. */
function spam(): ReturnType<typeof loadSpam> {
  try {
    return loadSpam();
  } catch (err) {
    if (err instanceof SpamMissingError) throw new UserError(err.message);
    throw err;
  }
}

/**
 * `texts` with its class ids renumbered as training numbered the same names (a validation folder or
 * CSV may lack a class, which would shift every id after it); a name training never saw is refused.
 * `trained` names the training data in messages.
 */
function alignClasses<T extends MaybeLabelledTexts>(texts: T, trainClasses: string[] | undefined, name: string, trained: string): T {
  if (!texts.labels || (!texts.classes && !trainClasses)) return texts;
  if (!texts.classes || !trainClasses) {
    throw new UserError(`${shownFile(name)} and ${trained} must both name their classes (folders or label words) or both give class ids`);
  }
  const ids = new Map(trainClasses.map((c, k) => [c, k]));
  const map = texts.classes.map((c) => {
    const k = ids.get(c);
    if (k === undefined) throw new UserError(`${shownFile(name)}: class '${printable(c)}' is not among the training classes (${printable(trainClasses.join(', '))})`);
    return k;
  });
  return { ...texts, labels: texts.labels.map((l) => map[l]!), classes: trainClasses };
}

/** "3 training texts (2 ham, 1 spam)": the count, what they are, and per class when the classes have names. */
const counted = (s: TextSamples, what: string): string => {
  if (!s.classes) return `${s.texts.length} ${what}`;
  const per = s.classes.map((c, k) => `${s.labels.reduce((n, l) => n + (l === k ? 1 : 0), 0)} ${printable(c)}`);
  return `${s.texts.length} ${what} (${per.join(', ')})`;
};

/**
 * Reads `name` (spam, a .csv or a folder), splits it and tokenises every split with a tokenizer
 * built from the training texts. Errors are the user's: they name the file, line and column.
 */
export function loadTextData(name: string, settings: TokenizerSettings, opts: TextDataOptions): LoadedText {
  if (opts.valSplit !== undefined && opts.val !== undefined) throw new UserError('use either --val-split or --val, not both');
  if (name === 'spam') {
    if (opts.val !== undefined || opts.valSplit !== undefined) throw new UserError('--val and --val-split apply to data files; the spam data set holds out its own validation and test messages');
    const s = spam();
    if (opts.classes !== undefined && opts.classes !== s.train.classes!.length) {
      throw new UserError(`the spam data set has ${s.train.classes!.length} classes (ham, spam), but the model's label input has ${opts.classes}: declare class[2]`);
    }
    return { ...tokenizeSplits(s, settings), description: `spam: ${counted(s.train, 'training messages')}, ${counted(s.val, 'for validation')}, ${counted(s.test, 'held out')}` };
  }
  if (!name.includes('.') && !name.includes('/') && !isFolder(name)) throw new UserError(`unknown text data set '${printable(name)}' (built in: ${TEXT_DATASETS.join(', ')}; or a .csv file or a folder per class)`);
  const all = readTexts(name, opts);
  if (opts.val !== undefined) {
    const val = alignClasses(readTexts(opts.val, opts), all.classes, opts.val, shownFile(name));
    return { ...tokenizeSplits({ train: all, val }, settings), description: `${shownFile(name)}: ${counted(all, 'training texts')}; ${shownFile(opts.val)}: ${counted(val, 'for validation')}` };
  }
  if (opts.valSplit !== undefined) {
    const { train, held } = splitTextTail(all, opts.valSplit);
    if (held.texts.length === 0) throw new UserError(`--val-split ${opts.valSplit} of ${all.texts.length} texts holds out none; use a larger fraction`);
    return { ...tokenizeSplits({ train, val: held }, settings), description: `${shownFile(name)}: ${counted(train, 'training texts')}, ${counted(held, 'for validation')}, the last ${Math.round(opts.valSplit * 100)}%` };
  }
  return { ...tokenizeSplits({ train: all }, settings), description: `${shownFile(name)}: ${counted(all, 'training texts')}; no validation data: add --val-split or --val` };
}

/** Token samples as the training loop takes them: ids under the token input's name, labels under the label input's. */
export const tokenSamplesFor = (s: TokenSamples, tokensInput: string, labelInput: string): Samples => ({
  count: s.count,
  tensors: { [tokensInput]: s.ids, [labelInput]: s.labels },
});

/**
 * A token input as the `tokens[V, T]` type declares it in the manifest: i32, shape [batch, T], and
 * `vocab` = V (written structurally, so this reads manifests with and without the field).
 */
type MaybeTokenInput = InputSpec & { vocab?: number };

/** The inputs of a model that trains on text: its token input (V, T) and its class label input. */
export interface TextInputs {
  tokens: string;
  vocab: number;
  sequenceLength: number;
  label: string;
  classes: number;
}

/** The model's token and label inputs, or undefined when it has no token input (then the data is not text). */
export function textInputsOf(m: Manifest): TextInputs | undefined {
  const tokens = m.inputs.find((i) => (i as MaybeTokenInput).vocab !== undefined) as MaybeTokenInput | undefined;
  if (!tokens) return undefined;
  const label = labelInput(m);
  if (!label || label.classes === undefined || m.inputs.length !== 2) {
    throw new UserError(`text data fills a model with one token input and one class label input; model '${printable(m.model)}' has inputs ${m.inputs.map((i) => printable(i.name)).join(', ')}`);
  }
  return { tokens: tokens.name, vocab: tokens.vocab!, sequenceLength: tokens.shape[1]!, label: label.name, classes: label.classes };
}

/** How the train section (or the command line) sets the tokenizer beyond what the input type fixes. */
export interface TokenizerChoice {
  level?: TokenLevel;
  minCount?: number;
}

/** Text data matched to a model's inputs: samples keyed by input name, and the tokenizer to save. */
export interface LoadedTextForModel {
  train: Samples;
  val?: Samples;
  test?: Samples;
  tokenizer: Tokenizer;
  description: string;
}

/**
 * Reads text data for `m`: the vocabulary holds at most V entries (padding and OOV included, Keras
 * max_tokens = V), every text becomes T ids, the labels are checked against the class count.
 */
export function loadTextForModel(name: string, fit: TextInputs, choice: TokenizerChoice = {}, opts: Omit<TextDataOptions, 'label' | 'classes'> & { label?: string } = {}): LoadedTextForModel {
  const settings: TokenizerSettings = { level: choice.level ?? 'word', sequenceLength: fit.sequenceLength, maxTokens: fit.vocab, ...(choice.minCount !== undefined ? { minCount: choice.minCount } : {}) };
  const loaded = loadTextData(name, settings, { ...opts, label: opts.label ?? fit.label, classes: fit.classes });
  const wrap = (s: TokenSamples): Samples => tokenSamplesFor(s, fit.tokens, fit.label);
  return {
    train: wrap(loaded.train),
    ...(loaded.val ? { val: wrap(loaded.val) } : {}),
    ...(loaded.test ? { test: wrap(loaded.test) } : {}),
    tokenizer: loaded.tokenizer,
    description: `${loaded.description}; ${loaded.tokenizer.vocabulary.length} tokens in the vocabulary (at most ${fit.vocab}), ${fit.sequenceLength} per text`,
  };
}

/** Refuses a tokenizer made for another model's token input. */
function checkTokenizerFits(tokenizer: Tokenizer, fit: TextInputs): void {
  if (tokenizer.sequenceLength !== fit.sequenceLength || tokenizer.vocabulary.length > fit.vocab) {
    throw new UserError(`the tokenizer makes ${tokenizer.sequenceLength} ids per text from a vocabulary of ${tokenizer.vocabulary.length}, but input '${printable(fit.tokens)}' takes tokens[${fit.vocab}, ${fit.sequenceLength}]: the weights and tokenizer come from another model`);
  }
}

/**
 * Texts to evaluate or predict on with a trained model's tokenizer: the spam corpus's held-out
 * test messages, a folder per class, or a CSV with a text column and perhaps a label column. Class
 * names are matched to the ones training saw (kept in the tokenizer), never renumbered afresh.
 */
export function loadTextForPrediction(name: string, tokenizer: Tokenizer, fit: TextInputs, opts: { label?: string; text?: string } = {}): Samples {
  checkTokenizerFits(tokenizer, fit);
  let texts: MaybeLabelledTexts;
  if (name === 'spam') texts = spam().test;
  else if (isFolder(name)) texts = readTextFolder(name);
  else if (name.toLowerCase().endsWith('.csv')) {
    const bytes = readFileBounded(name, { what: 'data file', limit: MAX_CSV_BYTES });
    texts = parseTextCsvMaybeLabelled(new TextDecoder().decode(bytes), name, { label: opts.label ?? fit.label, classes: fit.classes, ...(opts.text !== undefined ? { text: opts.text } : {}) });
  } else throw notText(name);
  const aligned = alignClasses(texts, tokenizer.classes, name, 'the training data');
  const ids = encodeTexts(tokenizer, aligned.texts);
  return { count: aligned.texts.length, tensors: aligned.labels ? { [fit.tokens]: ids, [fit.label]: aligned.labels } : { [fit.tokens]: ids } };
}

/** Whether the model has a token input (`tokens[V, T]`): then text data can fill it. */
export const hasTokenInput = (m: Manifest): boolean => m.inputs.some((i) => (i as MaybeTokenInput).vocab !== undefined);

const INTEGER = /^\s*[+-]?\d+\s*$/;

/**
 * Whether a CSV for a model with a token input holds text rather than token ids: one column besides
 * the label (or a named text column) with a value that is not an integer. T columns of integer ids
 * (or one, for T = 1) are ids, read as any CSV; anything else goes to the id reader and its errors.
 */
export function isTextCsv(path: string, label: string, textColumn?: string): boolean {
  if (textColumn !== undefined) return true;
  const rows = csvRows(new TextDecoder().decode(readFileBounded(path, { what: 'data file', limit: MAX_CSV_BYTES })), path);
  if (rows.length < 2) return false;
  const header = rows[0]!.fields.map((f) => f.trim());
  const features = header.map((_, k) => k).filter((k) => header[k] !== label);
  if (features.length !== 1) return false;
  const k = features[0]!;
  return rows.slice(1).some((r) => !INTEGER.test(r.fields[k] ?? ''));
}

/** Texts given on the command line (predict --text), tokenised as training did. */
export function textSamplesFor(texts: string[], tokenizer: Tokenizer, fit: TextInputs): Samples {
  checkTokenizerFits(tokenizer, fit);
  return { count: texts.length, tensors: { [fit.tokens]: encodeTexts(tokenizer, texts) } };
}
