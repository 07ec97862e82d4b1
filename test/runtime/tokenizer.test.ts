// The tokenizer against Keras TextVectorization (output_mode "int", standardize
// "lower_and_strip_punctuation"), worked by hand from Keras's source: lowercasing by
// tf.strings.lower (ASCII only), the 32 ASCII punctuation characters stripped, split on ASCII
// whitespace or per code point, vocabulary by descending count then descending token (reversed
// np.lexsort), max_tokens counting '' and '[UNK]', output_sequence_length cutting and padding at the end.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../runtime/data/data-error.ts';
import { loadTokenizer, saveTokenizer, tokenizerBeside } from '../../runtime/data/tokenizer-node.ts';
import { buildTokenizer, compareCodePoints, encodeTexts, standardize, tokenizerFromJson, tokenizerToJson, tokensOf, type Tokenizer } from '../../runtime/data/tokenizer.ts';
import { tokenizeSplits } from '../../runtime/data/text.ts';
import { messageOf } from '../helpers/errors.ts';

const word = (texts: string[], sequenceLength: number, more: { maxTokens?: number; minCount?: number } = {}): Tokenizer =>
  buildTokenizer(texts, { level: 'word', sequenceLength, ...more });
const rows = (ids: Int32Array, T: number): number[][] => Array.from({ length: ids.length / T }, (_, r) => [...ids.subarray(r * T, (r + 1) * T)]);

describe('standardisation and splitting (Keras lower_and_strip_punctuation, whitespace / character)', () => {
  it('lowercases ASCII letters only and strips the 32 ASCII punctuation characters', () => {
    // tf.strings.lower's default encoding is ASCII: 'É' stays; the em dash is not ASCII punctuation.
    expect(standardize("Hello, World! It's 3:30 p.m. — ÉCOLE [UNK]")).toBe('hello world its 330 pm — École unk');
    expect(standardize('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~')).toBe('');
  });

  it('splits on runs of ASCII whitespace only, and drops a run that was all punctuation', () => {
    expect(tokensOf('  a\u00a0b\tc\n\nd\ve\ff\rg  ', 'word')).toEqual(['a\u00a0b', 'c', 'd', 'e', 'f', 'g']);
    expect(tokensOf('wait -- what ?!', 'word')).toEqual(['wait', 'what']);
    expect(tokensOf('', 'word')).toEqual([]);
  });

  it('splits characters by code point after standardising, spaces kept, a lone surrogate as U+FFFD', () => {
    expect(tokensOf('Hi, 😀!', 'character')).toEqual(['h', 'i', ' ', '😀']);
    expect(tokensOf('a\ud800b', 'character')).toEqual(['a', '\ufffd', 'b']);
  });

  it('orders strings by code point, not by UTF-16 unit', () => {
    expect('😀' < '\ufb00').toBe(true); // JavaScript's order: 0xD83D < 0xFB00
    expect(compareCodePoints('😀', '\ufb00')).toBeGreaterThan(0); // U+1F600 > U+FB00
    expect(compareCodePoints('ab', 'abc')).toBeLessThan(0);
    expect(compareCodePoints('abc', 'abc')).toBe(0);
  });
});

describe('vocabulary and ids', () => {
  it("matches Keras's own adapt example (text_vectorization.py docstring and test_adapt_flow)", () => {
    const tok = word(['foo bar', 'bar baz', 'baz bada boom'], 4, { maxTokens: 5000 });
    // bar and baz twice (baz first: ties go by descending token), then foo, boom, bada once.
    expect(tok.vocabulary).toEqual(['', '[UNK]', 'baz', 'bar', 'foo', 'boom', 'bada']);
    expect(rows(encodeTexts(tok, ['foo qux bar', 'qux baz']), 4)).toEqual([[4, 1, 3, 0], [1, 2, 0, 0]]);
  });

  it('breaks count ties by descending code point', () => {
    expect(word(['apple banana cherry'], 1).vocabulary).toEqual(['', '[UNK]', 'cherry', 'banana', 'apple']);
    expect(word(['\ufb00 😀'], 1).vocabulary).toEqual(['', '[UNK]', '😀', '\ufb00']);
  });

  it('counts padding and OOV in max_tokens, and drops tokens under the minimum count', () => {
    const texts = ['a a a b b c', 'd D'];
    expect(word(texts, 3).vocabulary).toEqual(['', '[UNK]', 'a', 'd', 'b', 'c']);
    const capped = word(texts, 3, { maxTokens: 4 });
    expect(capped.vocabulary).toEqual(['', '[UNK]', 'a', 'd']);
    expect(rows(encodeTexts(capped, ['b a c']), 3)).toEqual([[1, 2, 1]]);
    expect(word(texts, 3, { minCount: 3 }).vocabulary).toEqual(['', '[UNK]', 'a']);
  });

  it('truncates at the end, pads with 0 at the end, and an empty text is all padding', () => {
    const tok = word(['one two three four'], 3);
    expect(tok.vocabulary).toEqual(['', '[UNK]', 'two', 'three', 'one', 'four']);
    expect(rows(encodeTexts(tok, ['One, two; three & four', 'four', '', '...']), 3)).toEqual([[4, 2, 3], [5, 0, 0], [0, 0, 0], [0, 0, 0]]);
  });

  it('builds character vocabularies by count, then descending code point', () => {
    const tok = buildTokenizer(['Hi, 😀!', 'hi'], { level: 'character', sequenceLength: 5 });
    expect(tok.vocabulary).toEqual(['', '[UNK]', 'i', 'h', '😀', ' ']);
    expect(rows(encodeTexts(tok, ['HI 😀?', 'ok']), 5)).toEqual([[3, 2, 5, 4, 0], [1, 1, 0, 0, 0]]);
  });

  it('builds the vocabulary from the training texts only: a word seen only in validation is OOV', () => {
    const split = tokenizeSplits({
      train: { texts: ['free money now', 'meeting at noon'], labels: Int32Array.of(1, 0), classes: ['ham', 'spam'] },
      val: { texts: ['free lunch'], labels: Int32Array.of(0) },
    }, { level: 'word', sequenceLength: 2 });
    expect(split.tokenizer.vocabulary).not.toContain('lunch');
    expect([...split.val!.ids]).toEqual([split.tokenizer.vocabulary.indexOf('free'), 1]);
    expect(split.tokenizer.classes).toEqual(['ham', 'spam']);
    expect(split.train.count).toBe(2);
  });

  it('refuses settings out of range', () => {
    const err = (s: object): string => messageOf(() => buildTokenizer([], { level: 'word', sequenceLength: 4, ...s }), DataError);
    expect(err({ maxTokens: 2 })).toBe('tokenizer: the vocabulary size must be a whole number ≥ 3 (padding, out-of-vocabulary and at least one word), not 2');
    expect(err({ sequenceLength: 0 })).toBe('tokenizer: the sequence length must be a whole number ≥ 1, not 0');
    expect(err({ minCount: 0.5 })).toBe('tokenizer: the minimum count must be a whole number ≥ 1, not 0.5');
    expect(err({ level: 'byte' })).toBe("tokenizer: the token level must be 'word' or 'character', not 'byte'");
  });
});

