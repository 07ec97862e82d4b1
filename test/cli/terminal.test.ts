// Lines fit the terminal: status lines give way field by field in a fixed order, prose wraps between
// words, and `dlc train` in an 80-column pseudo-terminal leaves no wrapped or cut line on screen.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { epochLine } from '../../cli/progress.ts';
import { fitFields, lineWidth, wrapText } from '../../cli/terminal.ts';
import { dlcInTerminal, renderTerminal } from '../helpers/terminal.ts';

const epoch = {
  epoch: 7, loss: 0.1234, accuracy: 0.9512, samples: 480, steps: 15, leftOut: 0, seconds: 0.021, lr: 0.0000122,
  val: { loss: 0.2345, accuracy: 0.9333, precision: 0.9412, recall: 0.9333, f1: 0.9345, count: 120 },
};

describe('fitting lines to the terminal', () => {
  it('an epoch line gives way in its fixed order: samples/s, precision, recall, short names, time, f1, "epoch", lr', () => {
    const at = (width: number): string => epochLine(epoch, 20, true, width);
    expect(at(Infinity)).toBe('epoch  7/20  loss 0.1234  accuracy 95.12%  val_loss 0.2345  val_accuracy 93.33%  val_precision 0.9412  val_recall 0.9333  val_f1 0.9345  lr 1.22e-5  22,857 samples/s  21 ms');
    expect(at(160)).toBe('epoch  7/20  loss 0.1234  accuracy 95.12%  val_loss 0.2345  val_accuracy 93.33%  val_precision 0.9412  val_recall 0.9333  val_f1 0.9345  lr 1.22e-5  21 ms');
    expect(at(140)).toBe('epoch  7/20  loss 0.1234  accuracy 95.12%  val_loss 0.2345  val_accuracy 93.33%  val_recall 0.9333  val_f1 0.9345  lr 1.22e-5  21 ms');
    expect(at(120)).toBe('epoch  7/20  loss 0.1234  accuracy 95.12%  val_loss 0.2345  val_accuracy 93.33%  val_f1 0.9345  lr 1.22e-5  21 ms');
    expect(at(100)).toBe('epoch  7/20  loss 0.1234  acc 95.12%  val_loss 0.2345  val_acc 93.33%  val_f1 0.9345  lr 1.22e-5');
    expect(at(90)).toBe('epoch  7/20  loss 0.1234  acc 95.12%  val_loss 0.2345  val_acc 93.33%  lr 1.22e-5');
    // An 80-column terminal: 79 characters, so that erasing to the end of the line keeps the last one.
    expect(at(79)).toBe(' 7/20  loss 0.1234  acc 95.12%  val_loss 0.2345  val_acc 93.33%  lr 1.22e-5');
    expect(at(70)).toBe(' 7/20  loss 0.1234  acc 95.12%  val_loss 0.2345  val_acc 93.33%');
    expect(at(60)).toBe(' 7/20  loss 0.1234  acc 95.12%  val_loss 0.2345');
    // Narrower than the essential fields: they stay, the terminal wraps.
    expect(at(30)).toBe(' 7/20  loss 0.1234  val_loss 0.2345');
  });

  it('the early-stopping note under an epoch line wraps between words', () => {
    const stopped = { ...epoch, stopped: { bestEpoch: 4, restored: true } };
    expect(epochLine(stopped, 20, false, 59)).toBe(' 7/20  loss 0.1234  acc 95.12%  val_loss 0.2345\nearly stopping after epoch 7: no improvement since epoch 4\n  (weights of epoch 4 restored)');
  });

  it('fields keep their order; equal ranks give way left to right; unranked fields stay even when too wide', () => {
    const fields = [{ text: 'aaaa' }, { text: 'bbbb', dropRank: 1 }, { text: 'cccc', dropRank: 1 }, { text: 'dddd-long', short: 'dd', shortenRank: 0 }];
    expect(fitFields(fields, 100)).toBe('aaaa  bbbb  cccc  dddd-long');
    expect(fitFields(fields, 20)).toBe('aaaa  bbbb  cccc  dd');
    expect(fitFields(fields, 14)).toBe('aaaa  cccc  dd');
    expect(fitFields(fields, 3)).toBe('aaaa  dd');
  });

  it('prose wraps at field gaps first, then between words, never inside a word', () => {
    expect(wrapText('held-out: loss 0.1234  accuracy 95.00%  precision 0.9500 on 2000 samples', 40)).toBe('held-out: loss 0.1234  accuracy 95.00%\n  precision 0.9500 on 2000 samples');
    expect(wrapText('held-out: loss 0.1234  accuracy 95.00%  precision 0.9500 on 2000 samples', 30)).toBe('held-out: loss 0.1234\n  accuracy 95.00%\n  precision 0.9500 on 2000\n  samples');
    expect(wrapText('saved weights to runs/a-very-long-model-name/version_12/weights.safetensors (version 12)', 30)).toBe('saved weights to\n  runs/a-very-long-model-name/version_12/weights.safetensors\n  (version 12)');
    expect(wrapText('short\nlines stay', 40)).toBe('short\nlines stay');
    // An indented row of a block (dlc check --stats) keeps its indent, and its continuations go two further.
    expect(wrapText('GPU memory:\n  allocated / lower bound: 2.248 (gradients 326,696 bytes in all)', 40))
      .toBe('GPU memory:\n  allocated / lower bound: 2.248\n    (gradients 326,696 bytes in all)');
    expect(wrapText('x '.repeat(100), Infinity)).toBe('x '.repeat(100));
  });

  it('fits one column less than the window on a live terminal, 80 when it reports no size, and nothing elsewhere', () => {
    const ci = process.env.CI;
    delete process.env.CI;
    try {
      expect(lineWidth({ isTTY: true, columns: 100 } as NodeJS.WriteStream)).toBe(99);
      expect(lineWidth({ isTTY: true, columns: 0 } as NodeJS.WriteStream)).toBe(79);
      expect(lineWidth({ isTTY: false, columns: 100 } as unknown as NodeJS.WriteStream)).toBe(Infinity);
      process.env.CI = 'true';
      expect(lineWidth({ isTTY: true, columns: 100 } as NodeJS.WriteStream)).toBe(Infinity);
    } finally {
      if (ci === undefined) delete process.env.CI;
      else process.env.CI = ci;
    }
  });

  it('the screen replay counts a line one column too long as a wrap, and a redraw shorter than the last as no leftover', () => {
    expect(renderTerminal(`${'x'.repeat(81)}\r\n`, 80)).toEqual({ rows: ['x'.repeat(80), 'x', ''], wraps: 1 });
    expect(renderTerminal(`\r${'y'.repeat(30)}\x1b[K\rshort\x1b[K\r\n`, 80)).toEqual({ rows: ['short', ''], wraps: 0 });
    // A line of exactly 80 columns followed by "erase to end of line" loses its last character.
    expect(renderTerminal(`${'z'.repeat(80)}\x1b[K\r\n`, 80).rows[0]).toBe('z'.repeat(79));
  });
});

