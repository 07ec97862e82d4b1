// npm run bench runs (quick, dlc variants only, so CI stays fast and independent of the peers):
// it prints its table and writes JSON with positive figures for every workload in both synchronisation modes, and
// every variant trains identically in both.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../helpers/cli.ts';

describe('npm run bench', () => {
  it('--quick --only dlc: a table, a JSON file, both sync modes, and the same losses (MLP, CNN, LSTM) with fusion and planning on or off', async () => {
    const json = join(mkdtempSync(join(tmpdir(), 'dlc-bench-')), 'bench.json');
    const r = await run('npm', ['run', '--silent', 'bench', '--', '--quick', '--only', 'dlc', '--cold', 'no', '--json', json], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('dlc / peer: the median of the 1 per-round ratios (lowest–highest round):');
    expect(r.stdout).toContain('MLP sync/8 samples/s');
    expect(r.stdout).toContain('CNN sync/4 samples/s');
    // One round: each ratio's median, lowest and highest are the same number.
    expect(r.stdout).toMatch(/÷ dlc \(no fusion\)\s+(\d+\.\d\d)× \(\1–\1\)/);
    type Pair = [number, number];
    const out = JSON.parse(readFileSync(json, 'utf8')) as {
      sync: string;
      rows: { peer: string; matmulGflops: Record<string, number>; mlpSamplesPerSec: number; cnnSamplesPerSec: number; lstmSamplesPerSec: number; mlpLoss: Pair; cnnLoss: Pair; lstmLoss: Pair; errors: string[];
        mlpWindowSamplesPerSec: number; cnnWindowSamplesPerSec: number; lstmWindowSamplesPerSec: number; mlpWindowLoss: Pair; cnnWindowLoss: Pair; lstmWindowLoss: Pair; roundRates: Record<string, number[]> }[];
      ratios: Record<string, Record<string, number[]>>;
    };
    expect(out.sync).toBe('both');
    expect(Object.keys(out.ratios)).toEqual(['dlc (no fusion)', 'dlc (no planning)', 'dlc (neither)']);
    expect(out.ratios['dlc (neither)']!['LSTM sync/4 samples/s']).toHaveLength(1);
    expect(out.rows.map((x) => x.peer)).toEqual(['dlc', 'dlc (no fusion)', 'dlc (no planning)', 'dlc (neither)']);
    for (const row of out.rows) {
      expect(row.errors).toEqual([]);
      expect(row.matmulGflops['256']).toBeGreaterThan(0);
      expect(row.mlpSamplesPerSec).toBeGreaterThan(0);
      expect(row.cnnSamplesPerSec).toBeGreaterThan(0);
      expect(row.lstmSamplesPerSec).toBeGreaterThan(0);
      for (const t of ['mlp', 'cnn', 'lstm'] as const) {
        expect(row[`${t}WindowSamplesPerSec`]).toBeGreaterThan(0);
        // The window's loss is its last step's: every variant reaches the same one.
        for (const [k, v] of row[`${t}WindowLoss`].entries()) expect(v).toBeCloseTo(out.rows[0]![`${t}WindowLoss`][k]!, 5);
      }
      expect(row.roundRates['MLP samples/s']).toEqual([row.mlpSamplesPerSec]);
      expect(row.mlpLoss[1]!).toBeLessThan(row.mlpLoss[0]!);
      for (const [k, v] of row.mlpLoss.entries()) expect(v).toBeCloseTo(out.rows[0]!.mlpLoss[k]!, 5);
      for (const [k, v] of row.cnnLoss.entries()) expect(v).toBeCloseTo(out.rows[0]!.cnnLoss[k]!, 5);
      expect(row.lstmLoss).toHaveLength(2);
      for (const [k, v] of row.lstmLoss.entries()) expect(v).toBeCloseTo(out.rows[0]!.lstmLoss[k]!, 5);
    }
  }, 300_000);
  it('--cold only: the first step of the MLP in a fresh process, in the table and the JSON', async () => {
    const json = join(mkdtempSync(join(tmpdir(), 'dlc-bench-')), 'bench.json');
    const r = await run('npm', ['run', '--silent', 'bench', '--', '--only', 'dlc', '--workload', 'mlp', '--cold', 'only', '--json', json], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('cold first step (seconds from defining the model to its first loss on the host');
    expect(r.stdout).toMatch(/^dlc\s+\d+\.\d\d$/m);
    const out = JSON.parse(readFileSync(json, 'utf8')) as { rows: unknown[]; coldFirstStepSeconds: Record<string, Record<string, number>>; coldErrors: string[] };
    expect(out.rows).toEqual([]);
    expect(out.coldErrors).toEqual([]);
    expect(Object.keys(out.coldFirstStepSeconds)).toEqual(['dlc']);
    expect(out.coldFirstStepSeconds.dlc!.mlp).toBeGreaterThan(0);
  }, 300_000);
});