describe('the tokenizer as JSON beside the weights', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dlc-tokenizer-'));
  const tok = buildTokenizer(['Ünïcode 😀 tab\there', 'ctrl\x1b[31m bell\x07 here'], { level: 'word', sequenceLength: 6, maxTokens: 50, minCount: 1 }, ['ham', 'spam']);

  it('round-trips through a file: the same vocabulary, settings, classes and ids', async () => {
    const path = tokenizerBeside(join(dir, 'weights.safetensors'));
    expect(path).toBe(join(dir, 'tokenizer.json'));
    await saveTokenizer(tok, path);
    const back = loadTokenizer(path);
    expect(back).toEqual(tok);
    const probe = ['ünïcode HERE 😀 unseen', 'ctrl\x1b[31m'];
    expect([...encodeTexts(back, probe)]).toEqual([...encodeTexts(tok, probe)]);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ format: 'dlc-tokenizer', version: 1, standardize: 'lower_and_strip_punctuation', split: 'whitespace', sequenceLength: 6, maxTokens: 50 });
  });

  it('keeps a character tokenizer a character tokenizer', () => {
    const chars = buildTokenizer(['ab'], { level: 'character', sequenceLength: 2 });
    expect(tokenizerFromJson(tokenizerToJson(chars), 't.json')).toEqual(chars);
  });

  it('refuses malformed files, naming the file and the field', () => {
    const err = (text: string): string => messageOf(() => tokenizerFromJson(text, 'run/tokenizer.json'), DataError);
    const good = JSON.parse(tokenizerToJson(tok)) as Record<string, unknown>;
    const tail = '; write it again by training (dlc train saves the tokenizer beside the weights)';
    expect(err('{"format": "dlc-tok')).toBe(`run/tokenizer.json: not valid JSON${tail}`);
    expect(err('[]')).toBe(`run/tokenizer.json: not a tokenizer (expected a JSON object)${tail}`);
    expect(err(JSON.stringify({ ...good, format: 'keras' }))).toBe(`run/tokenizer.json: not a dlc tokenizer (its "format" is not "dlc-tokenizer")${tail}`);
    expect(err(JSON.stringify({ ...good, version: 2 }))).toBe(`run/tokenizer.json: tokenizer version 2; this dlc reads version 1${tail}`);
    expect(err(JSON.stringify({ ...good, split: 'bytes' }))).toBe(`run/tokenizer.json: "split" must be "whitespace" or "character"${tail}`);
    expect(err(JSON.stringify({ ...good, sequenceLength: 0 }))).toBe(`run/tokenizer.json: "sequenceLength" must be a whole number ≥ 1${tail}`);
    expect(err(JSON.stringify({ ...good, vocabulary: ['[UNK]', ''] }))).toBe(`run/tokenizer.json: "vocabulary" must start with "" (padding) and "[UNK]" (out of vocabulary)${tail}`);
    expect(err(JSON.stringify({ ...good, vocabulary: ['', '[UNK]', 'a\x1b', 'a\x1b'] }))).toBe(`run/tokenizer.json: "vocabulary" entry 3 is 'a\\e' again${tail}`);
    expect(err(JSON.stringify({ ...good, vocabulary: ['', '[UNK]', 1] }))).toBe(`run/tokenizer.json: "vocabulary" must be a list of strings${tail}`);
    expect(err(JSON.stringify({ ...good, maxTokens: 3 }))).toBe(`run/tokenizer.json: "vocabulary" holds ${tok.vocabulary.length} entries, more than its "maxTokens" 3${tail}`);
  });

  it('refuses a tokenizer file that is a FIFO, or missing, before reading', () => {
    const fifo = join(dir, 'fifo.json');
    execFileSync('mkfifo', [fifo]);
    expect(messageOf(() => loadTokenizer(fifo), DataError)).toBe(`cannot read tokenizer ${fifo}: it is a named pipe (FIFO), not a regular file`);
    expect(messageOf(() => loadTokenizer(join(dir, 'none.json')), DataError)).toBe(`cannot read tokenizer ${join(dir, 'none.json')}: no such file`);
    writeFileSync(join(dir, 'bad.json'), 'root:x:0:0');
    expect(messageOf(() => loadTokenizer(join(dir, 'bad.json')), DataError)).toContain('not valid JSON');
  });
});
