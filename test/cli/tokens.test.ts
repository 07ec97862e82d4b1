// dlc train and dlc predict on CSV token ids: a keyword model trains from the command line, and an
// id outside the vocabulary is one message with its file, line and column, exit 1, nothing written.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../runtime/random.ts';
import { dlc } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'dlc-tokens-'));
const ENV = { DLC_ADAPTER: 'gles' };
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const model = file('kw.dl', `model keyword {
  input text: tokens[12, 6]
  input label: class[3]
  logits = text -> embedding(8) -> global_avgpool1d -> dense(3)
  output logits
}
train keyword {
  loss = cross_entropy(logits, label)
  optimizer = adam(lr: 0.05)
  batch = 16
  epochs = 3
  metrics = [accuracy]
}
`);

/** Rows of 6 ids: filler (0, 1, 6 to 11) and one keyword 3, 4 or 5, which is the label. */
function rows(count: number): string {
  const rng = new Rng(9);
  const filler = [0, 1, 6, 7, 8, 9, 10, 11];
  const lines = ['t0,t1,t2,t3,t4,t5,label'];
  for (let i = 0; i < count; i++) {
    const label = rng.int(3);
    const at = rng.int(6);
    lines.push([...Array.from({ length: 6 }, (_, t) => (t === at ? 3 + label : filler[rng.int(filler.length)]!)), label].join(','));
  }
  return `${lines.join('\n')}\n`;
}

describe('token ids from the command line', () => {
  it('dlc train learns the keyword task from a CSV of ids', async () => {
    const out = join(dir, 'trained');
    const r = await dlc(['train', model, '--data', file('kw.csv', rows(300)), '--out', out], { env: ENV, timeoutMs: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const last = /epoch 3\/3 +loss [\d.]+ +accuracy ([\d.]+)%/.exec(r.stdout);
    expect(last, r.stdout).not.toBeNull();
    expect(Number(last![1])).toBeGreaterThan(95);
    expect(existsSync(join(out, 'weights.safetensors'))).toBe(true);
  }, 180_000);

  it('an id outside the vocabulary: one message with file, line and column, exit 1, nothing written', async () => {
    const bad = file('bad.csv', `${rows(4)}3,4,12,0,0,0,1\n`);
    const want = `dlc: ${bad}:6: column 't2': token id 12 is out of range; text: tokens[12, 6] takes integers 0 to 11 (0 pads, 1 is out of vocabulary)\n`;
    const out = join(dir, 'not-written');
    const r = await dlc(['train', model, '--data', bad, '--out', out], { env: ENV, timeoutMs: 120_000 });
    expect(r.stderr).toBe(want);
    expect(r.code).toBe(1);
    expect(existsSync(out)).toBe(false);
  }, 180_000);
});
