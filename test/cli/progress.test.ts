// The progress display: a bar redrawn in place on a terminal, plain epoch lines elsewhere or in CI.
import { afterEach, describe, expect, it } from 'vitest';
import { epochLine, progress } from '../../cli/progress.ts';
import type { Session } from '../../runtime/session.ts';

const fakeSession = { manifest: { batch: 4 }, metricSums: async () => ({ lossSum: 3, correctSum: 6 }) } as unknown as Session;
const stream = (isTTY: boolean, columns = 120) => {
  const chunks: string[] = [];
  return { chunks, s: { isTTY, columns, write: (c: string) => chunks.push(c) } as unknown as NodeJS.WriteStream };
};
const ci = process.env.CI;
afterEach(() => {
  if (ci === undefined) delete process.env.CI;
  else process.env.CI = ci;
});
const epoch = { epoch: 2, loss: 1.5, accuracy: 0.75, samples: 8, steps: 2, leftOut: 0, seconds: 0.5, lr: 0.01, val: { loss: 2, accuracy: 0.5, count: 4 } };

describe('progress', () => {
  it('on a terminal draws steps, rate, ETA and running loss and accuracy in place, then the epoch line', async () => {
    delete process.env.CI;
    const { chunks, s } = stream(true);
    const p = progress(fakeSession, 3, s);
    await p.onStep(1, 2, 2);
    await p.onStep(2, 2, 2);
    expect(chunks).toHaveLength(2);
    expect(chunks[1]).toMatch(/^\repoch 2\/3  \[=+\]  2\/2  [\d,]+ samples\/s  ETA 0 s  loss 1\.5000  accuracy 75\.00%\x1b\[K$/);
    p.onEpoch(epoch);
    expect(chunks[2]).toBe(`\r${epochLine(epoch, 3)}\x1b[K\n`);
    expect(epochLine(epoch, 3)).toBe('epoch 2/3  loss 1.5000  accuracy 75.00%  val_loss 2.0000  val_accuracy 50.00%  16 samples/s  500 ms');
  });
  it('on a terminal of unknown width (80 columns), the bar gives up samples/s, the epoch line its speed and long names', async () => {
    delete process.env.CI;
    const { chunks, s } = stream(true, 0);
    const p = progress(fakeSession, 3, s);
    await p.onStep(1, 2, 2);
    await p.onStep(2, 2, 2);
    p.onEpoch(epoch);
    expect(chunks[1]).toBe('\repoch 2/3  [======================]  2/2  ETA 0 s  loss 1.5000  accuracy 75.00%\x1b[K');
    expect(chunks[2]).toBe('\repoch 2/3  loss 1.5000  acc 75.00%  val_loss 2.0000  val_acc 50.00%  500 ms\x1b[K\n');
    for (const c of chunks) expect(c.replace(/\r|\x1b\[K|\n/g, '').length).toBeLessThanOrEqual(79);
  });
  it('in a pipe, or with CI set, prints only the finished epoch lines', async () => {
    for (const [tty, ciValue] of [[false, undefined], [true, 'true']] as const) {
      if (ciValue === undefined) delete process.env.CI;
      else process.env.CI = ciValue;
      const { chunks, s } = stream(tty);
      const p = progress(fakeSession, 3, s);
      await p.onStep(1, 2, 2);
      p.onEpoch(epoch);
      expect(chunks).toEqual([`${epochLine(epoch, 3)}\n`]);
    }
  });
});
