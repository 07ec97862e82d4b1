// README's runtime API example runs as printed and learns.
import { existsSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run } from '../helpers/cli.ts';

describe('samples/api_example.ts', () => {
  it('trains two epochs from TypeScript (async iterator, validation, schedule, checkpoints) and reports held-out accuracy above 85%', async () => {
    rmSync('/tmp/mlp.checkpoint.safetensors', { force: true });
    const r = await run(process.execPath, ['--import', 'tsx', 'samples/api_example.ts'], { timeoutMs: 180_000 });
    expect(r.code, r.stderr).toBe(0);
    const m = /held-out accuracy ([\d.]+)%/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(85);
    // The async iterator gave one line per epoch with validation accuracy and the cosine schedule's rate.
    const lrs = [...r.stdout.matchAll(/^epoch \d: loss [\d.]+, accuracy [\d.]+%, val_accuracy [\d.]+%, lr ([\d.e-]+)$/gm)].map((x) => Number(x[1]));
    expect(lrs).toHaveLength(2);
    expect(lrs[1]).toBeCloseTo(1e-4, 8);
    expect(lrs[0]!).toBeGreaterThan(lrs[1]!);
    expect(existsSync('/tmp/mlp.checkpoint.safetensors')).toBe(true);
  }, 180_000);
});
