// Reading a file that came from outside, in bounded time and memory: only a regular file, only up to
// a size limit, both checked before a byte is read. A FIFO would block forever, /dev/zero never
// ends, and a huge file would be read whole by readFileSync. Node only.
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { DataError, shownFile } from './data-error.ts';

/** What a non-regular file is, in words, or undefined for a regular file. */
export function notRegular(s: Stats): string | undefined {
  if (s.isFile()) return undefined;
  if (s.isDirectory()) return 'it is a directory';
  if (s.isFIFO()) return 'it is a named pipe (FIFO), not a regular file';
  if (s.isCharacterDevice()) return 'it is a character device, not a regular file';
  if (s.isBlockDevice()) return 'it is a block device, not a regular file';
  if (s.isSocket()) return 'it is a socket, not a regular file';
  return 'it is not a regular file';
}

/** File-system failures in words, by error code. */
const FS_REASONS: Record<string, string> = {
  ENOENT: 'no such file', EISDIR: 'it is a directory', ENOTDIR: 'a file is in the way of a folder',
  EACCES: 'permission denied', EPERM: 'permission denied', ELOOP: 'too many symbolic links',
  // A socket cannot be opened as a file; a device without its driver answers the same.
  ENXIO: 'it is a socket or a device, not a regular file',
};

/** Options of readFileBounded. */
export interface BoundedRead {
  /** Most bytes the file may hold; a larger file is refused before reading. */
  limit: number;
  /** What the file is for, in messages: `cannot read ${what} ${path}` ("data file"); empty for none. */
  what?: string;
}

/**
 * The bytes of the regular file at `path` (symbolic links followed), at most `limit` of them.
 * The kind and size are checked with stat before opening, and again on the open descriptor (the
 * path may have changed in between); the descriptor is opened non-blocking, so a FIFO swapped in
 * cannot stall the open. Exactly the stat size is read, so a growing file cannot outrun the bound.
 * @throws DataError `cannot read ${what} ${path}: reason` (no such file, a directory, a FIFO, a
 *   device, too large, permission denied).
 */
export function readFileBounded(path: string, opts: BoundedRead): Uint8Array {
  const fail = (reason: string): never => {
    throw new DataError(`cannot read ${opts.what ? `${opts.what} ` : ''}${shownFile(path)}: ${reason}`);
  };
  const check = (s: Stats): number => {
    const kind = notRegular(s);
    if (kind !== undefined) fail(kind);
    if (s.size > opts.limit) fail(`it holds ${s.size} bytes, more than dlc reads from such a file (${opts.limit})`);
    return s.size;
  };
  const reason = (err: unknown): string => {
    const code = (err as NodeJS.ErrnoException).code;
    // Anything not named here in Node's words, which hold the path: escaped like it.
    return (code && FS_REASONS[code]) ?? shownFile((err as Error).message);
  };

  let fd: number;
  try {
    check(statSync(path));
    // O_NONBLOCK does nothing to a regular file's reads; it stops open() waiting for a FIFO's writer.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    if (err instanceof DataError) throw err;
    return fail(reason(err));
  }
  try {
    const size = check(fstatSync(fd));
    const bytes = new Uint8Array(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, bytes, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    // A file that shrank while being read gives what it still had; the parsers name what is missing.
    return got === size ? bytes : bytes.subarray(0, got);
  } catch (err) {
    if (err instanceof DataError) throw err;
    return fail(reason(err));
  } finally {
    closeSync(fd);
  }
}
