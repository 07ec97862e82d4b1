// Atomic checkpoint writes and safetensors files on disk.
import { describe, it, expect, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError, loadSafetensors, saveSafetensors, writeFileAtomic } from '../../runtime/checkpoint-node.ts';
import { SafetensorsError } from '../../runtime/safetensors.ts';

const dir = mkdtempSync(join(tmpdir(), 'dlc-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('creates, then replaces, the file and leaves no temporary file', async () => {
    const path = join(dir, 'a.bin');
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
    await writeFileAtomic(path, new Uint8Array([9]));
    expect([...readFileSync(path)]).toEqual([9]);
    expect(readdirSync(dir).filter((f) => f.startsWith('a.bin'))).toEqual(['a.bin']);
  });

  it('removes the temporary file and keeps the old content when the rename fails', async () => {
    // Renaming a file over a non-empty directory fails after the temp file was written.
    const target = join(dir, 'occupied');
    mkdirSync(join(target, 'inner'), { recursive: true });
    await expect(writeFileAtomic(target, new Uint8Array([1]))).rejects.toThrow(CheckpointError);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(readdirSync(target)).toEqual(['inner']);
  });

  it('fails with the path when the directory does not exist', async () => {
    const path = join(dir, 'missing-dir', 'x.bin');
    await expect(writeFileAtomic(path, new Uint8Array([1]))).rejects.toThrow(`cannot write ${path}:`);
  });
});

describe('saveSafetensors / loadSafetensors', () => {
  it('round-trips through a file', async () => {
    const path = join(dir, 'model.safetensors');
    const w = new Float32Array([0.5, -1.5, 2]);
    await saveSafetensors(path, [{ name: 'w', dtype: 'F32', shape: [3], data: w }], { epoch: '1' });
    const { tensors, metadata } = await loadSafetensors(path);
    expect(metadata).toEqual({ epoch: '1' });
    expect(tensors.get('w')!.data).toEqual(w);
  });

  it('names the path of a missing checkpoint', async () => {
    const path = join(dir, 'nope.safetensors');
    await expect(loadSafetensors(path)).rejects.toThrow(`cannot read ${path}: no such file`);
  });

  it('names the path of a malformed checkpoint', async () => {
    const path = join(dir, 'bad.safetensors');
    writeFileSync(path, new Uint8Array(3));
    const err = await loadSafetensors(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SafetensorsError);
    expect((err as Error).message).toBe(`${path}: truncated file: 3 bytes, shorter than the 8-byte header length`);
  });
});
