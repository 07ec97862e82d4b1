// Safetensors files on disk (the atomic write itself is tested in write-node.test.ts).
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSafetensors, saveSafetensors } from '../../runtime/checkpoint-node.ts';
import { SafetensorsError } from '../../runtime/safetensors.ts';

const dir = mkdtempSync(join(tmpdir(), 'dlc-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
