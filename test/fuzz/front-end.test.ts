// The front-end fuzzer in CI: 2,000 seeded inputs (mutated samples and generated programs) each end
// in an artifact or diagnostics, with no exception, internal error or slow compile, and every
// distinct kernel passes Dawn's WGSL validation. (`npm run fuzz` runs 100,000.)
import { describe, expect, it } from 'vitest';
import { dawnValidator, fuzz } from '../../scripts/fuzz-engine.ts';
import { useDevice } from '../helpers/gpu.ts';

describe('front-end fuzzer', () => {
  const device = useDevice('gles');
  it('the validator rejects invalid WGSL (so the fuzzer can fail)', async (t) => {
    const h = device();
    if (!h) return t.skip();
    const validate = dawnValidator(h.device);
    expect(await validate('@compute @workgroup_size(1) fn main() { let x = 1u; }')).toBeNull();
    expect(await validate('@compute @workgroup_size(1) fn main() { let x = ; }')).toMatch(/missing initializer/);
  });
  it('shards split a run: together they compile exactly the inputs of the whole run', async () => {
    const whole = await fuzz({ seed: 3, count: 60 });
    const parts = await Promise.all([0, 1, 2].map((index) => fuzz({ seed: 3, count: 60, shard: { index, count: 3 } })));
    expect(parts.map((p) => p.inputs)).toEqual([20, 20, 20]);
    const sum = (f: (r: typeof whole) => number): number => parts.reduce((a, p) => a + f(p), 0);
    expect([sum((p) => p.compiled), sum((p) => p.rejected)]).toEqual([whole.compiled, whole.rejected]);
  }, 60_000);
  it('2,000 inputs from seed 1: no failures', async (t) => {
    const h = device();
    if (!h) return t.skip();
    const report = await fuzz({ seed: 1, count: 2000, validate: dawnValidator(h.device) });
    expect(report.failures.map((f) => `${f.problem}\n--- input:\n${f.input}`).slice(0, 3)).toEqual([]);
    expect(report.inputs).toBe(2000);
    // Both outcomes occur, and compiled programs reach codegen (kernels were validated).
    expect(report.compiled).toBeGreaterThan(100);
    expect(report.rejected).toBeGreaterThan(100);
    expect(report.shadersChecked).toBeGreaterThan(50);
  }, 180_000);
});
