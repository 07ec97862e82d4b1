// A trained model picked in the page as one folder (an <input webkitdirectory>) or one zip: the
// artifact `dlc compile` wrote (manifest.json, kernels/*.wgsl) and the weights `dlc train` wrote
// beside it (weights.safetensors, else best.safetensors). The manifest is checked field by field,
// as in Node, before anything uses it.
import type { Artifact, Manifest } from '../compiler/artifact.ts';
import { MAX_DATA_BYTES } from '../runtime/data/limits.ts';
import { zipMembers } from '../runtime/data/zip.ts';
import { validateManifest } from '../runtime/manifest-check.ts';

/** Files by path relative to the picked folder (or the zip's root), read on demand. */
export type FileSet = Map<string, () => Promise<Uint8Array>>;

/** What a folder or zip held: the artifact, and the weights file when there was one. */
export interface PickedModel {
  artifact: Artifact;
  weights?: { name: string; bytes: Uint8Array };
  /** Where it came from, for messages: the folder's or the zip's name. */
  source: string;
}

/** A model folder or zip that cannot be used; the message names the file and what is wrong. */
export class ModelFilesError extends Error {
  override name = 'ModelFilesError';
}

/** Files of an <input webkitdirectory>: paths less the picked folder's own name. */
export function filesOfFolder(files: File[]): { name: string; files: FileSet } {
  const set: FileSet = new Map();
  const first = (files[0]?.webkitRelativePath || files[0]?.name || '').split('/')[0] ?? '';
  for (const f of files) {
    const rel = f.webkitRelativePath ? f.webkitRelativePath.split('/').slice(1).join('/') : f.name;
    set.set(rel, async () => new Uint8Array(await f.arrayBuffer()));
  }
  return { name: first, files: set };
}

/** Inflates one deflated zip member with the browser's DecompressionStream. */
async function inflate(raw: Uint8Array, size: number, where: string): Promise<Uint8Array> {
  try {
    const stream = new Blob([raw as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
    const out = new Uint8Array(await new Response(stream).arrayBuffer());
    if (out.length !== size) throw new Error(`inflates to ${out.length} bytes, the directory says ${size}`);
    return out;
  } catch (err) {
    throw new ModelFilesError(`${where} does not inflate: ${(err as Error).message}`);
  }
}

/** Files of a zip: paths as stored, less one folder that holds everything (zipping a folder adds it). */
export function filesOfZip(bytes: Uint8Array, name: string): FileSet {
  let members;
  try {
    members = zipMembers(bytes, name, 'zip').filter((m) => !m.name.endsWith('/'));
  } catch (err) {
    throw new ModelFilesError((err as Error).message);
  }
  const tops = new Set(members.map((m) => (m.name.includes('/') ? m.name.split('/')[0] : '')));
  const strip = tops.size === 1 && !tops.has('') ? `${[...tops][0]}/`.length : 0;
  const set: FileSet = new Map();
  for (const m of members) {
    const where = `${name}: ${m.name}`;
    set.set(m.name.slice(strip), async () => {
      if (m.size > MAX_DATA_BYTES) throw new ModelFilesError(`${where} inflates to ${m.size} bytes, more than dlc reads`);
      // zipMembers checked that the member's data lies inside the archive.
      const raw = bytes.subarray(m.start, m.start + m.compressedSize);
      if (m.method === 0) return raw;
      if (m.method === 8) return inflate(raw, m.size, where);
      throw new ModelFilesError(`${where} uses zip compression method ${m.method} (stored or deflate only)`);
    });
  }
  return set;
}

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** The artifact and weights in `files` (see the file header); `source` names them in messages. */
export async function pickModel(files: FileSet, source: string): Promise<PickedModel> {
  const read = files.get('manifest.json');
  if (!read) {
    throw new ModelFilesError(`${source}: no manifest.json at its top (pick the folder written by dlc compile, with weights.safetensors from dlc train in it, or a zip of it)`);
  }
  let manifest: Manifest;
  try {
    manifest = validateManifest(JSON.parse(text(await read())), `${source}/manifest.json`);
  } catch (err) {
    throw new ModelFilesError(err instanceof SyntaxError ? `${source}/manifest.json is not valid JSON: ${err.message}` : (err as Error).message);
  }
  const shaders: Record<string, string> = {};
  for (const k of manifest.kernels) {
    if (shaders[k.shader] !== undefined) continue;
    const code = files.get(`kernels/${k.shader}`);
    if (!code) throw new ModelFilesError(`${source}: missing kernels/${k.shader} (named by kernel '${k.name}')`);
    shaders[k.shader] = text(await code());
  }
  const picked: PickedModel = { artifact: { manifest, shaders }, source };
  const weightsName = ['weights.safetensors', 'best.safetensors'].find((n) => files.has(n));
  if (weightsName) picked.weights = { name: `${source}/${weightsName}`, bytes: await files.get(weightsName)!() };
  return picked;
}
