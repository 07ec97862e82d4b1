// Durations as printed in epoch lines, ETAs and summaries: milliseconds below a second, never "0.0s".
import { describe, expect, it } from 'vitest';
import { formatDuration, formatEta } from '../../cli/duration.ts';

describe('formatDuration', () => {
  it('says milliseconds below a second, tenths of a second below a minute, then minutes', () => {
    const cases: [number, string][] = [
      [0, '< 1 ms'], [0.0004, '< 1 ms'], [0.0012, '1 ms'], [0.042, '42 ms'], [0.9994, '999 ms'], [0.9996, '1.0 s'],
      [3.44, '3.4 s'], [59.94, '59.9 s'], [59.96, '1 min 00 s'], [125, '2 min 05 s'], [3599.4, '59 min 59 s'], [3725, '1 h 02 min'],
    ];
    for (const [seconds, text] of cases) expect(formatDuration(seconds), String(seconds)).toBe(text);
  });
  it('rounds an estimate up to whole seconds', () => {
    expect([0, 0.2, 6.01, 59.5, 61].map(formatEta)).toEqual(['0 s', '1 s', '7 s', '1 min 00 s', '1 min 01 s']);
  });
});
