// Where a text stops being JSON, for messages that must not quote the text: V8's JSON.parse names a
// position for some errors only ("Unexpected token 'x', "…" is not valid JSON" has none).

/**
 * The offset of the first character at which `text` is not JSON (text.length when it ends too
 * early), or undefined when it is JSON or too deeply nested to scan.
 */
export function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const fail = (): never => {
    throw new JsonStop(i);
  };
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const expect = (c: string): void => {
    if (text[i] !== c) fail();
    i++;
  };
  const string = (): void => {
    expect('"');
    while (text[i] !== '"') {
      if (i >= text.length || text.charCodeAt(i) < 0x20) fail();
      if (text[i++] !== '\\') continue;
      if (text[i] === 'u') {
        i++;
        for (let k = 0; k < 4; k++, i++) if (!/[0-9a-fA-F]/.test(text[i] ?? '')) fail();
      } else if (i < text.length && '"\\/bfnrt'.includes(text[i]!)) {
        i++;
      } else {
        fail();
      }
    }
    i++;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) return void i++;
      for (;;) {
        if (c === '{') {
          ws();
          string();
          ws();
          expect(':');
        }
        value();
        ws();
        if (text[i] === close) return void i++;
        expect(',');
      }
    }
    if (c === '"') return string();
    const word = ['true', 'false', 'null'].find((w) => w[0] === c);
    // A word stops at its first wrong letter, as in V8.
    if (word) for (const letter of word) expect(letter);
    else number();
  };
  const digits = (): void => {
    if (!isDigit(text[i])) fail();
    while (isDigit(text[i])) i++;
  };
  // A number stops where V8 says it does: at the character after a lone '-', '.' or exponent mark.
  const number = (): void => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else digits();
    if (text[i] === '.') {
      i++;
      digits();
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      digits();
    }
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
    return undefined;
  } catch (err) {
    if (err instanceof JsonStop) return err.offset;
    return undefined; // nesting deeper than the stack
  }
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

class JsonStop {
  constructor(readonly offset: number) {}
}

/** "line L, column C" (1-based) of `offset` in `text`. */
export function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  return `line ${before.split('\n').length}, column ${offset - before.lastIndexOf('\n')}`;
}
