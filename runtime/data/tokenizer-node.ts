// The tokenizer on disk: tokenizer.json in the run folder beside weights.safetensors, so that
// `dlc predict --weights run/weights.safetensors` finds it and tokenises new text as training did.
import { dirname, join } from 'node:path';
import { writeFileSafely, type WriteOptions } from '../write-node.ts';
import { readFileBounded } from './read-bounded-node.ts';
import { tokenizerFromJson, tokenizerToJson, type Tokenizer } from './tokenizer.ts';

/** The tokenizer's file name in a run folder. */
export const TOKENIZER_FILE = 'tokenizer.json';

/** Largest tokenizer file read (64 MiB: a million-word vocabulary is about 12 MB of JSON). */
export const MAX_TOKENIZER_BYTES = 2 ** 26;

/** Where the tokenizer of the weights at `weightsPath` lives: the same folder. */
export const tokenizerBeside = (weightsPath: string): string => join(dirname(weightsPath), TOKENIZER_FILE);

/**
 * Writes `tok` to `path` whole or not at all (writeFileSafely: temporary file, fsync, rename).
 * @throws WriteError naming `path`.
 */
export async function saveTokenizer(tok: Tokenizer, path: string, opts: WriteOptions = {}): Promise<void> {
  await writeFileSafely(path, tokenizerToJson(tok), opts);
}

/**
 * The tokenizer at `path`: a regular file of at most MAX_TOKENIZER_BYTES, valid tokenizer JSON.
 * @throws DataError naming the file (missing, not a regular file, too large, malformed).
 */
export function loadTokenizer(path: string): Tokenizer {
  const bytes = readFileBounded(path, { what: 'tokenizer', limit: MAX_TOKENIZER_BYTES });
  return tokenizerFromJson(new TextDecoder().decode(bytes), path);
}
