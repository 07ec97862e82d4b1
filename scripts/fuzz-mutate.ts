// Mutations shared by the file fuzzers: a per-input random stream, byte-level damage, edge numbers
// and edits of parsed JSON at a random path. Each mutation returns a short description, so a
// failure's recipe says what was done to the input.
import { Rng } from '../runtime/random.ts';

/** A random stream of its own for input `index` of run `seed`: one input is rebuilt without the others. */
export function inputRng(seed: number, index: number): Rng {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (index + 0x7f4a7c15), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return new Rng((h ^ (h >>> 16)) >>> 0);
}

export const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)]!;

/** Picks among weighted choices: [weight, value] pairs. */
export function weighted<T>(rng: Rng, choices: readonly (readonly [number, T])[]): T {
  let r = rng.next() * choices.reduce((a, [w]) => a + w, 0);
  for (const [w, v] of choices) {
    r -= w;
    if (r < 0) return v;
  }
  return choices[choices.length - 1]![1];
}

/** Numbers at the edges of what readers check: signs, zero, integer widths, float limits. */
export const EDGE_NUMBERS = [-1, 0, 1, 3, 255, 256, 65535, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e300, -1e300, 0.5, 1e-300, 3.4e38, 1e39];

/** JSON values that are the wrong type or out of range for almost any field. */
export function edgeJsonValue(rng: Rng): unknown {
  return weighted<() => unknown>(rng, [
    [6, () => pick(rng, EDGE_NUMBERS)],
    [1, () => pick(rng, ['NaN', 'Infinity', '-Infinity', '1e400', '0x10', ''])],
    [1, () => null],
    [1, () => pick(rng, [true, false])],
    [1, () => 'x'.repeat(pick(rng, [1, 300, 100_000]))],
    [1, () => pick(rng, ['../../outside.wgsl', '/etc/passwd', 'kernels/../manifest.json', '\u001b[2J\u001b]0;pwned\u0007', 'a\nb', '\u202etxt.lgsw'])],
    [1, () => []],
    [1, () => ({})],
    [1, () => [1, 2, 3]],
    [1, () => Array.from({ length: pick(rng, [1000, 100_000, 1_000_000]) }, () => 0)],
  ])();
}

/** Flips, sets or deletes a few bytes; positions lean toward the start, where headers are. */
export function damageBytes(bytes: Uint8Array, rng: Rng): { bytes: Uint8Array; what: string } {
  const out = new Uint8Array(bytes);
  const n = 1 + rng.int(4);
  const spots: number[] = [];
  for (let k = 0; k < n && out.length; k++) {
    const at = rng.next() < 0.6 ? rng.int(Math.min(out.length, 128)) : rng.int(out.length);
    out[at] = rng.next() < 0.5 ? out[at]! ^ (1 << rng.int(8)) : pick(rng, [0, 0xff, 0x7f, 0x80, 0x0a, 0x22, 0x2c, 0x1b]);
    spots.push(at);
  }
  return { bytes: out, what: `bytes changed at ${spots.join(', ')}` };
}

/** Cuts the file short, or extends it with junk or zeros. */
export function resize(bytes: Uint8Array, rng: Rng): { bytes: Uint8Array; what: string } {
  if (rng.next() < 0.6 || bytes.length === 0) {
    const keep = rng.next() < 0.5 ? rng.int(Math.min(bytes.length, 64) + 1) : rng.int(bytes.length + 1);
    return { bytes: bytes.subarray(0, keep), what: `truncated to ${keep} bytes` };
  }
  const extra = pick(rng, [1, 7, 4096]);
  const out = new Uint8Array(bytes.length + extra);
  out.set(bytes);
  if (rng.next() < 0.5) for (let i = bytes.length; i < out.length; i++) out[i] = rng.int(256);
  return { bytes: out, what: `${extra} bytes appended` };
}

type Json = unknown;
type Container = Record<string, Json> | Json[];
const isContainer = (v: Json): v is Container => typeof v === 'object' && v !== null;

/** Every path into `root` (keys from the top), containers and leaves alike. */
export function jsonPaths(root: Json, limit = 20_000): (string | number)[][] {
  const out: (string | number)[][] = [];
  const walk = (v: Json, path: (string | number)[]): void => {
    if (out.length >= limit || !isContainer(v)) return;
    for (const k of Array.isArray(v) ? Array.from({ length: v.length }, (_, i) => i) : Object.keys(v)) {
      out.push([...path, k]);
      walk((v as Record<string | number, Json>)[k], [...path, k]);
    }
  };
  walk(root, []);
  return out;
}

