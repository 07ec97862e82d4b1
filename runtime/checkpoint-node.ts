// Checkpoint files in Node: safetensors saved through writeFileSafely (temp file, fsync, rename), so a
// crash never leaves a torn file.
import { readFile } from 'node:fs/promises';
import { printable } from '../dsl/printable.ts';
import { decodeSafetensors, encodeSafetensors, type DecodedTensor, type NamedTensor } from './safetensors.ts';
import { fsReason, writeFileSafely, type WriteOptions } from './write-node.ts';

/** A checkpoint file could not be read; the message names the path. (Writes fail with WriteError.) */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** Encodes `tensors` and `metadata` as safetensors and writes them atomically to `path` (see writeFileSafely). */
export async function saveSafetensors(path: string, tensors: NamedTensor[], metadata?: Record<string, string>, opts: WriteOptions = {}): Promise<void> {
  await writeFileSafely(path, encodeSafetensors(tensors, metadata), opts);
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
    throw new CheckpointError(`cannot read ${printable(path)}: ${fsReason(err)}`, { cause: err });
  }
  return decodeSafetensors(bytes, path);
}
