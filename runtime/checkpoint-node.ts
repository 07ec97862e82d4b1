// Checkpoint files in Node: safetensors saved by write-to-temp, fsync, rename, so a crash never leaves a torn file.
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { printable } from '../dsl/printable.ts';
import { decodeSafetensors, encodeSafetensors, type DecodedTensor, type NamedTensor } from './safetensors.ts';

/** Why a file operation failed, in words (the code's meaning rather than Node's message). */
export function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    ENOENT: 'no such file or folder', ENOTDIR: 'a file is in the way of a folder', EEXIST: 'a file is in the way',
    EISDIR: 'it is a folder', EACCES: 'permission denied', EPERM: 'permission denied', ENOSPC: 'the disk is full', EROFS: 'the file system is read-only',
  };
  return (code && words[code]) ?? (err as Error).message;
}

/** A checkpoint file could not be read or written; the message names the path. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/**
 * Replaces `path` with `bytes` atomically: the bytes go to `${path}.tmp-${pid}-${random}` in
 * the same directory (rename is atomic only within one filesystem), are fsynced, then renamed
 * over `path`. On failure the temporary file is removed and `path` is left as it was.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    const file = await open(tmp, 'wx');
    try {
      await file.writeFile(bytes);
      // Without fsync a crash after rename can leave the new name pointing at unwritten blocks.
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new CheckpointError(`cannot write ${path}: ${fsReason(err)}`, { cause: err });
  }
  await syncDirectory(dirname(path));
}

/** Makes the rename itself durable; best effort, since some platforms cannot open a directory. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Windows and some filesystems refuse: the data itself is already synced.
  }
}

/** Encodes `tensors` and `metadata` as safetensors and writes them atomically to `path`. */
export async function saveSafetensors(path: string, tensors: NamedTensor[], metadata?: Record<string, string>): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/**
 * Reads and decodes a safetensors file.
 * @throws CheckpointError when the file is missing or unreadable; SafetensorsError when malformed.
 */
export async function loadSafetensors(
  path: string,
): Promise<{ tensors: Map<string, DecodedTensor>; metadata: Record<string, string> }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new CheckpointError(`cannot read ${path}: ${fsReason(err)}`, { cause: err });
  }
  return decodeSafetensors(bytes, path);
}

/** Kernels read the step and the seed as u32: a larger step would wrap Adam's bias correction and dropout's stream. */
const MAX_U32 = 2 ** 32 - 1;

/**
 * The epoch, step and seed in a checkpoint's metadata, each written in decimal digits: step and seed
 * in [0, 2^32 − 1], epoch at most the step (every epoch takes at least one step).
 * @throws CheckpointError naming the file and the field.
 */
export function checkpointProgress(metadata: Record<string, string>, path: string): { epoch: number; step: number; seed: number } {
  const field = (key: string, max: number, why = ''): number => {
    const text = metadata[key];
    const value = typeof text === 'string' && /^\d{1,16}$/.test(text) ? Number(text) : NaN;
    if (!(value <= max)) {
      throw new CheckpointError(`${printable(path, 300)}: metadata '${key}' is ${text === undefined ? 'missing' : printable(JSON.stringify(text), 40)}, expected an integer in [0, ${max}]${why}`);
    }
    return value;
  };
  const step = field('step', MAX_U32);
  const seed = field('seed', MAX_U32);
  const epoch = field('epoch', step, ', at most its step (every epoch takes one or more steps)');
  return { epoch, step, seed };
}
