// dlc train, predict and eval on text: a token model trains on a text CSV, saves tokenizer.json
// beside its weights, and predict --text tokenises with it; a missing tokenizer and text data for a
// model without a token input are clear errors, exit 1.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../runtime/random.ts';
import { dlc } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'dlc-text-train-'));
const ENV = { DLC_ADAPTER: 'gles' };
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const model = file('mail.dl', `model mail {
  input text: tokens[20, 5]
  input label: class[2]
  logits = text -> embedding(8) -> global_avgpool1d -> dense(2)
  output logits
}
train mail {
  loss = cross_entropy(logits, label)
  optimizer = adam(lr: 0.05)
  batch = 8
  epochs = 1
  metrics = [accuracy]
}
`);

/** Short mails: "win cash now" words are spam, the others ham; labels by name. */
function mails(count: number): string {
  const rng = new Rng(4);
  const spam = ['win', 'cash', 'prize', 'free'];
  const ham = ['meeting', 'lunch', 'report', 'notes'];
  const lines = ['text,label'];
  for (let i = 0; i < count; i++) {
    const isSpam = rng.int(2) === 1;
    const words = Array.from({ length: 3 }, () => (isSpam ? spam : ham)[rng.int(4)]!);
    lines.push(`"${words.join(' ')}, ok",${isSpam ? 'spam' : 'ham'}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('text from the command line', () => {
  const out = join(dir, 'run');
  const weights = join(out, 'weights.safetensors');

  it('trains on a text CSV, saves tokenizer.json beside the weights, and predict --text prints named probabilities', async () => {
    const r = await dlc(['train', model, '--data', file('mail.csv', mails(64)), '--out', out], { env: ENV, timeoutMs: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('64 training texts (');
    expect(r.stdout).toContain(`and the tokenizer to ${join(out, 'tokenizer.json')}`);
    const tok = JSON.parse(readFileSync(join(out, 'tokenizer.json'), 'utf8')) as { vocabulary: string[]; classes: string[]; sequenceLength: number };
    expect(tok.classes).toEqual(['ham', 'spam']);
    expect(tok.sequenceLength).toBe(5);
    expect(tok.vocabulary.slice(0, 2)).toEqual(['', '[UNK]']);
    expect(tok.vocabulary).toContain('cash');
    expect(tok.vocabulary).toContain('ok');

    const p = await dlc(['predict', model, '--weights', weights, '--text', 'Win CASH now!'], { env: ENV, timeoutMs: 120_000 });
    expect(p.stderr).toBe('');
    expect(p.code).toBe(0);
    const [header, row, ...rest] = p.stdout.trim().split('\n');
    expect(header).toBe('class,p_ham,p_spam');
    expect(rest).toEqual([]);
    const [cls, pHam, pSpam] = row!.split(',');
    expect(['ham', 'spam']).toContain(cls);
    expect(Number(pHam) + Number(pSpam)).toBeCloseTo(1, 5);
    expect(cls).toBe(Number(pSpam) > Number(pHam) ? 'spam' : 'ham');

    // eval tokenises the CSV with the saved tokenizer, and its class names with the training ids.
    const e = await dlc(['eval', model, '--weights', weights, '--data', join(dir, 'mail.csv')], { env: ENV, timeoutMs: 120_000 });
    expect(e.stderr).toBe('');
    expect(e.code).toBe(0);
    expect(e.stdout).toMatch(/: loss [\d.]+ +accuracy [\d.]+% on 64 samples\n/);
  }, 240_000);

  it('trains on a folder per class with --tokenizer chars: the saved tokenizer is character level, classes by folder name', async () => {
    const mkdir = (d: string): void => { mkdirSync(join(dir, d), { recursive: true }); };
    mkdir('mails/ham');
    mkdir('mails/spam');
    for (let i = 0; i < 12; i++) {
      file(`mails/ham/${i}.txt`, `lunch at ${i}`);
      file(`mails/spam/${i}.txt`, `WIN $${i}!`);
    }
    const run = join(dir, 'chars');
    const r = await dlc(['train', model, '--data', join(dir, 'mails'), '--tokenizer', 'chars', '--val-split', '0.25', '--out', run], { env: ENV, timeoutMs: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('18 training texts (');
    const tok = JSON.parse(readFileSync(join(run, 'tokenizer.json'), 'utf8')) as { split: string; vocabulary: string[]; classes: string[] };
    expect(tok.split).toBe('character');
    expect(tok.classes).toEqual(['ham', 'spam']);
    expect(tok.vocabulary).toContain('w');
    expect(tok.vocabulary).not.toContain('lunch');
  }, 240_000);

  it('the train section\'s tokenizer = chars(min_count: 3) builds the vocabulary; --tokenizer words overrides its level', async () => {
    const sectioned = file('counted.dl', readFileSync(model, 'utf8').replace('model mail', 'model counted').replace('train mail', 'train counted').replace('  metrics = [accuracy]\n', '  metrics = [accuracy]\n  tokenizer = chars(min_count: 3)\n'));
    mkdirSync(join(dir, 'counted/ham'), { recursive: true });
    mkdirSync(join(dir, 'counted/spam'), { recursive: true });
    // 'q' and 'z' appear twice in all, fewer than 3 times; every other character more often.
    for (let i = 0; i < 8; i++) {
      file(`counted/ham/${i}.txt`, i < 2 ? 'lunch q' : 'lunch');
      file(`counted/spam/${i}.txt`, i < 2 ? 'win z' : 'win');
    }
    const run = join(dir, 'counted-run');
    const r = await dlc(['train', sectioned, '--data', join(dir, 'counted'), '--out', run], { env: ENV, timeoutMs: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const tok = JSON.parse(readFileSync(join(run, 'tokenizer.json'), 'utf8')) as { split: string; vocabulary: string[]; minCount: number };
    expect(tok.split).toBe('character');
    expect(tok.minCount).toBe(3);
    expect(tok.vocabulary).toEqual(expect.arrayContaining(['l', 'w']));
    expect(tok.vocabulary).not.toContain('q');
    expect(tok.vocabulary).not.toContain('z');
    const words = join(dir, 'counted-words');
    const w = await dlc(['train', sectioned, '--data', join(dir, 'counted'), '--tokenizer', 'words', '--out', words], { env: ENV, timeoutMs: 120_000 });
    expect(w.code).toBe(0);
    const wt = JSON.parse(readFileSync(join(words, 'tokenizer.json'), 'utf8')) as { split: string; vocabulary: string[]; minCount: number };
    expect(wt.split).toBe('whitespace');
    expect(wt.minCount).toBe(3);
    expect(wt.vocabulary).toEqual(['', '[UNK]', 'win', 'lunch']);
  }, 240_000);

  it('predict --text without tokenizer.json beside the weights: one message, exit 1', async () => {
    const lone = join(dir, 'lone');
    rmSync(lone, { recursive: true, force: true });
    const w = join(lone, 'weights.safetensors');
    mkdirSync(lone);
    copyFileSync(weights, w);
    const r = await dlc(['predict', model, '--weights', w, '--text', 'win cash'], { env: ENV, timeoutMs: 120_000 });
    expect(r.stderr).toBe(`dlc: no tokenizer.json beside ${w}: model 'mail' takes text, which is tokenised as in training with the tokenizer dlc train saved in its run folder (expected at ${join(lone, 'tokenizer.json')})\n`);
    expect(r.code).toBe(1);
  }, 120_000);

  it('--data spam for a model without a token input: one message, exit 1, nothing written', async () => {
    const none = join(dir, 'none');
    const r = await dlc(['train', 'samples/mnist_mlp.dl', '--data', 'spam', '--out', none], { env: ENV, timeoutMs: 120_000 });
    expect(r.stderr).toMatch(/^dlc: the spam data set is text: it fills a model with a token input and a class label input \(e\.g\. input text: tokens\[10000, 200\] and input label: class\[2\]\); model '[a-z_]+' has inputs [a-z_, ]+\n$/);
    expect(r.code).toBe(1);
    expect(existsSync(none)).toBe(false);
  }, 120_000);
});
