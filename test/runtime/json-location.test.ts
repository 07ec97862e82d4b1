// jsonErrorOffset finds where a text stops being JSON, as V8 does where V8 says, and also where V8
// does not (an unexpected token comes with no position).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { jsonErrorOffset, lineAndColumn } from '../../runtime/json-location.ts';
import { Rng } from '../../runtime/random.ts';
import { ROOT } from '../helpers/cli.ts';

const manifest = JSON.stringify(compile(readFileSync(join(ROOT, 'samples/blobs.dl'), 'utf8')).artifact!.manifest, null, 1);

describe('jsonErrorOffset', () => {
  it('finds the first character that is not JSON', () => {
    expect(jsonErrorOffset('{"a": x}')).toBe(6);
    expect(jsonErrorOffset('[1, 2,]')).toBe(6);
    expect(jsonErrorOffset('{"a": 1')).toBe(7);
    expect(jsonErrorOffset('')).toBe(0);
    expect(jsonErrorOffset('root:x:0:0')).toBe(0);
    expect(jsonErrorOffset('{"a": "\\q"}')).toBe(8);
    expect(jsonErrorOffset(' {"a": [true, false, null, -1.5e3, "\\u00e9"]} ')).toBeUndefined();
    expect(lineAndColumn('{\n  "a" 1\n}', 8)).toBe('line 2, column 7');
  });
  it('agrees with JSON.parse on 3,000 one-character corruptions of a manifest: where V8 names a position, it is the same', () => {
    const rng = new Rng(7);
    const chars = ['{', '}', '[', ']', '"', ',', ':', '\\', 'x', '1', '-', '.', 'e', ' ', '\n', '\u0001'];
    let located = 0;
    for (let n = 0; n < 3000; n++) {
      const at = rng.int(manifest.length);
      const c = chars[rng.int(chars.length)]!;
      const kind = rng.int(3);
      const text = manifest.slice(0, at) + (kind === 1 ? '' : c) + manifest.slice(kind === 0 ? at : at + 1);
      let v8: string | undefined;
      try {
        JSON.parse(text);
      } catch (e) {
        v8 = (e as Error).message;
      }
      const offset = jsonErrorOffset(text);
      expect(offset === undefined, `${v8} / ${offset}`).toBe(v8 === undefined);
      const position = v8 && /at position (\d+)/.exec(v8);
      if (position) {
        expect(offset, v8).toBe(Number(position[1]));
        located++;
      }
    }
    expect(located).toBeGreaterThan(300);
  });
});
