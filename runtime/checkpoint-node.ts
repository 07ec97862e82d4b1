// Checkpoint files in Node: safetensors saved through writeFileSafely (temp file, fsync, rename), so a
// crash never leaves a torn file.
import { readFileBounded } from './data/read-bounded-node.ts';
import { decodeSafetensors, encodeSafetensors, MAX_FILE_BYTES, type DecodedTensor, type NamedTensor } from './safetensors.ts';
import { writeFileSafely, type WriteOptions } from './write-node.ts';

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
