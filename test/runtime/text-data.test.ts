// Text data sets: a CSV with a text column, a folder per class, and the built-in spam corpus;
// every refusal names the file, the line and the column, with file text shown escaped.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../runtime/data/data-error.ts';
import { loadSpam, subjectAndBody } from '../../runtime/data/spam.ts';
import { parseTextCsv, splitTextTail, tokenizeSplits } from '../../runtime/data/text.ts';
import { MAX_TEXT_FOLDER_BYTES, readTextFolder } from '../../runtime/data/text-folder-node.ts';
import { messageOf } from '../helpers/errors.ts';

const err = (f: () => unknown): string => messageOf(f, DataError);
const csv = (text: string, opts: { text?: string; classes?: number } = {}) => parseTextCsv(text, 'mail.csv', { label: 'label', ...opts });

describe('a CSV with a text column', () => {
  it('takes the one column besides the label as the text; class names get ids in code point order', () => {
    const s = csv('text,label\n"Win $$$, now!\nReally",spam\nlunch at noon?,ham\nhi,spam\n');
    expect(s.texts).toEqual(['Win $$$, now!\nReally', 'lunch at noon?', 'hi']);
    expect([...s.labels]).toEqual([1, 0, 1]);
    expect(s.classes).toEqual(['ham', 'spam']);
  });

  it('takes whole-number labels as class ids, checked against the model\'s classes', () => {
    const s = csv('label,body\n1,a\n0,b\n', { text: 'body', classes: 2 });
    expect([...s.labels]).toEqual([1, 0]);
    expect(s.classes).toBeUndefined();
    expect(err(() => csv('label,body\n1,a\n2,b\n', { classes: 2 }))).toBe("mail.csv:3: column 'label': label 2 is out of range; the model's labels are integers 0 to 1");
    expect(err(() => csv('label,body\n9999999999,a\n'))).toBe("mail.csv:2: column 'label': label 9999999999 is out of range; class ids go up to 2147483647");
    expect(err(() => csv('label,body\na,x\nb,y\nc,z\n', { classes: 2 }))).toBe("mail.csv: column 'label': 3 class names (a, b, c) but the model has 2 classes");
  });

  it('names the text column with --text-column when there are more columns, and refuses columns it would ignore', () => {
    expect(err(() => csv('id,text,label\n1,a,0\n'))).toBe('mail.csv:1: 3 columns (id, text, label); name the text column with --text-column');
    expect(err(() => csv('id,text,label\n1,a,0\n', { text: 'text' }))).toBe("mail.csv:1: column 'id' is neither the text ('text') nor the label ('label'); a text CSV holds those two columns only");
    expect(err(() => csv('txt,label\na,0\n', { text: 'text' }))).toBe("mail.csv:1: no text column named 'text'; did you mean 'txt'? (choose it with --text-column); the columns are txt, label");
    expect(err(() => csv('text,lable\na,0\n'))).toBe("mail.csv:1: no label column named 'label'; did you mean 'lable'? (choose it with --label); the columns are text, lable");
    expect(err(() => csv('text,label\na,0\n', { text: 'label' }))).toBe("mail.csv:1: column 'label' cannot be both the text and the label");
  });

  it('refuses an empty file, a header alone, a short row and an empty label, naming the line', () => {
    expect(err(() => csv(''))).toBe('mail.csv: the file is empty; expected a header row of column names, then one row per sample');
    expect(err(() => csv('text,label\n'))).toBe('mail.csv: no samples after the header row');
    expect(err(() => csv('text,label\na,0\n\nb\n'))).toBe('mail.csv:4: 1 field, but the header has 2 columns');
    expect(err(() => csv('text,label\na,0\nb,\n'))).toBe("mail.csv:3: column 'label': the label is empty");
  });

  it('keeps control characters in the text as text, and shows them escaped in messages', () => {
    const s = csv('text,label\n"\x1b[2J\x1b]0;pwned\x07 clear",0\n');
    expect(s.texts[0]).toBe('\x1b[2J\x1b]0;pwned\x07 clear');
    const msg = err(() => parseTextCsv('text,label,\x1b]0;x\x07\na,0,1\n', 'evil\x1b.csv', { label: 'label', text: 'text' }));
    expect(msg).toBe("evil\\e.csv:1: column '\\e]0;x\\x07' is neither the text ('text') nor the label ('label'); a text CSV holds those two columns only");
    expect(msg).not.toMatch(/[\x00-\x1f]/);
  });

  it('reads a 4 MB cell and tokenises it to T ids', () => {
    const big = 'spam '.repeat(800_000);
    const s = csv(`text,label\n"${big}",1\nham,0\n`);
    expect(s.texts[0]!.length).toBe(4_000_000);
    const t = tokenizeSplits({ train: s }, { level: 'word', sequenceLength: 3 });
    expect(t.tokenizer.vocabulary).toEqual(['', '[UNK]', 'spam', 'ham']);
    expect([...t.train.ids]).toEqual([2, 2, 2, 3, 0, 0]);
  }, 60_000);

  it('holds out the last rows for validation (Keras validation_split)', () => {
    const { train, held } = splitTextTail(csv('text,label\na,0\nb,1\nc,0\nd,1\ne,0\n'), 0.4);
    expect(train.texts).toEqual(['a', 'b', 'c']);
    expect(held.texts).toEqual(['d', 'e']);
    expect([...held.labels]).toEqual([1, 0]);
  });
});

