// Checkpoints survive what happens to the writer: a process killed mid-write leaves the previous
// checkpoint loadable, and two writers racing on one file leave one whole checkpoint, never a mix.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSafetensors, saveSafetensors } from '../../runtime/checkpoint-node.ts';
import { ROOT } from '../helpers/cli.ts';

const writer = (path: string, tag: number, count: number) =>
  spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/helpers/write-checkpoints.ts'), path, String(tag), String(count)], { cwd: ROOT });

/** The checkpoint at `path` loads, and is one writer's whole file: every value equals its metadata. */
async function whole(path: string): Promise<number> {
  const { tensors, metadata } = await loadSafetensors(path);
  const v = Number(metadata.value);
  const data = tensors.get('w')!.data;
  expect(data.length).toBe(1 << 20);
  expect(data.every((x) => x === v)).toBe(true);
  return v;
}

describe('checkpoint writes', () => {
  it('a writer killed (SIGKILL) in the middle of writing leaves a whole, loadable checkpoint, five times over', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'dlc-crash-')), 'checkpoint.safetensors');
    await saveSafetensors(path, [{ name: 'w', dtype: 'F32', shape: [1 << 20], data: new Float32Array(1 << 20).fill(-1) }], { value: '-1' });
    const seen = new Set<number>();
    for (let round = 0; round < 5; round++) {
      const child = writer(path, round + 1, 1000);
      // Kill after a few writes have started, at a moment that varies from round to round.
      await new Promise<void>((resolve) => {
        let lines = 0;
        child.stdout.on('data', (d: Buffer) => {
          lines += d.toString().split('\n').length - 1;
          if (lines >= 3 + round) setTimeout(() => { child.kill('SIGKILL'); resolve(); }, 3 * round);
        });
      });
      await new Promise((r) => child.on('exit', r));
      seen.add(await whole(path));
    }
    expect(seen.size).toBeGreaterThan(1); // the kills landed after real writes
  }, 120_000);

  it('two writers racing on one file leave one of their whole checkpoints', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'dlc-race-')), 'checkpoint.safetensors');
    const a = writer(path, 1, 15);
    const b = writer(path, 2, 15);
    await Promise.all([a, b].map((c) => new Promise((r) => c.on('exit', r))));
    expect([1014, 2014]).toContain(await whole(path));
  }, 120_000);
});
