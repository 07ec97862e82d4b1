// The seeded PRNG: reproducible, in range, and roughly the right distributions.
import { describe, it, expect } from 'vitest';
import { Rng } from '../../runtime/random.ts';

describe('Rng', () => {
  it('repeats its sequence for the same seed and differs for another', () => {
    const a = new Rng(42), b = new Rng(42), c = new Rng(43);
    const sa = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(sa);
  });

  it('gives uniforms in [0, 1), ints in [0, n), and standard normals', () => {
    const r = new Rng(1);
    let sum = 0, sq = 0;
    const counts = new Array<number>(7).fill(0);
    for (let i = 0; i < 20000; i++) {
      const u = r.next();
      expect(u >= 0 && u < 1).toBe(true);
      counts[r.int(7)]++;
      const z = r.normal();
      sum += z;
      sq += z * z;
    }
    for (const n of counts) expect(Math.abs(n / 20000 - 1 / 7)).toBeLessThan(0.01);
    expect(Math.abs(sum / 20000)).toBeLessThan(0.03);
    expect(Math.abs(sq / 20000 - 1)).toBeLessThan(0.05);
    expect(() => r.int(0)).toThrow(RangeError);
  });

  it('shuffles in place into a permutation', () => {
    const xs = Array.from({ length: 50 }, (_, i) => i);
    new Rng(7).shuffle(xs);
    expect([...xs].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(xs).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
