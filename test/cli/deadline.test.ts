// A hostile artifact whose kernel loops forever (with a valid SHA-256, so it passes every check) must
// not hang dlc: the step or batch is reported, the process ends with exit code 1, on both adapters.
// The CLI runs in its own process group, killed outright if it outlives the test's safety net.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { writeArtifact } from '../../cli/artifact-io.ts';
import { loadSafetensors } from '../../runtime/checkpoint-node.ts';
import { DLC, ROOT, type CliRun } from '../helpers/cli.ts';
import { withEndlessLoop } from '../helpers/hostile-kernel.ts';

/** The safety net: far beyond the deadlines below plus start-up on a loaded machine. */
const HARD_KILL_MS = 150_000;

/** Runs dlc in a new process group; past HARD_KILL_MS the whole group is killed (SIGKILL) and code is null. */
function dlcGroup(args: string[]): Promise<CliRun & { seconds: number }> {
  const began = performance.now();
  const child = spawn(process.execPath, [DLC, ...args], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const net = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), HARD_KILL_MS);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(net);
      // Whatever the outcome, nothing of the group may stay behind spinning on the CPU.
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* the group is gone */ }
      const dawn = (l: string) => !l.startsWith('Warning: maxDynamic');
      resolve({ code, stdout, stderr: stderr.split('\n').filter(dawn).join('\n'), seconds: (performance.now() - began) / 1000 });
    });
  });
}

const blobs = compile(readFileSync(join(ROOT, 'samples/blobs.dl'), 'utf8'), { file: 'samples/blobs.dl' }).artifact!;
const adam = blobs.manifest.kernels.findIndex((k) => k.name.startsWith('adam'));
const forward = blobs.manifest.programs.forward.kernels[0]!;
const data = join(ROOT, 'samples/blobs.csv');

describe('dlc on an artifact whose kernel never ends', () => {
  let dir: string;
  let weights: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dlc-hang-'));
    // Adam loops from step 20 on: epoch 1 (18 steps of 32) trains normally and is checkpointed first.
    await writeArtifact(join(dir, 'late'), withEndlessLoop(blobs, adam, 'step_params.step >= 20u'));
    await writeArtifact(join(dir, 'forward'), withEndlessLoop(blobs, forward));
    await writeArtifact(join(dir, 'clean'), blobs);
    weights = join(dir, 'clean-run', 'weights.safetensors');
    const r = await dlcGroup(['train', join(dir, 'clean'), '--data', data, '--epochs', '1', '-o', join(dir, 'clean-run')]);
    expect(r.code, r.stderr).toBe(0);
  });

  for (const adapter of ['gles', 'vulkan']) {
    it(`${adapter}: train stops at the step that hangs, after the automatic deadline (10 s), and keeps the epoch-1 checkpoint`, async () => {
      const out = join(dir, `late-${adapter}`);
      const r = await dlcGroup(['train', join(dir, 'late'), '--data', data, '--epochs', '3', '-o', out, '--adapter', adapter]);
      expect(r.stderr).toBe('dlc: step 20 did not finish within 10 s; the GPU work was stopped (its process was ended: the driver could not cancel it); the last checkpoint is intact\n');
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('epoch 1/3');
      expect(r.seconds).toBeLessThan(HARD_KILL_MS / 1000);
      const { metadata } = await loadSafetensors(join(out, 'checkpoint.safetensors'));
      expect(metadata).toMatchObject({ kind: 'checkpoint', epoch: '1', step: '18' });
    });
  }

  it('vulkan: eval with --timeout 2 names the batch', async () => {
    const r = await dlcGroup(['eval', join(dir, 'forward'), '--weights', weights, '--data', data, '--timeout', '2', '--adapter', 'vulkan']);
    expect(r.stderr).toBe('dlc: eval batch 1 did not finish within 2 s; the GPU work was stopped (its process was ended: the driver could not cancel it)\n');
    expect(r.code).toBe(1);
  });

  it('gles: predict with --timeout 2 writes nothing', async () => {
    const preds = join(dir, 'preds.csv');
    const r = await dlcGroup(['predict', join(dir, 'forward'), '--weights', weights, '--data', data, '--out', preds, '--timeout', '2', '--adapter', 'gles']);
    expect(r.stderr).toBe(`dlc: predict batch 1 did not finish within 2 s; the GPU work was stopped (its process was ended: the driver could not cancel it); nothing was written to ${preds}\n`);
    expect(r.code).toBe(1);
    expect(existsSync(preds)).toBe(false);
  });

  it('refuses a --timeout that is not a positive number', async () => {
    const r = await dlcGroup(['eval', join(dir, 'clean'), '--weights', weights, '--data', data, '--timeout', '0']);
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: "dlc: --timeout must be a positive number of seconds, got '0'\n" });
  });
});
