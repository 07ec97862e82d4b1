// The one sanitizer for text that came from a file (a .dl line, a CSV header or cell, a manifest
// field) before it reaches a terminal: control characters could retitle or clear the screen.

/** Longest piece of file text quoted in a message before it is cut with "…". */
export const QUOTE_LIMIT = 120;

const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\x1b': '\\e' };

/**
 * Shows `text` safely: C0/C1 control characters, DEL, the byte-order mark and Unicode bidi
 * controls are written as escapes (`\e`, `\n`, `\x07`, `\u202e`), and text longer than `limit`
 * characters is cut with "…". Printable text, including non-ASCII letters, is unchanged.
 */
export function printable(text: string, limit = QUOTE_LIMIT): string {
  const cut = text.length > limit;
  const head = cut ? text.slice(0, limit) : text;
  // eslint-disable-next-line no-control-regex
  const safe = head.replace(/[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, (c) => {
    const named = ESCAPES[c];
    if (named !== undefined) return named;
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  return cut ? `${safe}…` : safe;
}

/** `printable` for a whole line of a source file shown under a diagnostic (a longer limit). */
export function printableLine(line: string): string {
  return printable(line, 400);
}