describe('a folder per class', () => {
  const base = mkdtempSync(join(tmpdir(), 'dlc-textdir-'));
  let n = 0;
  /** A fresh data folder holding `files` (relative path → text). */
  const folder = (files: Record<string, string | Uint8Array>): string => {
    const dir = join(base, `d${n++}`);
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(join(dir, rel, '..'), { recursive: true });
      writeFileSync(join(dir, rel), text);
    }
    return dir;
  };

  it('reads .txt files at any depth, class ids by folder name order, other files ignored', () => {
    const dir = folder({
      'spam/1.txt': 'WIN now', 'spam/old/2.TXT': 'cheap pills', 'ham/a.txt': '\ufeffhello bob', 'ham/notes.md': 'not data',
      'ham/bad.txt': Uint8Array.of(0x68, 0x69, 0xff), 'README': 'top-level files are not samples',
    });
    const s = readTextFolder(dir);
    expect(s.classes).toEqual(['ham', 'spam']);
    const byText = new Map(s.texts.map((t, i) => [t, s.labels[i]]));
    // The byte-order mark is dropped and an invalid byte reads as U+FFFD, as TensorFlow decodes UTF-8.
    expect(Object.fromEntries(byText)).toEqual({ 'WIN now': 1, 'cheap pills': 1, 'hello bob': 0, 'hi\ufffd': 0 });
  });

  it('gives the same seeded order on every read, mixing the classes', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 20; i++) files[`${i % 2 ? 'spam' : 'ham'}/${String(i).padStart(2, '0')}.txt`] = `text ${i}`;
    const dir = folder(files);
    const a = readTextFolder(dir), b = readTextFolder(dir);
    expect(b.texts).toEqual(a.texts);
    expect([...b.labels]).toEqual([...a.labels]);
    // Not all of one class first: the tail --val-split holds out has both.
    expect(new Set(a.labels.subarray(15))).toEqual(new Set([0, 1]));
  });

  it('refuses a folder with fewer than two classes, an empty class, a missing folder and a file', () => {
    const one = folder({ 'spam/1.txt': 'x' });
    expect(err(() => readTextFolder(one))).toBe(`${one}: 1 class folder; a text data folder holds one folder per class (at least two), e.g. ham/ and spam/ with .txt files`);
    const empty = folder({ 'spam/1.txt': 'x', 'ham/readme.md': 'y' });
    expect(err(() => readTextFolder(empty))).toBe(`${join(empty, 'ham')}: the class folder 'ham' holds no .txt files`);
    expect(err(() => readTextFolder(join(base, 'none')))).toBe(`cannot read data folder ${join(base, 'none')}: no such folder`);
    expect(err(() => readTextFolder(join(one, 'spam', '1.txt')))).toBe(`cannot read data folder ${join(one, 'spam', '1.txt')}: it is not a folder`);
  });

  it('refuses a .txt that is a FIFO at once, without waiting for a writer', () => {
    const dir = folder({ 'spam/1.txt': 'x', 'ham/2.txt': 'y' });
    execFileSync('mkfifo', [join(dir, 'ham', 'pipe.txt')]);
    const start = Date.now();
    expect(err(() => readTextFolder(dir))).toBe(`cannot read data file ${join(dir, 'ham', 'pipe.txt')}: it is a named pipe (FIFO), not a regular file`);
    expect(Date.now() - start).toBeLessThan(5000);
  });

  it('refuses a link that leads out of the folder, and quotes none of its target; follows one inside', () => {
    const dir = folder({ 'spam/1.txt': 'x', 'ham/2.txt': 'y' });
    symlinkSync('/etc/passwd', join(dir, 'ham', 'passwd.txt'));
    const msg = err(() => readTextFolder(dir));
    expect(msg).toBe(`${join(dir, 'ham', 'passwd.txt')} leads outside the data folder (to /etc/passwd); a data folder's files must be inside it`);
    expect(msg).not.toContain('root:');
    const inside = folder({ 'spam/1.txt': 'x', 'ham/2.txt': 'y' });
    symlinkSync('../spam/1.txt', join(inside, 'ham', 'again.txt'));
    expect(readTextFolder(inside).texts.sort()).toEqual(['x', 'x', 'y']);
    symlinkSync('/dev/zero', join(inside, 'spam', 'zero.txt'));
    expect(err(() => readTextFolder(inside))).toContain("leads outside the data folder (to /dev/zero)");
  });

  it('does not follow a link to a folder below a class, and refuses a class folder that is a link', () => {
    const dir = folder({ 'spam/1.txt': 'x', 'ham/2.txt': 'y' });
    symlinkSync(join(dir, 'spam'), join(dir, 'ham', 'again'));
    symlinkSync(join(dir, 'spam'), join(dir, 'ham', 'again.txt'));
    symlinkSync('/etc', join(dir, 'ham', 'etc'));
    expect(readTextFolder(dir).texts.sort()).toEqual(['x', 'y']);
    symlinkSync('/etc', join(dir, 'other'));
    expect(err(() => readTextFolder(dir))).toBe(`${join(dir, 'other')}: the class folder 'other' is a link; a data folder's class folders must be folders inside it`);
  });

  it('refuses files larger together than the bound before reading any (a sparse file here)', () => {
    const dir = folder({ 'spam/1.txt': 'x', 'ham/2.txt': 'y' });
    const huge = join(dir, 'ham', 'huge.txt');
    writeFileSync(huge, '');
    truncateSync(huge, MAX_TEXT_FOLDER_BYTES + 1);
    expect(err(() => readTextFolder(dir))).toBe(`${dir}: its .txt files hold more than ${MAX_TEXT_FOLDER_BYTES} bytes, more than dlc reads from one data folder`);
  });
});

