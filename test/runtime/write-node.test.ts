// writeFileSafely and makeFolder: what they refuse to replace, what a failed write leaves (the old
// bytes, no temporary file), and the messages, which name the user's path and the reason in words.
import { spawnSync } from 'node:child_process';
import { linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { printable } from '../../dsl/printable.ts';
import { checkOutputPath, makeFolder, writeFileSafely, WriteError, type WriteFs } from '../../runtime/write-node.ts';

const root = mkdtempSync(join(tmpdir(), 'dlc-write-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = (): string => {
  const d = join(root, `d${n++}`);
  mkdirSync(d);
  return d;
};

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: simulated, open '/somewhere/x.tmp-1-000000000000'`), { code });
const failing = (message: string) => expect.objectContaining({ name: 'WriteError', message });
const temps = (dir: string): string[] => readdirSync(dir).filter((f) => f.includes('.tmp-'));

describe('writeFileSafely', () => {
  it('creates, then replaces, the file and leaves no temporary file', async () => {
    const dir = freshDir();
    const path = join(dir, 'a.bin');
    await writeFileSafely(path, new Uint8Array([1, 2, 3]));
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
    await writeFileSafely(path, 'x');
    expect(readFileSync(path, 'utf8')).toBe('x');
    expect(readdirSync(dir)).toEqual(['a.bin']);
  });

  it('keeps the mode of the file it replaces', async () => {
    const path = join(freshDir(), 'private.csv');
    writeFileSync(path, 'old', { mode: 0o600 });
    await writeFileSafely(path, 'new');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('a disk that fills up mid-write: "no space left on device", the old bytes, no temporary file', async () => {
    const dir = freshDir();
    const path = join(dir, 'weights.safetensors');
    writeFileSync(path, 'old weights');
    // The temporary file gets half the bytes, then the disk is full.
    const writeNew: WriteFs['writeNew'] = async (p, data) => {
      await writeFile(p, data.subarray(0, data.length >> 1), { flag: 'wx' });
      throw errno('ENOSPC');
    };
    await expect(writeFileSafely(path, new Uint8Array(1000), { fs: { writeNew } })).rejects.toEqual(failing(`cannot write ${path}: no space left on device`));
    expect(readFileSync(path, 'utf8')).toBe('old weights');
    expect(temps(dir)).toEqual([]);
  });

  it('a rename that fails: the old bytes, no temporary file, the message names the file and not the temporary', async () => {
    const dir = freshDir();
    const path = join(dir, 'history.json');
    writeFileSync(path, '[]');
    const err = await writeFileSafely(path, '[1]', { fs: { rename: async () => { throw errno('EIO'); } } }).catch((e: unknown) => e);
    expect(err).toEqual(failing(`cannot write ${path}: input/output error`));
    expect(readFileSync(path, 'utf8')).toBe('[]');
    expect(temps(dir)).toEqual([]);
  });

  it('maps each errno code to words naming the user\'s path', async () => {
    const path = join(freshDir(), 'out.csv');
    const cases: [string, string][] = [
      ['EROFS', 'read-only file system'], ['EACCES', 'permission denied'], ['EPERM', 'permission denied'], ['EDQUOT', 'disk quota exceeded'],
      ['ENOTDIR', 'a file is in the way of a folder on its path'], ['EISDIR', 'it is a folder'], ['ENAMETOOLONG', 'the name is too long'],
      ['EWHATEVER', 'EWHATEVER: simulated'],
    ];
    for (const [code, words] of cases) {
      await expect(writeFileSafely(path, 'x', { fs: { writeNew: async () => { throw errno(code); } } })).rejects.toEqual(failing(`cannot write ${path}: ${words}`));
    }
  });

  it('real failures: a name too long, a file in the way of the folder, a missing folder', async () => {
    const dir = freshDir();
    const long = join(dir, `${'n'.repeat(300)}.csv`);
    await expect(writeFileSafely(long, 'x')).rejects.toEqual(failing(`cannot write ${printable(long)}: the name is too long`));
    writeFileSync(join(dir, 'file'), 'keep');
    await expect(writeFileSafely(join(dir, 'file', 'x.csv'), 'x')).rejects.toEqual(failing(`cannot write ${dir}/file/x.csv: a file is in the way of a folder on its path`));
    await expect(writeFileSafely(join(dir, 'missing', 'x.csv'), 'x')).rejects.toEqual(failing(`cannot write ${dir}/missing/x.csv: its folder ${dir}/missing does not exist`));
    expect(readFileSync(join(dir, 'file'), 'utf8')).toBe('keep');
  });

  it('shows a hostile file name escaped, never raw', async () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'x\x1b[2J.csv'));
    await expect(writeFileSafely(join(dir, 'x\x1b[2J.csv'), 'x')).rejects.toEqual(failing(`cannot write ${dir}/x\\e[2J.csv: it is a folder; dlc replaces only regular files`));
  });

  it('a name near the file system\'s limit still gets a temporary name it can create', async () => {
    const path = join(freshDir(), `${'n'.repeat(250)}.csv`);
    await writeFileSafely(path, 'x');
    expect(readFileSync(path, 'utf8')).toBe('x');
  });

  it('refuses to replace a symbolic link, a folder, a named pipe or a socket, and leaves each as it was', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'target.dot'), 'mine');
    symlinkSync('target.dot', join(dir, 'link.dot'));
    symlinkSync('nowhere.dot', join(dir, 'dangling.dot'));
    mkdirSync(join(dir, 'folder.dot'));
    expect(spawnSync('mkfifo', [join(dir, 'pipe.dot')]).status).toBe(0);
    const socket = createServer().listen(join(dir, 'socket.dot'));
    await new Promise((r) => socket.once('listening', r));
    try {
      for (const [name, kind] of [['link.dot', 'a symbolic link'], ['dangling.dot', 'a symbolic link'], ['folder.dot', 'a folder'], ['pipe.dot', 'a named pipe (FIFO)'], ['socket.dot', 'a socket']]) {
        await expect(writeFileSafely(join(dir, name!), 'new')).rejects.toEqual(failing(`cannot write ${dir}/${name}: it is ${kind}; dlc replaces only regular files`));
      }
      expect(lstatSync(join(dir, 'link.dot')).isSymbolicLink()).toBe(true);
      expect(lstatSync(join(dir, 'dangling.dot')).isSymbolicLink()).toBe(true);
      expect(lstatSync(join(dir, 'folder.dot')).isDirectory()).toBe(true);
      expect(lstatSync(join(dir, 'pipe.dot')).isFIFO()).toBe(true);
      expect(lstatSync(join(dir, 'socket.dot')).isSocket()).toBe(true);
      expect(readFileSync(join(dir, 'target.dot'), 'utf8')).toBe('mine');
      expect(temps(dir)).toEqual([]);
    } finally {
      socket.close();
    }
  });

  it('writes a character device in place: it stays a device (a private /dev/null as root, else /dev/null itself)', async () => {
    let device = '/dev/null';
    if (process.getuid?.() === 0) {
      device = join(freshDir(), 'null');
      expect(spawnSync('mknod', [device, 'c', '1', '3']).status).toBe(0);
    }
    await writeFileSafely(device, 'discarded');
    expect(lstatSync(device).isCharacterDevice()).toBe(true);
    expect(statSync(device).rdev).toBe(statSync('/dev/null').rdev);
  });

  it('a full device says so: /dev/full gives "no space left on device"', async () => {
    await expect(writeFileSafely('/dev/full', 'x')).rejects.toEqual(failing('cannot write /dev/full: no space left on device'));
  });

  it('refuses to write over one of the command\'s inputs, by the same name, a hard link or a link to it', async () => {
    const dir = freshDir();
    const data = join(dir, 'data.csv');
    writeFileSync(data, 'x,y\n1,2\n');
    linkSync(data, join(dir, 'hard.csv'));
    symlinkSync(data, join(dir, 'alias.csv'));
    const inputs = [{ path: join(dir, 'alias.csv'), role: 'the --data file' }];
    for (const out of [data, join(dir, 'hard.csv')]) {
      await expect(writeFileSafely(out, 'preds', { inputs })).rejects.toEqual(failing(`cannot write ${out}: it is the --data file ${dir}/alias.csv, which this command reads; choose another output`));
      await expect(checkOutputPath(out, { inputs })).rejects.toBeInstanceOf(WriteError);
    }
    expect(readFileSync(data, 'utf8')).toBe('x,y\n1,2\n');
    await checkOutputPath(join(dir, 'preds.csv'), { inputs });
  });

  it('removes temporary files that killed writers left, and nothing else', async () => {
    const dir = freshDir();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const hourAgo = new Date(Date.now() - 3600_000);
    const files = {
      stale: `history.json.tmp-${dead}-0123456789ab`, // its writer is gone
      recent: `history.csv.tmp-${dead}-0123456789ac`, // gone too, but written a moment ago (another PID namespace?)
      live: `history.svg.tmp-${process.pid}-0123456789ad`, // its writer is alive
      user: 'notes.tmp-1', // not our pattern
    };
    for (const f of Object.values(files)) writeFileSync(join(dir, f), 'x');
    for (const f of [files.stale, files.live, files.user]) utimesSync(join(dir, f), hourAgo, hourAgo);
    await writeFileSafely(join(dir, 'weights.safetensors'), 'w');
    expect(readdirSync(dir).sort()).toEqual([files.recent, files.live, files.user, 'weights.safetensors'].sort());
  });
});

describe('makeFolder', () => {
  it('creates missing parents, reports whether it created the folder, and names a file in the way', async () => {
    const dir = freshDir();
    expect(await makeFolder(join(dir, 'a', 'b'))).toBe(true);
    expect(await makeFolder(join(dir, 'a', 'b'))).toBe(false);
    writeFileSync(join(dir, 'f'), 'keep');
    await expect(makeFolder(join(dir, 'f'))).rejects.toEqual(failing(`cannot create the output folder ${dir}/f: a file is in the way`));
    await expect(makeFolder(join(dir, 'f', 'g'))).rejects.toEqual(failing(`cannot create the output folder ${dir}/f/g: a file is in the way`));
  });

  it('a read-only disk is reported as read-only, not as a missing folder', async () => {
    const dir = freshDir();
    // A read-only file system: mkdir says ENOENT while the parent is missing, then EROFS.
    const mkdir: WriteFs['mkdir'] = async (p) => {
      throw errno(p === join(dir, 'ro') ? 'EROFS' : 'ENOENT');
    };
    await expect(makeFolder(join(dir, 'ro', 'a', 'b'), { fs: { mkdir } })).rejects.toEqual(failing(`cannot create the output folder ${dir}/ro/a/b: read-only file system`));
  });

  it.skipIf(process.platform !== 'linux')('/proc (mkdir answers ENOENT under an existing folder) fails at once instead of looping', async () => {
    const started = Date.now();
    await expect(makeFolder('/proc/dlc-out/run')).rejects.toEqual(failing('cannot create the output folder /proc/dlc-out/run: the folder /proc does not accept new folders'));
    await expect(writeFileSafely('/proc/dlc-out.csv', 'x')).rejects.toEqual(failing('cannot write /proc/dlc-out.csv: the folder /proc does not accept new files'));
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
