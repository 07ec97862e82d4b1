// Text to token ids, with Keras TextVectorization's conventions (output_mode "int",
// standardize "lower_and_strip_punctuation", split "whitespace" or "character"): id 0 pads, id 1 is
// out of vocabulary, learned tokens from id 2 by descending count, ties by descending token (code
// point order, as Keras's reversed numpy lexsort over UTF-8 bytes). The vocabulary is built from the
// training texts only. Pure and browser-safe: the JSON form is written beside the weights
// (tokenizer-node.ts), so prediction tokenises new text exactly as training did.
import { printable } from '../../dsl/printable.ts';
import { DataError, shownFile } from './data-error.ts';

/** Word tokens (Keras split="whitespace") or one token per Unicode code point (split="character"). */
export type TokenLevel = 'word' | 'character';

/** The padding id (Keras's mask token ''), written where a text has fewer than T tokens. */
export const PAD_ID = 0;
/** The id of every token not in the vocabulary (Keras's one OOV index, token '[UNK]'). */
export const OOV_ID = 1;
/** The vocabulary's first two entries, as Keras's get_vocabulary() lists them. */
export const PAD_TOKEN = '';
export const OOV_TOKEN = '[UNK]';

/** How a tokenizer is built (from the train section, or defaults). */
export interface TokenizerSettings {
  level: TokenLevel;
  /** T: every text becomes exactly this many ids (truncated at the end, padded with 0 at the end). */
  sequenceLength: number;
  /** Most vocabulary entries, padding and OOV included (Keras max_tokens); none: every token kept. */
  maxTokens?: number;
  /** Fewest training occurrences a token needs to get an id (not in Keras; 1 = Keras's behaviour). */
  minCount?: number;
}

/** A built tokenizer: the vocabulary's index is the id. */
export interface Tokenizer {
  level: TokenLevel;
  sequenceLength: number;
  /** vocabulary[id]; [0] = '' (padding), [1] = '[UNK]' (OOV), then the learned tokens. */
  vocabulary: string[];
  /** The settings it was built with (kept in the JSON for the record). */
  maxTokens?: number;
  minCount?: number;
  /** The class names, in label order, when the data named its classes (folder names, CSV labels). */
  classes?: string[];
}

// eslint-disable-next-line no-useless-escape
const PUNCTUATION = /[!"#$%&()*+,\-./:;<=>?@[\\\]^_`{|}~']/g;
const ASCII_UPPER = /[A-Z]+/g;
/** Whitespace as TensorFlow's string split sees it: the six ASCII spaces (not U+00A0 and others). */
const ASCII_SPACE = /[ \t\n\v\f\r]+/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Keras's "lower_and_strip_punctuation": ASCII letters lowercased (tf.strings.lower's default
 * encoding is ASCII, so 'É' stays 'É'), then the 32 ASCII punctuation characters removed.
 */
export function standardize(text: string): string {
  return text.replace(ASCII_UPPER, (s) => s.toLowerCase()).replace(PUNCTUATION, '');
}

/**
 * The tokens of `text` after standardisation, at most `limit` of them. Words: runs between ASCII
 * whitespace. Characters: code points, spaces included (a lone surrogate, which UTF-8 cannot
 * hold, reads as U+FFFD as TensorFlow's decoder replaces a bad byte). Standardising never touches
 * whitespace, so each run is standardised on its own (one that was all punctuation is dropped, as
 * Keras's split drops the empty run): the same tokens, and a long text stops after `limit`.
 */
export function tokensOf(text: string, level: TokenLevel, limit = Infinity): string[] {
  const out: string[] = [];
  if (level === 'character') {
    for (const c of text.replace(LONE_SURROGATE, '\uFFFD')) {
      if (out.length >= limit) break;
      const t = standardize(c);
      if (t !== '') out.push(t);
    }
    return out;
  }
  const space = new RegExp(ASCII_SPACE.source, 'g');
  let start = 0;
  while (out.length < limit) {
    const m = space.exec(text);
    const end = m ? m.index : text.length;
    if (end > start) {
      const t = standardize(text.slice(start, end));
      if (t !== '') out.push(t);
    }
    if (!m) break;
    start = space.lastIndex;
  }
  return out;
}

