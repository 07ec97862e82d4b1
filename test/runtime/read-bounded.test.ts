// Reading untrusted files in bounded time and memory: only regular files, only up to a limit,
// refused before a byte is read (a FIFO would block forever, /dev/zero never ends).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckpointError, loadSafetensors } from '../../runtime/checkpoint-node.ts';
import { DataError } from '../../runtime/data/data-error.ts';
import { readFileBounded } from '../../runtime/data/read-bounded-node.ts';
import { messageOf } from '../helpers/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'dlc-bounded-'));
const read = (path: string, limit = 1024) => readFileBounded(path, { what: 'data file', limit });
const err = (path: string, limit?: number): string => messageOf(() => read(path, limit), DataError);

describe('readFileBounded', () => {
  it('reads a regular file whole, and through a symbolic link', () => {
    const path = join(dir, 'ok.csv');
    writeFileSync(path, 'x1,x2\n1,2\n');
    expect(new TextDecoder().decode(read(path))).toBe('x1,x2\n1,2\n');
    symlinkSync(path, join(dir, 'link.csv'));
    expect(read(join(dir, 'link.csv')).length).toBe(10);
  });

  it('refuses a FIFO at once instead of waiting for a writer', () => {
    const fifo = join(dir, 'pipe.csv');
    execFileSync('mkfifo', [fifo]);
    const start = Date.now();
    expect(err(fifo)).toBe(`cannot read data file ${fifo}: it is a named pipe (FIFO), not a regular file`);
    expect(Date.now() - start).toBeLessThan(1000);
  });

  it('refuses /dev/zero, also behind a link with a data file name', () => {
    expect(err('/dev/zero')).toBe('cannot read data file /dev/zero: it is a character device, not a regular file');
    const link = join(dir, 'zero.npy');
    symlinkSync('/dev/zero', link);
    expect(err(link)).toBe(`cannot read data file ${link}: it is a character device, not a regular file`);
  });

  it('refuses a directory and a missing file', () => {
    const folder = join(dir, 'folder.csv');
    mkdirSync(folder);
    expect(err(folder)).toBe(`cannot read data file ${folder}: it is a directory`);
    expect(err(join(dir, 'nope.csv'))).toBe(`cannot read data file ${join(dir, 'nope.csv')}: no such file`);
  });

  describe('a socket', () => {
    let server: Server | undefined;
    afterAll(() => server?.close());
    it('is refused', async () => {
      const sock = join(dir, 'sock.csv');
      server = createServer();
      await new Promise<void>((done) => server!.listen(sock, done));
      expect(err(sock)).toBe(`cannot read data file ${sock}: it is a socket, not a regular file`);
    });
  });

  it('refuses a file above the limit from its size alone (a sparse 64 GiB file is not read)', () => {
    const big = join(dir, 'big.npy');
    writeFileSync(big, '');
    truncateSync(big, 2 ** 36);
    expect(err(big, 2 ** 30)).toBe(`cannot read data file ${big}: it holds 68719476736 bytes, more than dlc reads from such a file (1073741824)`);
    const edge = join(dir, 'edge.npy');
    writeFileSync(edge, new Uint8Array(1025));
    expect(err(edge, 1024)).toBe(`cannot read data file ${edge}: it holds 1025 bytes, more than dlc reads from such a file (1024)`);
    expect(read(edge, 1025).length).toBe(1025);
  });

  it('escapes control characters of the path in its messages', () => {
    const path = join(dir, 'a\x1b]0;title\x07.csv');
    expect(err(path)).toBe(`cannot read data file ${join(dir, 'a\\e]0;title\\x07.csv')}: no such file`);
  });
});

describe('loadSafetensors reads bounded too', () => {
  it('refuses a FIFO or /dev/zero as a checkpoint error', async () => {
    const fifo = join(dir, 'weights.safetensors');
    execFileSync('mkfifo', [fifo]);
    const e = await loadSafetensors(fifo).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CheckpointError);
    expect((e as Error).message).toBe(`cannot read ${fifo}: it is a named pipe (FIFO), not a regular file`);
    await expect(loadSafetensors('/dev/zero')).rejects.toThrow('cannot read /dev/zero: it is a character device, not a regular file');
  });
});
