// npm run bench runs (quick, dlc variants only, so CI stays fast and independent of the peers):
// it prints its table and writes JSON with positive figures for every workload, and every variant trains identically.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../helpers/cli.ts';

describe('npm run bench', () => {
  it('--quick --only dlc: a table, a JSON file, and the same losses (MLP, CNN, LSTM) with fusion and planning on or off', async () => {
    const json = join(mkdtempSync(join(tmpdir(), 'dlc-bench-')), 'bench.json');
    const r = await run('npm', ['run', '--silent', 'bench', '--', '--quick', '--only', 'dlc', '--json', json], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('dlc / peer:');
    const out = JSON.parse(readFileSync(json, 'utf8')) as { rows: { peer: string; matmulGflops: Record<string, number>; mlpSamplesPerSec: number; cnnSamplesPerSec: number; lstmSamplesPerSec: number; mlpLoss: number[]; cnnLoss: number[]; lstmLoss: number[]; errors: string[] }[] };
    expect(out.rows.map((x) => x.peer)).toEqual(['dlc', 'dlc (no fusion)', 'dlc (no planning)', 'dlc (neither)']);
    for (const row of out.rows) {
      expect(row.errors).toEqual([]);
      expect(row.matmulGflops['256']).toBeGreaterThan(0);
      expect(row.mlpSamplesPerSec).toBeGreaterThan(0);
      expect(row.cnnSamplesPerSec).toBeGreaterThan(0);
      expect(row.lstmSamplesPerSec).toBeGreaterThan(0);
      expect(row.mlpLoss[1]!).toBeLessThan(row.mlpLoss[0]!);
      for (const [k, v] of row.mlpLoss.entries()) expect(v).toBeCloseTo(out.rows[0]!.mlpLoss[k]!, 5);
      for (const [k, v] of row.cnnLoss.entries()) expect(v).toBeCloseTo(out.rows[0]!.cnnLoss[k]!, 5);
      expect(row.lstmLoss).toHaveLength(2);
      for (const [k, v] of row.lstmLoss.entries()) expect(v).toBeCloseTo(out.rows[0]!.lstmLoss[k]!, 5);
    }
  }, 300_000);
});
