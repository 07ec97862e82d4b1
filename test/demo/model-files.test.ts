// A trained model picked in the page as one folder or one zip: the artifact and its weights found
// together, the manifest checked as in Node, and every problem named with the file it is in.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { filesOfFolder, filesOfZip, pickModel, type FileSet } from '../../demo/model-files.ts';
import { encodeSafetensors } from '../../runtime/safetensors.ts';
import { ROOT } from '../helpers/cli.ts';
import { makeZip } from '../helpers/zip.ts';

const artifact = compile(readFileSync(join(ROOT, 'samples', 'mnist_mlp.dl'), 'utf8')).artifact!;
const weights = encodeSafetensors(artifact.manifest.params.map((p) => ({ name: p.name, dtype: 'F32' as const, shape: p.shape, data: new Float32Array(p.shape.reduce((a, b) => a * b, 1)) })), { heldout_accuracy: '0.97' });

/** The files `dlc compile` and `dlc train` leave in a folder, under `prefix`. */
function folderFiles(prefix = ''): Map<string, Uint8Array> {
  const enc = new TextEncoder();
  const files = new Map<string, Uint8Array>([[`${prefix}manifest.json`, enc.encode(JSON.stringify(artifact.manifest))]]);
  for (const [name, code] of Object.entries(artifact.shaders)) files.set(`${prefix}kernels/${name}`, enc.encode(code));
  files.set(`${prefix}weights.safetensors`, weights);
  return files;
}

const asFileSet = (files: Map<string, Uint8Array>): FileSet => new Map([...files].map(([k, v]) => [k, async () => v]));
const message = async (p: Promise<unknown>): Promise<string> => p.then(() => 'no error', (err: Error) => err.message);

describe('a trained model from one zip or folder', () => {
  it('a zip of the folder (one top folder, deflated): the artifact with every kernel, and the weights', async () => {
    const picked = await pickModel(filesOfZip(makeZip(folderFiles('run/')), 'run.zip'), 'run.zip');
    expect(picked.artifact.manifest.model).toBe('mnist_mlp');
    expect(picked.artifact.shaders).toEqual(artifact.shaders);
    expect(picked.weights!.name).toBe('run.zip/weights.safetensors');
    expect(picked.weights!.bytes).toEqual(weights);
  });

  it('a folder picked with webkitdirectory: paths less the folder name', async () => {
    const files = [...folderFiles()].map(([path, bytes]) => ({ name: path.split('/').at(-1)!, webkitRelativePath: `run/${path}`, arrayBuffer: async () => bytes.slice().buffer }) as unknown as File);
    const { name, files: set } = filesOfFolder(files);
    expect(name).toBe('run');
    const picked = await pickModel(set, name);
    expect(Object.keys(picked.artifact.shaders)).toHaveLength(Object.keys(artifact.shaders).length);
    expect(picked.weights!.name).toBe('run/weights.safetensors');
  });

  it('each problem named: no manifest, a missing kernel, a manifest that is not JSON or not valid, not a zip', async () => {
    const without = (drop: string) => { const f = folderFiles(); f.delete(drop); return asFileSet(f); };
    expect(await message(pickModel(without('manifest.json'), 'run'))).toBe('run: no manifest.json at its top (pick the folder written by dlc compile, with weights.safetensors from dlc train in it, or a zip of it)');
    const kernel = artifact.manifest.kernels[0]!;
    expect(await message(pickModel(without(`kernels/${kernel.shader}`), 'run'))).toBe(`run: missing kernels/${kernel.shader} (named by kernel '${kernel.name}')`);
    const bad = folderFiles();
    bad.set('manifest.json', new TextEncoder().encode('{"format": '));
    expect(await message(pickModel(asFileSet(bad), 'run'))).toMatch(/^run\/manifest\.json is not valid JSON: /);
    bad.set('manifest.json', new TextEncoder().encode(JSON.stringify({ ...artifact.manifest, batch: -1 })));
    expect(await message(pickModel(asFileSet(bad), 'run'))).toMatch(/^run\/manifest\.json: .*batch/);
    expect(await message(Promise.resolve().then(() => filesOfZip(new Uint8Array(100), 'x.zip')))).toBe('x.zip: not a zip archive, or truncated: no end-of-directory record');
  });

  it('without weights the artifact still loads (to train in the page)', async () => {
    const f = folderFiles();
    f.delete('weights.safetensors');
    expect((await pickModel(asFileSet(f), 'run')).weights).toBeUndefined();
  });
});