describe('the spam corpus', () => {
  it('keeps the subject, drops the other headers, and joins a folded subject', () => {
    expect(subjectAndBody('From x@y Mon\nReceived: by z\nSubject: Cheap\n  pills\nTo: a\n\nBody line\n\nmore')).toBe('Cheap pills\nBody line\n\nmore');
    expect(subjectAndBody('From: a\r\nSUBJECT:Re: hi\r\n\r\nbody')).toBe('Re: hi\nbody');
    expect(subjectAndBody('To: a\n\nno subject')).toBe('\nno subject');
  });

  it('splits 5,946 distinct messages the same way on every load: counts of spam and ham per split', () => {
    const a = loadSpam();
    const counts = Object.fromEntries(Object.entries(a).map(([k, s]) => {
      const spam = s.labels.reduce((x, y) => x + y, 0);
      return [k, { ham: s.texts.length - spam, spam }];
    }));
    expect(counts).toEqual({ train: { ham: 3278, spam: 1478 }, val: { ham: 403, spam: 192 }, test: { ham: 431, spam: 164 } });
    expect(a.train.classes).toEqual(['ham', 'spam']);
    // No message is in two splits (copies in the corpus are dropped).
    const seen = new Set(a.train.texts);
    expect([...a.val.texts, ...a.test.texts].filter((t) => seen.has(t))).toEqual([]);
    const b = loadSpam();
    for (const k of ['train', 'val', 'test'] as const) {
      expect(b[k].texts).toEqual(a[k].texts);
      expect([...b[k].labels]).toEqual([...a[k].labels]);
    }
  }, 120_000);
});