describe('dlc train in an 80-column pseudo-terminal', () => {
  it('leaves no wrapped or cut line: the screen shows whole fields and whole words', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'dlc-tty-')), 'run');
    const r = await dlcInTerminal(['train', 'samples/blobs.dl', '--data', 'samples/blobs.csv', '--val-split', '0.2', '--epochs', '3', '--schedule', 'cosine', '--out', out], 80, { DLC_ADAPTER: 'gles' });
    expect(r.code, r.output).toBe(0);
    // The live bar really was drawn (carriage returns and erase-to-end-of-line), then replaced.
    expect(r.output).toContain('\x1b[K');
    // Compiling counted its pipelines and first runs in place before the time it took.
    expect(r.output).toMatch(/\rcompiling \d+ kernels… pipelines (\d+)\/\1\x1b\[K/);
    expect(r.output).toMatch(/\rcompiling \d+ kernels… first runs (\d+)\/\1\x1b\[K/);
    const screen = renderTerminal(r.output, 80);
    expect(screen.wraps, screen.rows.join('\n')).toBe(0);
    const rows = screen.rows.filter((l) => l !== '');
    for (const row of rows) expect(row.length, row).toBeLessThanOrEqual(80);
    expect(rows.slice(0, 4)).toEqual([
      'adapter: OpenGL ES (llvmpipe, software rasteriser)',
      expect.stringMatching(/^compiling \d+ kernels… done in (\d+ ms|\d+\.\d s)$/),
      'training blobs: adam(lr: 0.01), batch 32, 3 epochs, seed 1',
      'samples/blobs.csv: 480 training samples, 120 for validation (the last 20%)',
    ]);
    // Each epoch's row is made of whole fields: no bar left over, nothing cut mid-field.
    const field = /^(epoch [1-3]\/3|[1-3]\/3|loss \d+\.\d{4}|acc(uracy)? \d+\.\d\d%|val_loss \d+\.\d{4}|val_acc(uracy)? \d+\.\d\d%|val_(precision|recall|f1) \d\.\d{4}|lr \d\S*|[\d,]+ samples\/s|\d+ ms|\d+\.\d s)$/;
    const epochRows = rows.slice(4, 7);
    epochRows.forEach((row, i) => {
      expect(row, row).toMatch(new RegExp(`^(epoch )?${i + 1}/3  loss `));
      for (const f of row.split('  ')) expect(f, row).toMatch(field);
      expect(row).toContain('val_loss');
    });
    // The validation summary wraps between fields; the confusion matrix and the last line follow whole.
    expect(rows[7]).toMatch(/^validation: loss \d\.\d{4}  accuracy \d+\.\d\d%  precision \d\.\d{4}  recall \d\.\d{4}$/);
    expect(rows[8]).toMatch(/^ {2}f1 \d\.\d{4} on 120 samples \(trained in (\d+ ms|\d+\.\d s)\)$/);
    expect(rows.slice(9, 11)).toEqual(['confusion matrix (validation):', 'true\\pred     0    1    2']);
    expect(rows.at(-1)).toBe(`saved weights to ${out}/weights.safetensors`);
    expect(rows).toHaveLength(15);
  }, 180_000);

  it("with the default adapter (auto), Dawn's limit notes (four lines of 125-130 characters) do not show", async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'dlc-tty-')), 'run');
    const env: Record<string, string> = {};
    if (process.env.DLC_ADAPTER !== undefined) env.DLC_ADAPTER = 'auto';
    const r = await dlcInTerminal(['train', 'samples/blobs.dl', '--data', 'samples/blobs.csv', '--epochs', '1', '--out', out], 80, env);
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toContain('Warning:');
    const screen = renderTerminal(r.output, 80);
    expect(screen.wraps, screen.rows.join('\n')).toBe(0);
    for (const row of screen.rows) expect(row.length, row).toBeLessThanOrEqual(80);
    expect(screen.rows[0]).toMatch(/^adapter: /);
    // One epoch is "1 epoch".
    expect(screen.rows).toContain('training blobs: adam(lr: 0.01), batch 32, 1 epoch, seed 1');
    expect(screen.rows.filter((l) => l !== '').at(-1)).toBe(`saved weights to ${out}/weights.safetensors`);
  }, 180_000);
});

describe('dlc check in an 80-column pseudo-terminal', () => {
  it('fits the resnet summary to the window: no wrapped line, the table and train section whole', async () => {
    const r = await dlcInTerminal(['check', 'samples/resnet_mini.dl'], 80);
    expect(r.code, r.output).toBe(0);
    const screen = renderTerminal(r.output, 80);
    expect(screen.wraps, screen.rows.join('\n')).toBe(0);
    for (const row of screen.rows) expect(row.length, row).toBeLessThanOrEqual(80);
    expect(screen.rows).toContain('Layer (type)      Name           Output shape          Param #  Connected to');
    expect(screen.rows).toContain('dense_1           logits         (batch, 10)               330  global_avgpool_1');
    expect(screen.rows).toContain('Non-trainable params: 224');
    expect(screen.rows).toContain('                  weight_decay: 0, amsgrad: false)');
  }, 120_000);
});
