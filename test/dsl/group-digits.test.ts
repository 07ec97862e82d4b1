// groupDigits writes numbers as toLocaleString('en-US') does, without loading ICU's data.
import { describe, expect, it } from 'vitest';
import { groupDigits } from '../../dsl/group-digits.ts';

describe('groupDigits', () => {
  it('matches toLocaleString("en-US") on integers, negatives and decimals', () => {
    const cases = [0, 7, -7, 12, 999, 1000, -1000, 12345, 123456, 1234567, 2226000, 67108864, 2 ** 31, 2 ** 53, -(2 ** 40), 0.5, -0.25, 1234.5678, 999.9996, 65535.125, 0.1 + 0.2];
    for (const n of cases) expect(groupDigits(n), String(n)).toBe(n.toLocaleString('en-US'));
  });
  it('writes non-finite values as JavaScript does', () => {
    expect(groupDigits(NaN)).toBe('NaN');
    expect(groupDigits(-Infinity)).toBe('-Infinity');
  });
});
