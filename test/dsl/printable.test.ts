import { describe, expect, it } from 'vitest';
import { printable } from '../../dsl/printable.ts';

describe('printable', () => {
  it('escapes terminal control sequences', () => {
    expect(printable('a\x1b]0;title\x07\x1b[2Jb')).toBe('a\\e]0;title\\x07\\e[2Jb');
    expect(printable('x\ny\tz\r')).toBe('x\\ny\\tz\\r');
    expect(printable('\ufeffmodel \u202eevil \x9b')).toBe('\\ufeffmodel \\u202eevil \\x9b');
  });
  it('keeps printable text, including non-ASCII letters', () => {
    expect(printable('dense(128) → 情感分析 é')).toBe('dense(128) → 情感分析 é');
  });
  it('cuts long text with an ellipsis', () => {
    expect(printable('x'.repeat(10_000_000)).length).toBe(121);
    expect(printable('abcdef', 3)).toBe('abc…');
  });
});
