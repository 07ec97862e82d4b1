// The one way dlc writes a file in Node: never replaces what it must not (links, folders, pipes, the
// command's own inputs), never leaves a torn file, and explains failures with the user's path.
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { printable } from '../dsl/printable.ts';

/** A file or folder could not be written; the message names the user's path, never a temporary one. */
export class WriteError extends Error {
  override name = 'WriteError';
}

/** A file the command reads (its .dl file, --data, --weights...), which no output may replace. */
export interface InputFile {
  path: string;
  /** How the user gave it, for the message: "--data", "the .dl file". */
  role: string;
}

/** The file-system calls the writer makes; tests replace some of them to simulate a full or read-only disk. */
export interface WriteFs {
  lstat(path: string): Promise<Stats>;
  stat(path: string): Promise<Stats>;
  mkdir(path: string): Promise<unknown>;
  readdir(path: string): Promise<string[]>;
  unlink(path: string): Promise<void>;
  /** Removes an empty folder. */
  rmdir(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** Creates `path` (it must not exist), writes `data` and fsyncs it. */
  writeNew(path: string, data: Uint8Array, mode: number): Promise<void>;
  /** Writes `data` into an existing character device (a terminal, /dev/null). */
  writeDevice(path: string, data: Uint8Array): Promise<void>;
}

export interface WriteOptions {
  /** Files the command reads: writing over one of them is refused. */
  inputs?: readonly InputFile[];
  fs?: Partial<WriteFs>;
}

async function writeWith(path: string, flags: string, data: Uint8Array, mode: number, sync: boolean): Promise<void> {
  const file = await fsp.open(path, flags, mode);
  try {
    await file.writeFile(data);
    // Without fsync a crash after the rename can leave the new name pointing at unwritten blocks.
    if (sync) await file.sync();
  } finally {
    await file.close();
  }
}

const NODE_FS: WriteFs = {
  lstat: (p) => fsp.lstat(p),
  stat: (p) => fsp.stat(p),
  mkdir: (p) => fsp.mkdir(p),
  readdir: (p) => fsp.readdir(p),
  unlink: (p) => fsp.unlink(p),
  rmdir: (p) => fsp.rmdir(p),
  rename: (a, b) => fsp.rename(a, b),
  writeNew: (p, data, mode) => writeWith(p, 'wx', data, mode, true),
  writeDevice: (p, data) => writeWith(p, 'w', data, 0o666, false),
};

/** Node's file system with the calls `opts.fs` replaces (tests simulate a full or read-only disk). */
export const fsFor = (opts: WriteOptions): WriteFs => ({ ...NODE_FS, ...opts.fs });
const codeOf = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | undefined)?.code;

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or folder', ENOTDIR: 'a file is in the way of a folder on its path', EEXIST: 'a file is in the way',
  EISDIR: 'it is a folder', EACCES: 'permission denied', EPERM: 'permission denied', ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded', EROFS: 'read-only file system', ENAMETOOLONG: 'the name is too long', ELOOP: 'too many symbolic links on its path',
  EFBIG: 'the file is too large for this file system', EIO: 'input/output error', EMFILE: 'too many open files', ENFILE: 'too many open files',
  EBUSY: 'it is busy', ETXTBSY: 'it is busy', EXDEV: 'it is on another device', EPIPE: 'the reading end of the pipe was closed',
};

/** Why a file operation failed, in words; for a code without words, Node's text up to the path it names. */
export function fsReason(err: unknown): string {
  const code = codeOf(err);
  return (code && REASONS[code]) ?? ((err as Error).message ?? String(err)).split(',')[0]!;
}

/** What `lstat` found, in words, for anything dlc will not replace. */
function kindOf(s: Stats): string {
  return s.isDirectory() ? 'a folder' : s.isSymbolicLink() ? 'a symbolic link' : s.isFIFO() ? 'a named pipe (FIFO)' : s.isSocket() ? 'a socket' : s.isBlockDevice() ? 'a block device' : 'not a regular file';
}

