// Text data for a model with a token input: read, split, tokenised from the training split alone,
// and keyed by the model's input names (ids n × T int32 for tokens[V, T], labels for the class input).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../compiler/artifact.ts';
import { compile } from '../../compiler/compile.ts';
import { UserError } from '../../cli/errors.ts';
import { loadTextData, loadTextForModel, loadTextForPrediction, textInputsOf } from '../../cli/text-data.ts';
import { loadTokenizer, saveTokenizer } from '../../runtime/data/tokenizer-node.ts';
import { encodeTexts } from '../../runtime/data/tokenizer.ts';
import { messageOf } from '../helpers/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'dlc-textcli-'));
const write = (rel: string, text: string): string => {
  const path = join(dir, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
};
const WORDS = { level: 'word' as const, sequenceLength: 3 };
const err = (f: () => unknown): string => messageOf(f, UserError);

/**
 * A manifest whose feature input is a token input tokens[V, T] as the compiler writes one (i32,
 * [batch, T], vocab V), made from an f32 model here since this branch's compiler has no such type.
 */
function tokenManifest(V: number, T: number, classes: number): Manifest {
  const m = compile(`model m {
  input text: f32[${T}]
  input label: class[${classes}]
  y = text -> dense(${classes})
  output y
}
train m { loss = cross_entropy(y, label); optimizer = sgd(lr: 0.1); batch = 2 }`).artifact!.manifest;
  return { ...m, inputs: m.inputs.map((i) => (i.name === 'text' ? { ...i, dtype: 'i32', vocab: V } : i)) } as Manifest;
}

describe('text data sets', () => {
  it('builds the vocabulary from the training rows only when --val-split holds out the last rows', () => {
    const path = write('mail.csv', 'text,label\nfree money,spam\nlunch today,ham\nfree lunch,ham\nmoney now,spam\nzebra crossing,ham\n');
    const d = loadTextData(path, WORDS, { label: 'label', valSplit: 0.4 });
    expect(d.tokenizer.vocabulary).toEqual(['', '[UNK]', 'lunch', 'free', 'today', 'money']);
    expect([...d.val!.ids]).toEqual([5, 1, 0, 1, 1, 0]);
    expect([...d.val!.labels]).toEqual([1, 0]);
    expect(d.description).toBe(`${path}: 3 training texts (2 ham, 1 spam), 2 for validation (1 ham, 1 spam), the last 40%`);
  });

  it('renumbers a validation folder that lacks a class by the training class names, and refuses one it never saw', () => {
    const train = join(dir, 'train');
    write('train/a/1.txt', 'alpha'); write('train/b/1.txt', 'beta'); write('train/c/1.txt', 'gamma');
    write('val/a/1.txt', 'alpha'); write('val/c/1.txt', 'gamma');
    const d = loadTextData(train, WORDS, { label: 'label', val: join(dir, 'val') });
    const byId = new Map([...d.val!.labels].map((l, i) => [d.val!.ids[i * 3]!, l]));
    const id = (w: string): number => d.tokenizer.vocabulary.indexOf(w);
    expect(Object.fromEntries(byId)).toEqual({ [id('alpha')]: 0, [id('gamma')]: 2 });
    expect(err(() => loadTextData(train, WORDS, { label: 'label', classes: 2 }))).toBe(`${train}: 3 class folders (a, b, c) but the model's label input has 2 classes`);
    write('val2/a/1.txt', 'x'); write('val2/z/1.txt', 'y');
    expect(err(() => loadTextData(train, WORDS, { label: 'label', val: join(dir, 'val2') }))).toBe(`${join(dir, 'val2')}: class 'z' is not among the training classes (a, b, c)`);
  });

  it('refuses what it cannot read as text, naming it', () => {
    expect(err(() => loadTextData('spamm', WORDS, { label: 'label' }))).toBe("unknown text data set 'spamm' (built in: spam; or a .csv file or a folder per class)");
    const npy = write('x.npy', '');
    expect(err(() => loadTextData(npy, WORDS, { label: 'label' }))).toBe(`cannot read text data ${npy}: expected a .csv file with a text column, a folder with one folder of .txt files per class, or the built-in data set spam`);
    expect(err(() => loadTextData('spam', WORDS, { label: 'label', valSplit: 0.1 }))).toBe('--val and --val-split apply to data files; the spam data set holds out its own validation and test messages');
  });
});

describe('text data for a model with a token input', () => {
  it("finds the token and label inputs, and reads nothing for a model without tokens", () => {
    expect(textInputsOf(tokenManifest(100, 8, 2))).toEqual({ tokens: 'text', vocab: 100, sequenceLength: 8, label: 'label', classes: 2 });
    const plain = compile('model p {\n  input x: f32[2]\n  input y: class[2]\n  z = x -> dense(2)\n  output z\n}\ntrain p { loss = cross_entropy(z, y); optimizer = sgd(lr: 0.1); batch = 2 }').artifact!.manifest;
    expect(textInputsOf(plain)).toBeUndefined();
  });

  it('tokenises the spam corpus to n × T ids below V, keyed by the input names, with the split counts', () => {
    const fit = textInputsOf(tokenManifest(1000, 16, 2))!;
    const d = loadTextForModel('spam', fit);
    expect(d.train.count).toBe(4756);
    const ids = d.train.tensors.text as Int32Array;
    expect(ids).toBeInstanceOf(Int32Array);
    expect(ids.length).toBe(4756 * 16);
    expect(ids.reduce((a, b) => Math.max(a, b))).toBe(999);
    expect(ids.reduce((a, b) => Math.min(a, b))).toBe(0);
    expect((d.test!.tensors.label as Int32Array).length).toBe(595);
    expect(d.tokenizer.vocabulary.length).toBe(1000);
    expect(d.tokenizer.classes).toEqual(['ham', 'spam']);
    expect(d.description).toBe('spam: 4756 training messages (3278 ham, 1478 spam), 595 for validation (403 ham, 192 spam), 595 held out (431 ham, 164 spam); 1000 tokens in the vocabulary (at most 1000), 16 per text');
    expect(err(() => loadTextForModel('spam', textInputsOf(tokenManifest(1000, 16, 3))!))).toBe("the spam data set has 2 classes (ham, spam), but the model's label input has 3: declare class[2]");
  }, 120_000);
});

describe('text to predict on, with the tokenizer saved beside the weights', () => {
  it('tokenises a texts-only CSV as training did, and numbers class names as training did', async () => {
    const fit = textInputsOf(tokenManifest(50, 4, 2))!;
    const train = write('p/train.csv', 'text,label\nwin cash now,spam\nsee you at lunch,ham\ncash prize,spam\n');
    const trained = loadTextForModel(train, fit);
    const path = join(dir, 'p', 'tokenizer.json');
    await saveTokenizer(trained.tokenizer, path);
    const tok = loadTokenizer(path);
    const texts = ['WIN a prize!', 'lunch?'];
    const plain = loadTextForPrediction(write('p/new.csv', `message\n${texts.join('\n')}\n`), tok, fit);
    expect(Object.keys(plain.tensors)).toEqual(['text']);
    expect([...plain.tensors.text!]).toEqual([...encodeTexts(trained.tokenizer, texts)]);
    // Only spam rows: a fresh numbering would make 'spam' class 0; training's names keep it 1.
    const onlySpam = loadTextForPrediction(write('p/spam.csv', 'text,label\ncash,spam\nwin,spam\n'), tok, fit);
    expect([...onlySpam.tensors.label!]).toEqual([1, 1]);
    expect(err(() => loadTextForPrediction(write('p/odd.csv', 'text,label\ncash,eggs\n'), tok, fit))).toBe(`${join(dir, 'p', 'odd.csv')}: class 'eggs' is not among the training classes (ham, spam)`);
    expect(messageOf(() => loadTextForPrediction(write('p/two.csv', 'id,message\n1,cash\n'), tok, fit), Error)).toBe(`${join(dir, 'p', 'two.csv')}:1: 2 columns (id, message); name the text column with --text-column`);
    expect(messageOf(() => loadTextForPrediction(write('p/two.csv', 'id,message\n1,cash\n'), tok, fit, { text: 'message' }), Error)).toBe(`${join(dir, 'p', 'two.csv')}:1: column 'id' is not the text ('message') and there is no label column 'label'; a text CSV holds a text column and perhaps a label column, nothing else`);
  });

  it('refuses a tokenizer made for another input shape', () => {
    const tok = loadTextForModel(write('q/train.csv', 'text,label\na b,0\nc,1\n'), textInputsOf(tokenManifest(50, 4, 2))!).tokenizer;
    expect(err(() => loadTextForPrediction('spam', tok, textInputsOf(tokenManifest(50, 8, 2))!))).toBe("the tokenizer makes 4 ids per text from a vocabulary of 5, but input 'text' takes tokens[50, 8]: the weights and tokenizer come from another model");
  });
});
