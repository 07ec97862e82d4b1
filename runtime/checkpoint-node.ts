// Checkpoint files in Node: safetensors saved through writeFileSafely (temp file, fsync, rename), so a
// crash never leaves a torn file.
import { readFileBounded } from './data/read-bounded-node.ts';
import { decodeSafetensors, encodeSafetensors, MAX_FILE_BYTES, type DecodedTensor, type NamedTensor } from './safetensors.ts';
import { writeFileSafely, type WriteOptions } from './write-node.ts';
import { printable } from '../dsl/printable.ts';

/** A checkpoint file could not be read; the message names the path. (Writes fail with WriteError.) */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** Encodes `tensors` and `metadata` as safetensors and writes them atomically to `path` (see writeFileSafely). */
export async function saveSafetensors(path: string, tensors: NamedTensor[], metadata?: Record<string, string>, opts: WriteOptions = {}): Promise<void> {
  await writeFileSafely(path, encodeSafetensors(tensors, metadata), opts);
}

/**
 * Reads (bounded: a regular file of at most MAX_FILE_BYTES) and decodes a safetensors file.
 * @throws CheckpointError when the file is missing, unreadable, not a regular file or too large;
 *   SafetensorsError when malformed.
 */
export async function loadSafetensors(
  path: string,
): Promise<{ tensors: Map<string, DecodedTensor>; metadata: Record<string, string> }> {
  let bytes: Uint8Array;
  try {
    bytes = readFileBounded(path, { limit: MAX_FILE_BYTES });
  } catch (err) {
    // The bounded reader's words (a FIFO, a device, too large), as a checkpoint failure.
    throw new CheckpointError((err as Error).message, { cause: err });
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
