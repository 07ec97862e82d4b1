// dlc on artifact folders and checkpoints that were tampered with: one line naming the file and the
// problem, exit 1, no stack trace, nothing of a linked-to file quoted.
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { writeArtifact } from '../../cli/artifact-io.ts';
import { loadSafetensors, saveSafetensors } from '../../runtime/checkpoint-node.ts';
import { dlc, ROOT } from '../helpers/cli.ts';
import { withKernelPrologue } from '../helpers/hostile-kernel.ts';

const blobs = compile(readFileSync(join(ROOT, 'samples/blobs.dl'), 'utf8'), { file: 'samples/blobs.dl' }).artifact!;
const kernel = blobs.manifest.kernels[0]!.shader;
const data = join(ROOT, 'samples/blobs.csv');

describe('dlc train on a tampered artifact folder', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dlc-tamper-'));
  });
  const fresh = async (name: string): Promise<string> => {
    const art = join(dir, name);
    await writeArtifact(art, blobs);
    return art;
  };

  it('a kernel edited after compiling', async () => {
    const art = await fresh('edited');
    writeFileSync(join(art, 'kernels', kernel), `${readFileSync(join(art, 'kernels', kernel), 'utf8')}// x\n`);
    const r = await dlc(['train', art, '--data', data, '--epochs', '1', '-o', join(dir, 'out-edited')]);
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: `dlc: ${art}/kernels/${kernel} does not match the manifest's sha256; the artifact was modified after compiling (recompile it with dlc compile)\n` });
  });

  it('a kernel that passes its hash but not the WGSL compiler ends the compiling line before the error', async () => {
    const art = join(dir, 'invalid-wgsl');
    await writeArtifact(art, withKernelPrologue(blobs, 0, () => 'let x: u32 = 1.5;'));
    const r = await dlc(['train', art, '--data', data, '--epochs', '1', '-o', join(dir, 'out-invalid')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/\ncompiling \d+ kernels… failed\n$/);
    expect(r.stderr).toMatch(new RegExp(`^dlc: kernel '[^']+' of ${art.replace(/[.]/g, '\\.')} \\(compiled from samples/blobs\\.dl:\\d+:\\d+\\) does not compile: `));
  });

  it('a kernel that links to /etc/passwd', async () => {
    const art = await fresh('linked');
    rmSync(join(art, 'kernels', kernel));
    symlinkSync('/etc/passwd', join(art, 'kernels', kernel));
    const r = await dlc(['train', art, '--data', data, '--epochs', '1', '-o', join(dir, 'out-linked')]);
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: `dlc: ${art}/kernels/${kernel} leads outside the artifact folder (to /etc/passwd); an artifact's files must be inside it\n` });
  });

  it('a batch of 2^24 with buffers for 32 samples', async () => {
    const art = await fresh('batch');
    const m = JSON.parse(readFileSync(join(art, 'manifest.json'), 'utf8'));
    writeFileSync(join(art, 'manifest.json'), JSON.stringify({ ...m, batch: 2 ** 24 }));
    const r = await dlc(['train', art, '--data', data, '--epochs', '1', '-o', join(dir, 'out-batch')]);
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: `dlc: ${art}/manifest.json: batch: 16777216 samples do not fit inputs[0] (shape [32, 2]: 32 samples of 2 values)\n` });
  });
});

describe('dlc train --resume from a checkpoint with a step of 1e300', () => {
  it('names the file and the field', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'dlc-step-')), 'run');
    expect((await dlc(['train', 'samples/blobs.dl', '--data', data, '--epochs', '1', '-o', out])).code).toBe(0);
    const path = join(out, 'checkpoint.safetensors');
    const { tensors, metadata } = await loadSafetensors(path);
    await saveSafetensors(path, [...tensors].map(([name, t]) => ({ name, ...t })), { ...metadata, step: '1e300' });
    const r = await dlc(['train', 'samples/blobs.dl', '--data', data, '--epochs', '2', '-o', out, '--resume']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`dlc: ${path}: metadata 'step' is "1e300", expected an integer in [0, 4294967295]\n`);
  });
});