const showPath = (p: (string | number)[]): string => p.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('').replace(/^\./, '');

/**
 * One edit of parsed JSON at a random path: replace with an edge value, delete, add an unknown key,
 * copy another field's value there (a wrong type), or wrap in deep nesting.
 */
export function mutateJson(root: Json, rng: Rng): string {
  const paths = jsonPaths(root);
  if (!paths.length || !isContainer(root)) return 'nothing to edit';
  const path = pick(rng, paths);
  let parent: Container = root;
  for (const k of path.slice(0, -1)) parent = (parent as Record<string | number, Json>)[k] as Container;
  const key = path[path.length - 1]!;
  const slot = parent as Record<string | number, Json>;
  const where = showPath(path);
  switch (rng.int(6)) {
    case 0: {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete slot[key];
      return `deleted ${where}`;
    }
    case 1: {
      const extra = pick(rng, ['extra', '__proto__', 'constructor', 'sha256', 'offset', 'size']);
      // Extra keys go on objects only (an array's "constructor" would break the fuzzer, not the reader).
      const target = isContainer(slot[key]) && !Array.isArray(slot[key]) ? slot[key] as Record<string, Json> : Array.isArray(slot) ? root as Record<string, Json> : slot;
      Object.defineProperty(target, extra, { value: edgeJsonValue(rng), enumerable: true, configurable: true, writable: true });
      return `added field '${extra}' beside ${where}`;
    }
    case 2: {
      const other = pick(rng, paths);
      let v: Json = root;
      for (const k of other) v = (v as Record<string | number, Json>)[k];
      slot[key] = structuredClone(v);
      return `${where} set to the value of ${showPath(other)}`;
    }
    case 3: {
      let v: Json = slot[key];
      const depth = pick(rng, [10, 1000]);
      for (let i = 0; i < depth; i++) v = [v];
      slot[key] = v;
      return `${where} nested ${depth} lists deep`;
    }
    default: {
      slot[key] = edgeJsonValue(rng);
      const shown = JSON.stringify(slot[key]) ?? 'undefined';
      return `${where} = ${shown.length > 40 ? `${shown.slice(0, 40)}… (${shown.length} chars)` : shown}`;
    }
  }
}

/** Edits of JSON text that parsed edits cannot make: invalid literals, duplicate keys, a BOM, garbage, deep nesting. */
export function mutateJsonText(text: string, rng: Rng): { text: string; what: string } {
  const numbers = [...text.matchAll(/-?\d+(\.\d+)?([eE][+-]?\d+)?/g)];
  switch (rng.int(6)) {
    case 0: {
      if (!numbers.length) return { text, what: 'no number to replace' };
      const m = pick(rng, numbers);
      const lit = pick(rng, ['NaN', 'Infinity', '1e400', '-0', '0x10', '1e-400', '99999999999999999999', '+1', '.5', '01']);
      return { text: text.slice(0, m.index) + lit + text.slice(m.index! + m[0].length), what: `a number replaced by ${lit}` };
    }
    case 1: {
      const keys = [...text.matchAll(/"(\w+)":\s*([^,{}[\]]+)/g)];
      if (!keys.length) return { text, what: 'no key to duplicate' };
      const m = pick(rng, keys);
      const dup = `"${m[1]}": ${JSON.stringify(edgeJsonValue(rng))}, `;
      return { text: text.slice(0, m.index) + dup + text.slice(m.index), what: `key "${m[1]}" written twice` };
    }
    case 2: return { text: `\ufeff${text}`, what: 'byte-order mark before the JSON' };
    case 3: return { text: `${text}${pick(rng, ['}', ' garbage', '\u0000', '\n{}'])}`, what: 'text after the JSON' };
    case 4: {
      const depth = pick(rng, [1000, 100_000]);
      const at = text.indexOf('"kernels"');
      const nest = `"deep": ${'['.repeat(depth)}${']'.repeat(depth)}, `;
      return at < 0 ? { text, what: 'no place to nest' } : { text: text.slice(0, at) + nest + text.slice(at), what: `a list nested ${depth} deep` };
    }
    default: {
      const at = rng.int(text.length + 1);
      const c = pick(rng, ['\u0000', '\u001b[31m', '"', '\\', '\ud800', '\u202e', '}']);
      return { text: text.slice(0, at) + c + text.slice(at), what: `${JSON.stringify(c)} inserted at character ${at}` };
    }
  }
}
