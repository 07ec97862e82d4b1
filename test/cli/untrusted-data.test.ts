// Hostile data files through the real command: each ends in one message naming the file and the
// place, exit 1, nothing written, no stack trace, no raw control characters on the terminal.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { encodeSafetensors } from '../../runtime/safetensors.ts';
import { dlc, ROOT } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'dlc-untrusted-'));
const ENV = { DLC_ADAPTER: 'gles' };
const file = (name: string, data: string | Uint8Array): string => {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
};

/** A version-1 .npy of little-endian float64 values. */
function npyF8(shape: number[], values: number[]): Uint8Array {
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += `${' '.repeat(63 - ((10 + header.length) % 64))}\n`;
  const out = new Uint8Array(10 + header.length + 8 * values.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8]);
  out.set(new TextEncoder().encode(header), 10);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setFloat64(10 + header.length + 8 * i, v, true));
  return out;
}

describe('dlc train refuses hostile data files', () => {
  const rows = (cell: string) => `x1,x2,label\n${Array.from({ length: 40 }, (_, i) => (i === 7 ? `1,${cell},0` : '1,2,0')).join('\n')}\n`;
  const fifo = join(dir, 'pipe.csv');
  execFileSync('mkfifo', [fifo]);
  const zero = join(dir, 'zero.csv');
  symlinkSync('/dev/zero', zero);
  const cases: [string, () => string[], string][] = [
    ['a value finite in float64 but not in float32 (CSV 1e39)', () => ['--data', file('big.csv', rows('1e39'))],
      `dlc: ${join(dir, 'big.csv')}:9: column 'x2': 1e39 is beyond the float32 range (magnitude at most 3.4028234663852886e+38)\n`],
    ['a hexadecimal cell (Number would read 0x1 as 1)', () => ['--data', file('hex.csv', rows('0x1'))], `dlc: ${join(dir, 'hex.csv')}:9: column 'x2': '0x1' is not a number\n`],
    ['a second label column', () => ['--data', file('dup.csv', 'x1,label,label\n1,2,0\n')], `dlc: ${join(dir, 'dup.csv')}:1: columns 2 and 3 are both named 'label'; each column needs its own name\n`],
    ['a float64 .npy holding 1e300', () => ['--data', file('x.npy', npyF8([40, 2], Array.from({ length: 80 }, (_, i) => (i === 61 ? 1e300 : 1)))), '--labels', file('y.npy', npyF8([40], Array(40).fill(0)))],
      `dlc: ${join(dir, 'x.npy')}: sample 30, feature 1: 1e+300 is beyond the float32 range (magnitude at most 3.4028234663852886e+38)\n`],
    ['a FIFO named like a CSV (reading it would wait forever)', () => ['--data', fifo], `dlc: cannot read data file ${fifo}: it is a named pipe (FIFO), not a regular file\n`],
    ['/dev/zero named like a CSV (reading it would never end)', () => ['--data', zero], `dlc: cannot read data file ${zero}: it is a character device, not a regular file\n`],
    ['terminal escapes in a CSV header', () => ['--data', file('esc.csv', 'x1,\x1b]0;pwned\x07\x1b[2J,label\n1,x,0\n')],
      `dlc: ${join(dir, 'esc.csv')}:2: column '\\e]0;pwned\\x07\\e[2J': 'x' is not a number\n`],
  ];
  for (const [what, args, message] of cases) {
    it(`${what}: one message, exit 1, nothing written`, async () => {
      const out = join(dir, `out-${what.replace(/\W+/g, '-')}`);
      const r = await dlc(['train', 'samples/blobs.dl', ...args(), '--epochs', '1', '--out', out], { env: ENV, timeoutMs: 60_000 });
      expect(r.stderr).toBe(message);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(existsSync(out)).toBe(false);
    });
  }
});

describe('dlc predict never writes a non-finite prediction', () => {
  const m = compile(readFileSync(join(ROOT, 'samples/blobs.dl'), 'utf8')).artifact!.manifest;
  /** Weights for samples/blobs.dl, every value `v` except one `odd` value at dense_2.bias[1]. */
  const weights = (name: string, v: number, odd = v): string => file(name, encodeSafetensors(m.params.map((p) => {
    const data = new Float32Array(p.shape.reduce((a, b) => a * b, 1)).fill(v);
    if (p.name === 'dense_2.bias') data[1] = odd;
    return { name: p.name, dtype: 'F32' as const, shape: p.shape, data };
  })));

  it('a NaN weight in the safetensors file is refused when it is loaded', async () => {
    const w = weights('nan.safetensors', 0.5, NaN);
    const out = join(dir, 'nan-preds.csv');
    const r = await dlc(['predict', 'samples/blobs.dl', '--weights', w, '--data', file('p.csv', 'x1,x2\n1,2\n'), '--out', out], { env: ENV });
    expect(r.stderr).toBe(`dlc: ${w}: tensor "dense_2.bias" element [1]: NaN is not a finite number\n`);
    expect(r.code).toBe(1);
    expect(existsSync(out)).toBe(false);
  });

  it('outputs that overflow float32 are an error naming the sample, not class -1', async () => {
    const w = weights('ones.safetensors', 1);
    // Sample 1: each hidden unit is 2e38 (finite), each logit 16 × 2e38 (not).
    const points = file('huge.csv', 'x1,x2\n1,2\n1e38,1e38\n');
    const out = join(dir, 'huge-preds.csv');
    const r = await dlc(['predict', 'samples/blobs.dl', '--weights', w, '--data', points, '--out', out], { env: ENV });
    expect(r.stderr).toBe(`dlc: ${points}: sample 1: output 'logits' value 0: Infinity is not a finite number (the weights or the inputs overflow float32); no predictions written\n`);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
    // The same weights on finite outputs still predict.
    const fine = await dlc(['predict', 'samples/blobs.dl', '--weights', w, '--data', file('fine.csv', 'x1,x2\n1,2\n'), '--out', out], { env: ENV });
    expect(fine.stderr).toBe('');
    expect(readFileSync(out, 'utf8').split('\n')[1]).toBe('0,0.333333,0.333333,0.333333');
  });
});
