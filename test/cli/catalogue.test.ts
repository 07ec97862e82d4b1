// The catalogue of issue 20 through the dlc command: `dlc check` lists each new layer with every
// input it joins and the new loss, and `dlc viz` draws the merges' edges.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dlc } from '../helpers/cli.ts';

const SOURCE = `model m {
  input x: f32[2, 5, 7]
  input t: f32[5]
  a = x -> conv2d(3, kernel: 3, padding: same, init: lecun_normal)
  b = x -> zero_padding2d([[1, 1], [0, 0]]) -> conv2d(3, kernel: 3, padding: [0, 1], init: lecun_uniform)
  cat = concat(a, b, x)
  g = maximum(a, b, average(a, b)) -> global_maxpool
  h = concat(g, cat -> reshape([-1]) -> dense(4), axis: 1)
  p = h -> dense(5) -> softmax
  output p
}
train m { loss = kl_divergence(p, t); optimizer = sgd(lr: 0.5); batch = 3 }
`;

describe('the catalogue in dlc check and dlc viz', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dlc-catalogue-'));
  const file = join(dir, 'net.dl');
  writeFileSync(file, SOURCE);

  it('dlc check lists the new layers, each merge with all its inputs, and the loss', async () => {
    const r = await dlc(['check', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/zero_padding2d_1 \(zero_padding2d\)\s+\(batch, 2, 7, 7\)\s+0\s+x\n/);
    expect(r.stdout).toMatch(/concat_1 \(concat\)\s+cat\s+\(batch, 8, 5, 7\)\s+0\s+conv2d_1, conv2d_2, x\n/);
    expect(r.stdout).toMatch(/maximum_1 \(maximum\)\s+\(batch, 3, 5, 7\)\s+0\s+conv2d_1, conv2d_2, average_1\n/);
    expect(r.stdout).toMatch(/global_maxpool_1 \(global_maxpool\)\s+g\s+\(batch, 3\)\s+0\s+maximum_1\n/);
    expect(r.stdout).toMatch(/reshape_1 \(reshape\)\s+\(batch, 280\)/);
    expect(r.stdout).toMatch(/loss\s+kl_divergence\(p, t\)/);
  });

  it('dlc viz draws an edge from each input of a merge', async () => {
    const out = join(dir, 'net.dot');
    const r = await dlc(['viz', file, '-o', out]);
    expect(r.code).toBe(0);
    const dot = readFileSync(out, 'utf8');
    const id = (name: string): string => new RegExp(`(n\\d+) \\[label="${name}\\b`).exec(dot)![1]!;
    const into = (name: string): number => dot.split('\n').filter((l) => new RegExp(`-> ${id(name)} `).test(l)).length;
    expect(into('concat_1')).toBe(3);
    expect(into('maximum_1')).toBe(3);
    expect(into('average_1')).toBe(2);
  });
});
