// dlc tune: the search space (grid, seeded random draws, ranges), the train section rewritten with
// a trial's settings, which settings the kernels hold (what trials can share), and a small grid on
// the gles adapter whose best setting, trained again by dlc train, gives the same figures.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { readSpace, trialSettings, type SpaceWord } from '../../cli/tune-space.ts';
import { withTrainSettings } from '../../cli/tune-section.ts';
import { dlc } from '../helpers/cli.ts';

const BLOBS = readFileSync('samples/blobs.dl', 'utf8');
const blobs = compile(BLOBS, { file: 'samples/blobs.dl' }).artifact!.manifest;
const adam = blobs.train.optimizer;
const words = (...w: string[]): SpaceWord[] => w.map((x) => ({ key: x.slice(0, x.indexOf('=')), text: x.slice(x.indexOf('=') + 1) }));
const messageOf = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    return (err as Error).message;
  }
  return '';
};

describe('the search space', () => {
  it('a grid is every combination, the last key varying fastest (scikit-learn ParameterGrid order)', () => {
    const space = readSpace('grid', words('lr=1e-3,3e-3', 'batch=64,128,256'), adam);
    expect(trialSettings(space, { trials: 10, seed: 1 }).trials).toEqual([
      [['lr', 0.001], ['batch', 64]], [['lr', 0.001], ['batch', 128]], [['lr', 0.001], ['batch', 256]],
      [['lr', 0.003], ['batch', 64]], [['lr', 0.003], ['batch', 128]], [['lr', 0.003], ['batch', 256]],
    ]);
  });

  it('random draws from lists are seeded and distinct; a budget beyond the space tries it whole, and says so', () => {
    const space = readSpace('random', words('lr=1e-3,3e-3,1e-2', 'batch=32,64,128', 'beta1=0.8,0.9'), adam);
    const a = trialSettings(space, { trials: 5, seed: 7 }).trials;
    expect(a).toHaveLength(5);
    expect(trialSettings(space, { trials: 5, seed: 7 }).trials).toEqual(a);
    expect(trialSettings(space, { trials: 5, seed: 8 }).trials).not.toEqual(a);
    expect(new Set(a.map((t) => JSON.stringify(t))).size).toBe(5);
    const all = trialSettings(space, { trials: 40, seed: 7 });
    expect(all.trials).toHaveLength(18);
    expect(new Set(all.trials.map((t) => JSON.stringify(t))).size).toBe(18);
    expect(all.note).toBe('--trials 40: the space has 18 distinct settings, so all 18 are tried');
  });

  it('a range low..high is drawn log-uniformly within it, to 3 significant digits (the value written is the one trained)', () => {
    const space = readSpace('random', words('lr=1e-4..1e-1'), adam);
    const lrs = trialSettings(space, { trials: 200, seed: 3 }).trials.map((t) => t[0]![1]);
    expect(Math.min(...lrs)).toBeGreaterThanOrEqual(1e-4);
    expect(Math.max(...lrs)).toBeLessThanOrEqual(1e-1);
    for (const lr of lrs) expect(Number(lr.toPrecision(3))).toBe(lr);
    // Log-uniform: about a third of the draws in each decade.
    for (const [lo, hi] of [[1e-4, 1e-3], [1e-3, 1e-2], [1e-2, 1e-1]] as const) {
      const share = lrs.filter((x) => x >= lo && x < hi).length / lrs.length;
      expect(share).toBeGreaterThan(0.2);
      expect(share).toBeLessThan(0.47);
    }
  });

  const bad: [string, 'grid' | 'random', string[], string][] = [
    ['an unknown key, spelt the Keras way', 'grid', ['learning_rate=1e-3'], "--grid learning_rate=1e-3: 'learning_rate' is not a setting tune can change; the learning rate is 'lr' here (this file: lr, batch, epochs, l1, l2, beta1, beta2, eps, weight_decay)"],
    ['a misspelt key', 'grid', ['epoch=3'], "--grid epoch=3: 'epoch' is not a setting tune can change; did you mean 'epochs'? (this file: lr, batch, epochs, l1, l2, beta1, beta2, eps, weight_decay)"],
    ['another optimizer\'s hyper-parameter', 'grid', ['momentum=0.9'], "--grid momentum=0.9: 'momentum' is not a setting tune can change; momentum is a hyper-parameter of sgd, rmsprop, and this train section's optimizer is adam (this file: lr, batch, epochs, l1, l2, beta1, beta2, eps, weight_decay)"],
    ['dropout, a layer argument', 'grid', ['dropout=0.1,0.2'], "--grid dropout=0.1,0.2: 'dropout' is not a setting tune can change; dropout is a layer argument in the model, not a train setting (tune changes the train section only) (this file: lr, batch, epochs, l1, l2, beta1, beta2, eps, weight_decay)"],
    ['an empty list', 'grid', ['lr='], '--grid lr=: an empty value; write the values separated by commas, e.g. lr=1e-3,3e-3'],
    ['an empty value in a list', 'grid', ['batch=32,,64'], '--grid batch=32,,64: an empty value; write the values separated by commas, e.g. batch=32,64'],
    ['not a number', 'grid', ['lr=fast'], "--grid lr=fast: 'fast' is not a number"],
    ['a hexadecimal number', 'grid', ['batch=0x10'], "--grid batch=0x10: '0x10' is not a number"],
    ['a negative number', 'grid', ['l2=-1e-4'], '--grid l2=-1e-4: l2 must not be negative, got -1e-4'],
    ['a zero learning rate', 'grid', ['lr=0,1e-3'], '--grid lr=0,1e-3: lr must be a positive number, got 0'],
    ['a fractional batch', 'grid', ['batch=32.5'], '--grid batch=32.5: batch must be a positive integer, got 32.5'],
    ['a batch beyond the runtime\'s range', 'grid', ['batch=99999999'], '--grid batch=99999999: batch must be at most 16,777,216, got 99999999'],
    ['beta1 of 1', 'grid', ['beta1=0.9,1'], '--grid beta1=0.9,1: beta1 must be a number in [0, 1), got 1'],
    ['a key given twice', 'grid', ['lr=1e-3', 'lr=3e-3'], '--grid lr=3e-3: lr is given twice; list all its values once, e.g. lr=a,b'],
    ['a value listed twice', 'grid', ['lr=1e-3,0.001'], '--grid lr=1e-3,0.001: the value 0.001 is listed twice'],
    ['a range in a grid', 'grid', ['lr=1e-4..1e-2'], '--grid lr=1e-4..1e-2: a range is sampled by --random; --grid takes a list of values, e.g. lr=1e-3,3e-3'],
    ['a range of batches', 'random', ['batch=16..128'], '--random batch=16..128: batch takes a list of values, not a range, e.g. batch=32,64'],
    ['a range from 0', 'random', ['l2=0..1e-3'], '--random l2=0..1e-3: a range low..high is sampled log-uniformly: it needs 0 < low < high'],
    ['a range backwards', 'random', ['lr=1e-2..1e-4'], '--random lr=1e-2..1e-4: a range low..high is sampled log-uniformly: it needs 0 < low < high'],
  ];
  for (const [what, mode, w, message] of bad) {
    it(`refuses ${what}, naming the argument`, () => expect(messageOf(() => readSpace(mode, words(...w), adam))).toBe(message));
  }

  it("sgd's keys are its own: momentum, weight_decay", () => {
    const sgd = compile(BLOBS.replace('adam(lr: 0.01)', 'sgd(lr: 0.1)'), { file: 'b.dl' }).artifact!.manifest.train.optimizer;
    expect(trialSettings(readSpace('grid', words('momentum=0,0.9'), sgd), { trials: 1, seed: 1 }).trials).toEqual([[['momentum', 0]], [['momentum', 0.9]]]);
    expect(messageOf(() => readSpace('grid', words('beta1=0.9'), sgd))).toMatch(/^--grid beta1=0.9: 'beta1' is not a setting tune can change; beta1 is a hyper-parameter of adam, adamw, .*, and this train section's optimizer is sgd \(this file: lr, batch, epochs, l1, l2, momentum, weight_decay\)$/);
  });
});

describe('the train section rewritten with a trial\'s settings', () => {
  const rewrite = (settings: [string, number][], source = BLOBS, optimizer = adam): string => withTrainSettings(source, 'samples/blobs.dl', 'blobs', { settings, optimizer });
  const compiled = (source: string) => {
    const r = compile(source, { file: 'trial.dl' });
    expect(r.diagnostics).toEqual([]);
    return r.artifact!;
  };

  it('values change in place, missing settings are added before the brace, and the program compiles with them', () => {
    const text = rewrite([['lr', 0.003], ['beta1', 0.8], ['batch', 64], ['epochs', 5], ['l2', 1e-4]]);
    expect(text).toContain('  optimizer = adam(lr: 0.003, beta1: 0.8)\n  batch     = 64\n  epochs    = 5\n');
    expect(text).toContain('  seed      = 1\n  regularize = l2(0.0001)\n}');
    // The model and the comments are untouched.
    expect(text.slice(0, text.indexOf('train blobs'))).toBe(BLOBS.slice(0, BLOBS.indexOf('train blobs')));
    const m = compiled(text).manifest;
    expect([m.train.optimizer.lr, m.train.optimizer.hyper.beta1, m.batch, m.train.epochs]).toEqual([0.003, 0.8, 64, 5]);
  });

  it('l1 next to a written l2 becomes l1_l2; sgd with momentum is written as Keras writes it', () => {
    const withL2 = BLOBS.replace('  seed      = 1\n', '  seed      = 1\n  regularize = l2(1e-5)\n');
    expect(rewrite([['l1', 0.001]], withL2)).toContain('  regularize = l1_l2(l1: 0.001, l2: 0.00001)\n');
    compiled(rewrite([['l1', 0.001]], withL2));
    const sgdText = BLOBS.replace('adam(lr: 0.01)', 'sgd(lr: 0.1)');
    const sgd = compiled(sgdText).manifest.train.optimizer;
    const text = rewrite([['momentum', 0.9]], sgdText, sgd);
    expect(text).toContain('optimizer = sgd(lr: 0.1, momentum: 0.9)');
    expect(compiled(text).manifest.train.optimizer.kind).toBe('momentum');
  });

  it('lr and epochs are not in the kernels (trials differing only in them share one program); beta1 and batch are', () => {
    const a = compiled(rewrite([['lr', 0.003], ['epochs', 3]]));
    const b = compiled(rewrite([['lr', 0.01], ['epochs', 7]]));
    expect(b.shaders).toEqual(a.shaders);
    expect(b.manifest.kernels).toEqual(a.manifest.kernels);
    expect(compiled(rewrite([['beta1', 0.8]])).shaders).not.toEqual(a.shaders);
    expect(compiled(rewrite([['batch', 64]])).shaders).not.toEqual(a.shaders);
  });
});

describe('dlc tune', () => {
  const line = /^trial (\d)\/4 {2}(lr=\S+ batch=\d+ epochs=3) {2}val_loss (\d\.\d{4}) {2}val_accuracy (\d+\.\d\d)% {2}\((.*)\)$/gm;

  it('a 2×2 grid on blobs: four trial lines, the best is the lowest val_loss, its program trains to the same figures', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dlc-tune-'));
    const out = join(dir, 'tuned');
    const data = ['--data', 'samples/blobs.csv', '--val-split', '0.2'];
    const r = await dlc(['tune', 'samples/blobs.dl', ...data, '--grid', 'lr=3e-3,1e-2', 'batch=32,64', 'epochs=3', '--out', out], { env: { DLC_ADAPTER: 'gles' }, timeoutMs: 240_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const trials = [...r.stdout.matchAll(line)].map((x) => ({ n: Number(x[1]), settings: x[2]!, loss: x[3]!, accuracy: x[4]!, note: x[5]! }));
    expect(trials.map((t) => [t.n, t.settings])).toEqual([[1, 'lr=0.003 batch=32 epochs=3'], [2, 'lr=0.003 batch=64 epochs=3'], [3, 'lr=0.01 batch=32 epochs=3'], [4, 'lr=0.01 batch=64 epochs=3']]);
    // Batch 32 and batch 64 compile; the rates reuse them; batch 64's last partial batch of 32 (480 = 7·64 + 32) is batch 32's program.
    expect(trials.map((t) => t.note.endsWith(', kernels reused'))).toEqual([false, false, true, true]);
    expect(r.stdout).toMatch(/^2 compilations for 4 trials: lr and epochs are not in the kernels, so trials differing only in them share a program \(batch changes the kernels' shapes; .*\); \d+ GPU pipelines created; /m);
    const lowest = trials.reduce((a, b) => (Number(b.loss) < Number(a.loss) ? b : a));
    expect(r.stdout).toContain(`\nbest: trial ${lowest.n}, ${lowest.settings}: val_loss ${lowest.loss}  val_accuracy ${lowest.accuracy}%\n`);

    // trials.csv holds the same figures at full precision; its lowest val_loss is the best trial.
    const rows = readFileSync(join(out, 'trials.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    expect(rows[0]).toEqual(['trial', 'lr', 'batch', 'epochs', 'val_loss', 'val_accuracy', 'seconds', 'status']);
    expect(rows.slice(1).map((c) => Number(c[4]).toFixed(4))).toEqual(trials.map((t) => t.loss));
    const bestRow = rows.slice(1).reduce((a, b) => (Number(b[4]) < Number(a[4]) ? b : a));
    expect(Number(bestRow[0])).toBe(lowest.n);

    // best.dl is the program with the best train section: it checks, and training it gives the trial's figures.
    const best = join(out, 'best.dl');
    expect(readFileSync(best, 'utf8')).toMatch(/^# dlc tune: trial \d of 4, /);
    const check = await dlc(['check', best]);
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
    const train = await dlc(['train', best, ...data, '--out', join(dir, 'run')], { env: { DLC_ADAPTER: 'gles' } });
    expect(train.stderr).toBe('');
    expect(train.stdout).toMatch(new RegExp(`^validation: loss ${lowest.loss} {2}accuracy ${lowest.accuracy.replace('.', '\\.')}% `, 'm'));
    const weights = readFileSync(join(dir, 'run', 'weights.safetensors'));
    const meta = JSON.parse(weights.subarray(8, 8 + Number(weights.readBigUInt64LE(0))).toString('utf8')).__metadata__ as Record<string, string>;
    expect(meta.val_accuracy).toBe(bestRow[5]);

    // A trial with a last partial batch (batch 64) is reproduced too: the same program at --batch 64.
    const at64 = trials.find((t) => t.settings === lowest.settings.replace(/batch=\d+/, 'batch=64'))!;
    const train64 = await dlc(['train', best, ...data, '--batch', '64', '--out', join(dir, 'run64')], { env: { DLC_ADAPTER: 'gles' } });
    expect(train64.stderr).toBe('');
    expect(train64.stdout).toContain('each epoch trains all 480 samples: 7 batches of 64 and a last batch of 32');
    expect(train64.stdout).toMatch(new RegExp(`^validation: loss ${at64.loss} {2}accuracy ${at64.accuracy.replace('.', '\\.')}% `, 'm'));

    // A second tune into the same folder does not replace its files unless asked to.
    const again = await dlc(['tune', 'samples/blobs.dl', ...data, '--grid', 'lr=1e-2', '--out', out]);
    expect(again.stderr).toBe(`dlc: ${join(out, 'best.dl')} exists (an earlier tune): choose another --out, or add --overwrite to replace it\n`);
    expect(again.code).toBe(1);
  }, 300_000);

  it('--random with --objective val_accuracy and no --out: seeded draws, the highest accuracy wins, the section is printed', async () => {
    const args = ['tune', 'samples/blobs.dl', '--data', 'samples/blobs.csv', '--val-split', '0.2', '--random', 'lr=1e-3..1e-1', 'epochs=2', '--trials', '3', '--objective', 'val_accuracy'];
    const r = await dlc(args, { env: { DLC_ADAPTER: 'gles' }, timeoutMs: 240_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('tuning blobs: 3 random draws (seed 1) over lr, epochs, each trained from seed 1, scored by val_accuracy of the final weights on the 120 validation samples\n');
    const trials = [...r.stdout.matchAll(/^trial (\d)\/3 {2}lr=(\S+) epochs=2 {2}val_loss (\d\.\d{4}) {2}val_accuracy (\d+\.\d\d)% /gm)].map((x) => ({ n: Number(x[1]), lr: Number(x[2]), accuracy: Number(x[4]) }));
    expect(trials.map((t) => t.n)).toEqual([1, 2, 3]);
    for (const t of trials) expect(t.lr >= 1e-3 && t.lr <= 1e-1).toBe(true);
    // The draws are the seeded ones of the space (seed 1, the train section's).
    const space = readSpace('random', words('lr=1e-3..1e-1', 'epochs=2'), adam);
    expect(trials.map((t) => t.lr)).toEqual(trialSettings(space, { trials: 3, seed: 1 }).trials.map((t) => t[0]![1]));
    // The first of the highest accuracies wins (printed to 2 decimals of a percent: 120 samples differ by 0.83%).
    const highest = trials.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
    expect(r.stdout).toMatch(new RegExp(`^best: trial ${highest.n}, lr=${highest.lr} epochs=2: `, 'm'));
    expect(r.stdout).toContain(`the best train section (--out DIR writes the program with it and every trial):\ntrain blobs {\n  loss      = cross_entropy(logits, label)\n  optimizer = adam(lr: ${highest.lr})\n  batch     = 32\n  epochs    = 2\n`);
    expect(r.stdout).toMatch(/^1 compilation for 3 trials: /m);
  }, 300_000);

  it('a trial whose training diverges is reported and ranked last, not fatal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dlc-tune-'));
    const file = join(dir, 'sgd.dl');
    writeFileSync(file, BLOBS.replace('adam(lr: 0.01)', 'sgd(lr: 0.1)'));
    const r = await dlc(['tune', file, '--data', 'samples/blobs.csv', '--val-split', '0.2', '--grid', 'lr=0.1,1e6', 'epochs=1', '--out', join(dir, 'out')], { env: { DLC_ADAPTER: 'gles' }, timeoutMs: 240_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^trial 2\/2 {2}lr=1000000 epochs=1 {2}diverged: not finite \(NaN or infinity\) in epoch 1, step \d+ {2}\(.*, kernels reused\)$/m);
    expect(r.stdout).toMatch(/^ {3}- {6}2 {2}lr=1000000 epochs=1 {2}diverged: /m);
    expect(r.stdout).toMatch(/^best: trial 1, lr=0.1 epochs=1: val_loss /m);
    const rows = readFileSync(join(dir, 'out', 'trials.csv'), 'utf8').trim().split('\n');
    expect(rows[2]).toMatch(/^2,1000000,1,,,\d+\.\d{3},"diverged: not finite \(NaN or infinity\) in epoch 1, step \d+"$/);
  }, 300_000);

  it("a train section's init_from is loaded in every trial and rewritten relative to --out in best.dl", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dlc-tune-'));
    const program = (head: number, train = '') => `model blobs {
  input point: f32[2]
  input label: class[3]
  logits = point -> dense(16, activation: relu, name: body) -> dense(3, name: head${head})
  output logits
}
train blobs { loss = cross_entropy(logits, label); optimizer = adam(lr: 0.01); batch = 32; epochs = 1; seed = 1${train} }
`;
    writeFileSync(join(dir, 'base.dl'), program(1));
    writeFileSync(join(dir, 'new.dl'), program(2, '; freeze = [body]; init_from = "base/weights.safetensors"'));
    const env = { DLC_ADAPTER: 'gles' };
    const data = ['--data', 'samples/blobs.csv', '--val-split', '0.2'];
    expect((await dlc(['train', join(dir, 'base.dl'), ...data, '--out', join(dir, 'base')], { env })).code).toBe(0);
    const out = join(dir, 'sub', 'tuned');
    const r = await dlc(['tune', join(dir, 'new.dl'), ...data, '--grid=lr=1e-2,3e-2', 'epochs=2', 'l2=1e-4', '--out', out], { env, timeoutMs: 240_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split(`init from ${join(dir, 'base', 'weights.safetensors')}: loaded 2 tensors, missing 2, shape mismatch 0\n`)).toHaveLength(2);
    const best = readFileSync(join(out, 'best.dl'), 'utf8');
    // epochs changed in place; regularize, new, on its own line before the one-line section's brace.
    expect(best).toMatch(/; batch = 32; epochs = 2; seed = 1; freeze = \[body\]; init_from = "\.\.\/\.\.\/base\/weights\.safetensors"\n {2}regularize = l2\(0\.0001\)\n}\n$/);
    const figures = /^best: trial \d, lr=\S+ epochs=2 l2=0.0001: val_loss (\d\.\d{4})$/m.exec(r.stdout)!;
    const train = await dlc(['train', join(out, 'best.dl'), ...data, '--out', join(dir, 'run')], { env });
    expect(train.stderr).toBe('');
    expect(train.stdout).toContain(`init from ${join(out, '..', '..', 'base', 'weights.safetensors')}: loaded 2 tensors`);
    // This section has no metrics: the loss alone.
    expect(train.stdout).toContain(`validation: loss ${figures[1]} on 120 samples`);
  }, 300_000);

  const refused: [string, string[], string][] = [
    ['no settings', ['--data', 'samples/blobs.csv', '--val-split', '0.2'], 'dlc: tune needs the settings to try: --grid lr=1e-3,3e-3 batch=64,128 (every combination) or --random lr=1e-4..1e-2 batch=32,64 --trials 8\n'],
    ['--grid without settings', ['--grid', '--data', 'samples/blobs.csv'], 'dlc: --grid needs settings to try, e.g. --grid lr=1e-3,3e-3 batch=64,128\n'],
    ['--trials with a grid', ['--grid', 'lr=1e-3', '--trials', '3'], 'dlc: --trials is the number of --random draws; a --grid tries every combination\n'],
    ['both kinds of search', ['--grid', 'lr=1e-3', '--random', 'batch=8'], 'dlc: use either --grid (every combination) or --random (seeded draws), not both\n'],
    ['an unknown objective', ['--grid', 'lr=1e-3', '--objective', 'val_acc'], "dlc: --objective must be val_loss or val_accuracy, got 'val_acc'\n"],
    ['no validation data', ['--grid', 'lr=1e-3,1e-2', '--data', 'samples/blobs.csv'], 'dlc: tune scores each trial on validation data: give --val-split 0.2 (the last fifth of the training rows) or --val FILE\n'],
    ['a bad value', ['--grid', 'lr=1e-3', 'batch=64,0', '--data', 'samples/blobs.csv', '--val-split', '0.2'], 'dlc: --grid batch=64,0: batch must be a positive integer, got 0\n'],
    ['a batch larger than the data', ['--grid', 'batch=32,1000', '--data', 'samples/blobs.csv', '--val-split', '0.2'], 'dlc: samples/blobs.csv: 480 training samples, fewer than one batch of 1000; tune smaller batches or add data\n'],
  ];
  for (const [what, args, message] of refused) {
    it(`refuses ${what}: one line, exit 1`, async () => {
      const r = await dlc(['tune', 'samples/blobs.dl', ...args]);
      expect(r.stderr).toBe(message);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
    });
  }

  it('--objective val_accuracy for a model without accuracy is refused before any work', async () => {
    const r = await dlc(['tune', 'samples/regression.dl', '--grid', 'lr=1e-3,1e-2', '--objective', 'val_accuracy']);
    expect(r.stderr).toBe("dlc: --objective val_accuracy: model 'regressor' reports no accuracy: add metrics = [accuracy] to its train section (a classifier's), or use val_loss\n");
    expect(r.code).toBe(1);
  });

  it('a compiled folder is refused: tune rewrites a .dl file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dlc-tune-'));
    writeFileSync(join(dir, 'manifest.json'), '{}');
    const r = await dlc(['tune', dir, '--grid', 'lr=1e-3']);
    expect(r.stderr).toBe(`dlc: tune rewrites the train section of a .dl file; ${dir} is a compiled folder\n`);
    expect(r.code).toBe(1);
  });
});