async function statOrUndefined(fs: WriteFs, path: string, follow: boolean): Promise<Stats | undefined> {
  try {
    return await (follow ? fs.stat(path) : fs.lstat(path));
  } catch (err) {
    if (codeOf(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/** `-o /dev/stdout` means this process's output, whatever it is (a terminal, a pipe, a file the shell opened). */
const STANDARD_STREAMS: Record<string, NodeJS.WriteStream> = {
  '/dev/stdout': process.stdout, '/dev/fd/1': process.stdout, '/dev/stderr': process.stderr, '/dev/fd/2': process.stderr,
};

/** Whether `path` names this process's standard output or error (written to the stream, in order). */
export const isStandardStream = (path: string): boolean => process.platform !== 'win32' && STANDARD_STREAMS[path] !== undefined;

type Target = { kind: 'new' } | { kind: 'file'; mode: number } | { kind: 'device' } | { kind: 'stream'; stream: NodeJS.WriteStream };

/**
 * What writing `path` would do: create a file, replace a regular file, or write into a character
 * device. Throws WriteError for anything else, and for a path that is one of the command's inputs.
 */
async function classify(path: string, opts: WriteOptions): Promise<Target> {
  if (isStandardStream(path)) return { kind: 'stream', stream: STANDARD_STREAMS[path]! };
  const fs = fsFor(opts);
  const shown = printable(path);
  let link: Stats | undefined;
  let target: Stats | undefined;
  try {
    link = await statOrUndefined(fs, path, false);
    target = link?.isSymbolicLink() ? await statOrUndefined(fs, path, true) : link;
  } catch (err) {
    throw new WriteError(`cannot write ${shown}: ${fsReason(err)}`, { cause: err });
  }
  // A terminal or /dev/null (also through /dev/stdout's link) is written in place, on purpose.
  if (target?.isCharacterDevice()) return { kind: 'device' };
  if (link && !link.isFile()) throw new WriteError(`cannot write ${shown}: it is ${kindOf(link)}; dlc replaces only regular files`);
  if (link) {
    for (const input of opts.inputs ?? []) {
      const s = await statOrUndefined(fs, input.path, true).catch(() => undefined);
      if (s && s.dev === link.dev && s.ino === link.ino) {
        throw new WriteError(`cannot write ${shown}: it is ${input.role} ${printable(input.path)}, which this command reads; choose another output`);
      }
    }
    return { kind: 'file', mode: link.mode & 0o777 };
  }
  return { kind: 'new' };
}

/**
 * Checks, without writing, that `path` could be written by writeFileSafely: a new or regular file,
 * or a character device, and not one of `opts.inputs`. Lets a long command fail before its work.
 * @throws WriteError naming `path`
 */
export async function checkOutputPath(path: string, opts: WriteOptions = {}): Promise<void> {
  await classify(path, opts);
}

/**
 * Checks, without creating it, that `path` can be an output folder: it is one, or nothing is there.
 * @throws WriteError "cannot create the output folder PATH: a file is in the way"
 */
export async function checkOutputFolder(path: string, opts: WriteOptions = {}): Promise<void> {
  let s: Stats | undefined;
  try {
    s = await statOrUndefined(fsFor(opts), path, true);
  } catch (err) {
    throw new WriteError(`cannot create the output folder ${printable(path)}: ${codeOf(err) === 'ENOTDIR' ? 'a file is in the way' : fsReason(err)}`, { cause: err });
  }
  if (s && !s.isDirectory()) throw new WriteError(`cannot create the output folder ${printable(path)}: a file is in the way`);
}

/** Temporary names: `<name>.tmp-<pid>-<12 hex digits>` beside the file (a rename is atomic only within one file system). */
const TEMP_NAME = /\.tmp-(\d+)-[0-9a-f]{12}$/;

function tempPathFor(path: string): string {
  const name = basename(path);
  // A name near the file system's limit would make its temporary name too long to create.
  const stem = Buffer.byteLength(name) > 200 ? 'dlc' : name;
  return join(dirname(path), `${stem}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return codeOf(err) === 'EPERM';
  }
}

/** A writer in another PID namespace sharing the folder may still be writing a file this recent. */
const STALE_AFTER_MS = 60_000;
/** Past this, the pid that wrote it has been reused: no write takes this long between two of its writes. */
const ABANDONED_AFTER_MS = 24 * 3600_000;

/**
 * Removes temporary files that killed writers left in `dir`: files of our naming pattern whose
 * process is gone, or untouched for a day. Best effort: a failure here never stops the write.
 */
async function removeStaleTemps(fs: WriteFs, dir: string): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return;
  }
  const now = Date.now();
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m) continue;
    const file = join(dir, name);
    try {
      const s = await fs.lstat(file);
      const idle = now - s.mtimeMs;
      if (s.isFile() && ((idle > STALE_AFTER_MS && !processAlive(Number(m[1]))) || idle > ABANDONED_AFTER_MS)) await fs.unlink(file);
    } catch {
      // Another writer removed or renamed it meanwhile.
    }
  }
}

/** Why creating a file in `dir` failed: for ENOENT, whether the folder is missing or refuses new files (/proc). */
async function createReason(fs: WriteFs, err: unknown, dir: string): Promise<string> {
  if (codeOf(err) !== 'ENOENT') return fsReason(err);
  const folder = await statOrUndefined(fs, dir, true).catch(() => undefined);
  return folder?.isDirectory() ? `the folder ${printable(dir)} does not accept new files` : `its folder ${printable(dir)} does not exist`;
}

/**
 * Writes `data` to `path` so that it holds either its old bytes or all the new ones: the data goes
 * to a temporary file in the same folder, is fsynced, then renamed over `path`. Refuses to replace
 * a folder, link, pipe or socket and any of `opts.inputs`; writes a character device (/dev/null, a
 * terminal) in place, and /dev/stdout or /dev/stderr to the process's own stream. Removes temporary files that killed writers left in the folder.
 * @throws WriteError naming `path` and the reason (no space left on device, read-only file system...)
 */
export async function writeFileSafely(path: string, data: Uint8Array | string, opts: WriteOptions = {}): Promise<void> {
  const fs = fsFor(opts);
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const target = await classify(path, opts);
  const shown = printable(path);
  if (target.kind === 'device' || target.kind === 'stream') {
    try {
      if (target.kind === 'stream') await writeStream(target.stream, bytes);
      else await fs.writeDevice(path, bytes);
    } catch (err) {
      throw new WriteError(`cannot write ${shown}: ${fsReason(err)}`, { cause: err });
    }
    return;
  }
  const dir = dirname(path);
  await removeStaleTemps(fs, dir);
  const tmp = tempPathFor(path);
  try {
    await fs.writeNew(tmp, bytes, target.kind === 'file' ? target.mode : 0o666);
  } catch (err) {
    await fs.unlink(tmp).catch(() => undefined);
    throw new WriteError(`cannot write ${shown}: ${await createReason(fs, err, dir)}`, { cause: err });
  }
  try {
    await fs.rename(tmp, path);
  } catch (err) {
    await fs.unlink(tmp).catch(() => undefined);
    throw new WriteError(`cannot write ${shown}: ${fsReason(err)}`, { cause: err });
  }
  await syncFolder(dir);
}

/** Writes to stdout or stderr through Node's stream, so the bytes keep their order with the command's other output. */
function writeStream(stream: NodeJS.WriteStream, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(bytes, (err) => (err ? reject(err) : resolve()));
  });
}

/** Makes a rename durable; best effort, since some platforms cannot open a folder. */
async function syncFolder(dir: string): Promise<void> {
  try {
    const handle = await fsp.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Windows and some file systems refuse: the data itself is already synced.
  }
}

/**
 * Creates the folder `path` and any missing parents; returns whether `path` itself was created.
 * Node's `mkdir({ recursive: true })` loops forever where mkdir answers ENOENT under an existing
 * parent (/proc) and reports ENOENT rather than EROFS on a read-only disk; this walks up itself.
 * @throws WriteError "cannot create the output folder PATH: reason"
 */
export async function makeFolder(path: string, opts: WriteOptions = {}): Promise<boolean> {
  try {
    return await makeFolderIn(fsFor(opts), path);
  } catch (err) {
    const code = codeOf(err);
    const refusing = (err as { refusingFolder?: string }).refusingFolder;
    const reason = refusing !== undefined ? `the folder ${printable(refusing)} does not accept new folders`
      : code === 'EEXIST' || code === 'ENOTDIR' ? 'a file is in the way' : fsReason(err);
    throw new WriteError(`cannot create the output folder ${printable(path)}: ${reason}`, { cause: err });
  }
}

async function makeFolderIn(fs: WriteFs, path: string): Promise<boolean> {
  const attempt = async (): Promise<boolean> => {
    try {
      await fs.mkdir(path);
      return true;
    } catch (err) {
      if (codeOf(err) !== 'EEXIST') throw err;
      if ((await fs.stat(path)).isDirectory()) return false;
      throw err;
    }
  };
  try {
    return await attempt();
  } catch (err) {
    const parent = dirname(path);
    if (codeOf(err) !== 'ENOENT' || parent === path) throw err;
    await makeFolderIn(fs, parent);
    try {
      return await attempt();
    } catch (again) {
      // The parent exists now, yet mkdir still says ENOENT: this file system takes no new folders here.
      if (codeOf(again) === 'ENOENT') Object.assign(again as object, { refusingFolder: parent });
      throw again;
    }
  }
}