/** Orders strings by code point (UTF-8 byte order), unlike `<` on UTF-16 units. */
export function compareCodePoints(a: string, b: string): number {
  let i = 0, j = 0;
  while (i < a.length && j < b.length) {
    const x = a.codePointAt(i)!, y = b.codePointAt(j)!;
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  return (a.length - i) - (b.length - j);
}

/** Why settings cannot build a tokenizer, or undefined. */
function settingsProblem(s: TokenizerSettings): string | undefined {
  if (s.level !== 'word' && s.level !== 'character') return `the token level must be 'word' or 'character', not '${printable(String(s.level))}'`;
  if (!Number.isInteger(s.sequenceLength) || s.sequenceLength < 1) return `the sequence length must be a whole number ≥ 1, not ${s.sequenceLength}`;
  if (s.maxTokens !== undefined && (!Number.isInteger(s.maxTokens) || s.maxTokens < 3)) {
    return `the vocabulary size must be a whole number ≥ 3 (padding, out-of-vocabulary and at least one word), not ${s.maxTokens}`;
  }
  if (s.minCount !== undefined && (!Number.isInteger(s.minCount) || s.minCount < 1)) return `the minimum count must be a whole number ≥ 1, not ${s.minCount}`;
  return undefined;
}

/**
 * Builds the vocabulary from `trainTexts` (never validation or test texts): every token counted,
 * those seen fewer than minCount times dropped, the rest ordered by descending count then
 * descending token, cut to maxTokens − 2, after '' and '[UNK]'.
 * @throws DataError for settings out of range.
 */
export function buildTokenizer(trainTexts: Iterable<string>, settings: TokenizerSettings, classes?: string[]): Tokenizer {
  const problem = settingsProblem(settings);
  if (problem) throw new DataError(`tokenizer: ${problem}`);
  const counts = new Map<string, number>();
  for (const text of trainTexts) {
    for (const t of tokensOf(text, settings.level)) counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  const minCount = settings.minCount ?? 1;
  const learned = [...counts].filter(([, n]) => n >= minCount);
  learned.sort(([a, n], [b, m]) => m - n || compareCodePoints(b, a));
  const keep = settings.maxTokens === undefined ? learned.length : settings.maxTokens - 2;
  return {
    level: settings.level,
    sequenceLength: settings.sequenceLength,
    vocabulary: [PAD_TOKEN, OOV_TOKEN, ...learned.slice(0, keep).map(([t]) => t)],
    ...(settings.maxTokens !== undefined ? { maxTokens: settings.maxTokens } : {}),
    ...(settings.minCount !== undefined ? { minCount: settings.minCount } : {}),
    ...(classes ? { classes } : {}),
  };
}

/** Token → id, built once per tokenizer. */
const lookups = new WeakMap<Tokenizer, Map<string, number>>();
function lookupOf(tok: Tokenizer): Map<string, number> {
  let map = lookups.get(tok);
  if (!map) {
    map = new Map();
    for (let id = 2; id < tok.vocabulary.length; id++) map.set(tok.vocabulary[id]!, id);
    lookups.set(tok, map);
  }
  return map;
}

/**
 * The ids of `texts`, n × T row-major (one sequence per text): the first T tokens, OOV as 1, padded
 * with 0 at the end (Keras output_sequence_length).
 */
export function encodeTexts(tok: Tokenizer, texts: readonly string[]): Int32Array {
  const T = tok.sequenceLength;
  const ids = new Int32Array(texts.length * T);
  const map = lookupOf(tok);
  texts.forEach((text, r) => {
    tokensOf(text, tok.level, T).forEach((t, k) => { ids[r * T + k] = map.get(t) ?? OOV_ID; });
  });
  return ids;
}

/** The JSON file's format name and version: a reader refuses any other. */
const FORMAT = 'dlc-tokenizer';
const VERSION = 1;

/** The tokenizer as the JSON text saved beside the weights. */
export function tokenizerToJson(tok: Tokenizer): string {
  return `${JSON.stringify({
    format: FORMAT,
    version: VERSION,
    standardize: 'lower_and_strip_punctuation',
    split: tok.level === 'word' ? 'whitespace' : 'character',
    sequenceLength: tok.sequenceLength,
    ...(tok.maxTokens !== undefined ? { maxTokens: tok.maxTokens } : {}),
    ...(tok.minCount !== undefined ? { minCount: tok.minCount } : {}),
    ...(tok.classes ? { classes: tok.classes } : {}),
    vocabulary: tok.vocabulary,
  }, null, 1)}\n`;
}

/**
 * A tokenizer from its JSON text; `name` is the file, for messages.
 * @throws DataError naming the file and what is wrong (not JSON, another format, a malformed field).
 */
export function tokenizerFromJson(text: string, name: string): Tokenizer {
  const file = shownFile(name);
  const fail = (why: string): never => { throw new DataError(`${file}: ${why}; write it again by training (dlc train saves the tokenizer beside the weights)`); };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return fail('not valid JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail('not a tokenizer (expected a JSON object)');
  const o = v as Record<string, unknown>;
  if (o.format !== FORMAT) return fail(`not a dlc tokenizer (its "format" is not "${FORMAT}")`);
  if (o.version !== VERSION) return fail(`tokenizer version ${printable(String(o.version))}; this dlc reads version ${VERSION}`);
  if (o.standardize !== 'lower_and_strip_punctuation') return fail('"standardize" must be "lower_and_strip_punctuation"');
  if (o.split !== 'whitespace' && o.split !== 'character') return fail('"split" must be "whitespace" or "character"');
  const wholeOrAbsent = (key: string): number | undefined => {
    const n = o[key];
    if (n === undefined) return undefined;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) return fail(`"${key}" must be a whole number ≥ 1`);
    return n;
  };
  const sequenceLength = wholeOrAbsent('sequenceLength');
  if (sequenceLength === undefined) return fail('"sequenceLength" is missing');
  const maxTokens = wholeOrAbsent('maxTokens');
  const minCount = wholeOrAbsent('minCount');
  const strings = (key: string): string[] | undefined => {
    const a = o[key];
    if (a === undefined) return undefined;
    if (!Array.isArray(a) || !a.every((s) => typeof s === 'string')) return fail(`"${key}" must be a list of strings`);
    return a as string[];
  };
  const vocabulary = strings('vocabulary');
  if (!vocabulary || vocabulary[0] !== PAD_TOKEN || vocabulary[1] !== OOV_TOKEN) return fail(`"vocabulary" must start with "${PAD_TOKEN}" (padding) and "${OOV_TOKEN}" (out of vocabulary)`);
  if (maxTokens !== undefined && vocabulary.length > maxTokens) return fail(`"vocabulary" holds ${vocabulary.length} entries, more than its "maxTokens" ${maxTokens}`);
  const seen = new Set<string>();
  vocabulary.forEach((t, id) => {
    if (id >= 2 && (t === '' || seen.has(t))) fail(`"vocabulary" entry ${id} is ${t === '' ? 'empty' : `'${printable(t)}' again`}`);
    seen.add(t);
  });
  const classes = strings('classes');
  const level: TokenLevel = o.split === 'whitespace' ? 'word' : 'character';
  return {
    level, sequenceLength, vocabulary,
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    ...(minCount !== undefined ? { minCount } : {}),
    ...(classes ? { classes } : {}),
  };
}
