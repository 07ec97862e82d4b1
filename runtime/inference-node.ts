// Reading an inference artifact folder (dlc export) in Node: manifest.json and weights.safetensors.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { printable } from '../dsl/printable.ts';
import { InferenceError, type InferenceFiles } from './inference.ts';
import { INFERENCE_WEIGHTS_FILE } from './inference-manifest.ts';
import { fsReason } from './write-node.ts';

/** The files of the inference artifact in `dir`, for InferenceModel.create. @throws InferenceError naming the file */
export async function readInferenceFolder(dir: string): Promise<InferenceFiles> {
  const read = async (name: string): Promise<Buffer> => {
    try {
      return await readFile(join(dir, name));
    } catch (err) {
      throw new InferenceError(`cannot read ${printable(join(dir, name))}: ${fsReason(err)}`);
    }
  };
  const text = (await read('manifest.json')).toString('utf8');
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch (err) {
    throw new InferenceError(`${printable(join(dir, 'manifest.json'))} is not JSON: ${(err as Error).message}`);
  }
  const weights = await read(INFERENCE_WEIGHTS_FILE);
  return { manifest, weights: new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength), source: dir };
}
