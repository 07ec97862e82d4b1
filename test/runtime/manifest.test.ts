// Manifests from outside are untrusted: each field is checked before any GPU object exists, and
// every problem is named by its path. A mutation loop proves nothing but ManifestError escapes.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { ManifestError, validateManifest } from '../../runtime/manifest-check.ts';
import { Rng } from '../../runtime/random.ts';
import { ROOT } from '../helpers/cli.ts';

const SAMPLES = readdirSync(join(ROOT, 'samples')).filter((f) => f.endsWith('.dl'));
const manifestOf = (f: string) => JSON.parse(JSON.stringify(compile(readFileSync(join(ROOT, 'samples', f), 'utf8')).artifact!.manifest)) as Record<string, any>;
const message = (m: unknown): string => {
  try {
    validateManifest(m, 'm.json');
  } catch (e) {
    expect(e).toBeInstanceOf(ManifestError);
    return (e as Error).message;
  }
  return 'valid';
};

describe('manifest validation', () => {
  it('accepts every sample manifest', () => {
    for (const f of SAMPLES) expect(message(manifestOf(f)), f).toBe('valid');
  });
  it('names the field and the problem', () => {
    const m = manifestOf('mnist_mlp.dl');
    expect(message({ ...m, version: 1 })).toBe('m.json: version: 1 is not supported; this runtime reads version 2 (recompile with dlc compile)');
    expect(message({ ...m, format: 'onnx' })).toBe(`m.json: format: is "onnx", not 'dlc-artifact': not a dlc artifact`);
    expect(message([1, 2])).toBe('m.json: (top): not a JSON object');
    const k = structuredClone(m);
    k.kernels[3].bindings[1].buffer = 999;
    expect(message(k)).toBe(`m.json: kernels[3].bindings[1].buffer: 999 is not a buffer index (${m.buffers.length} buffers)`);
    const w = structuredClone(m);
    w.kernels[0].workgroups = [0, 1, 1];
    expect(message(w)).toBe('m.json: kernels[0].workgroups[0]: 0 is not an integer in [1, 65535]');
    const o = structuredClone(m);
    o.params[0].offset = m.buffers[o.params[0].buffer].size;
    expect(message(o)).toMatch(/^m\.json: params\[0\]: bytes \d+\.\.\d+ run past buffer \d+ \(\d+ bytes\)$/);
    const p = structuredClone(m);
    p.programs.train_step.kernels.push(m.kernels.length);
    expect(message(p)).toBe(`m.json: programs.train_step.kernels[${m.programs.train_step.kernels.length}]: ${m.kernels.length} is not an integer in [0, ${m.kernels.length - 1}]`);
    const big = structuredClone(m);
    big.buffers[1].size = 2 ** 40;
    expect(message(big)).toBe('m.json: buffers[1].size: 1099511627776 is not an integer in [4, 2147483648]');
  });
  it('2,000 random corruptions: valid or a ManifestError, never another exception', () => {
    const base = manifestOf('mnist_cnn.dl');
    const rng = new Rng(5);
    let rejected = 0;
    for (let n = 0; n < 2000; n++) {
      const m = structuredClone(base);
      // Walk to a random leaf and replace it (or delete the key).
      let node: any = m;
      let key: string | number = 'kernels';
      for (let depth = 0; depth < 6; depth++) {
        const keys = Array.isArray(node) ? node.map((_: unknown, i: number) => i) : Object.keys(node);
        if (!keys.length) break;
        key = keys[Math.floor(rng.next() * keys.length)];
        if (typeof node[key] !== 'object' || node[key] === null || rng.next() < 0.2) break;
        node = node[key];
      }
      const choices = [undefined, null, -1, 0, 1.5, 2 ** 53, 'x', [], {}, 1e308, -0];
      const v = choices[Math.floor(rng.next() * choices.length)];
      if (v === undefined && !Array.isArray(node)) delete node[key];
      else node[key] = v;
      const r = message(m);
      if (r !== 'valid') rejected++;
    }
    expect(rejected).toBeGreaterThan(1000);
  });
});
