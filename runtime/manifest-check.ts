// A manifest from outside is untrusted: before any GPU object is made, every field the runtime uses
// is checked for type and range (buffer indices, byte ranges inside their buffers, workgroup counts,
// program kernel indices, shapes). Each problem is named by its path, e.g.
// "kernels[3].bindings[1].buffer: 17 is not a buffer index (12 buffers)".
import { ARTIFACT_FORMAT, ARTIFACT_VERSION, STEP_PARAMS_BYTES, TRAIN_SETTING_RANGES, type Manifest } from '../compiler/artifact.ts';

/** The largest buffer a manifest may ask for (2 GiB; devices allow less, and say so at creation). */
const MAX_BUFFER_BYTES = 2 ** 31;
const MAX_WORKGROUPS = 65535;

export class ManifestError extends Error {
  override name = 'ManifestError';
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks `m` (parsed JSON) and returns it typed; throws ManifestError naming `where` and the field. */
export function validateManifest(m: unknown, where = 'manifest'): Manifest {
  const fail = (path: string, why: string): never => {
    throw new ManifestError(`${where}: ${path}: ${why}`);
  };
  if (!isObj(m)) return fail('(top)', 'not a JSON object');
  if (m.format !== ARTIFACT_FORMAT) fail('format', `is ${JSON.stringify(m.format)}, not '${ARTIFACT_FORMAT}': not a dlc artifact`);
  if (m.version !== ARTIFACT_VERSION) fail('version', `${JSON.stringify(m.version)} is not supported; this runtime reads version ${ARTIFACT_VERSION} (recompile with dlc compile)`);
  const int = (v: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(path, `${JSON.stringify(v)} is not an integer in [${min}, ${max}]`);
    return v as number;
  };
  const arr = (v: unknown, path: string): unknown[] => (Array.isArray(v) ? v : fail(path, 'not a list'));
  const str = (v: unknown, path: string): string => (typeof v === 'string' ? v : fail(path, 'not a string'));
  const obj = (v: unknown, path: string): Obj => (isObj(v) ? v : fail(path, 'not an object'));

  int(m.batch, 'batch', TRAIN_SETTING_RANGES.batch.min, TRAIN_SETTING_RANGES.batch.max);
  str(m.model, 'model');
  const buffers = arr(m.buffers, 'buffers').map((b, i) => {
    const o = obj(b, `buffers[${i}]`);
    if (o.id !== i) fail(`buffers[${i}].id`, `is ${JSON.stringify(o.id)}, expected ${i}`);
    const size = int(o.size, `buffers[${i}].size`, 4, MAX_BUFFER_BYTES);
    if (size % 4) fail(`buffers[${i}].size`, `${size} is not a multiple of 4`);
    if (o.kind !== 'storage' && o.kind !== 'uniform') fail(`buffers[${i}].kind`, `${JSON.stringify(o.kind)} is not 'storage' or 'uniform'`);
    return { size, kind: o.kind as string };
  });
  const bufferIndex = (v: unknown, path: string): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= buffers.length) fail(path, `${JSON.stringify(v)} is not a buffer index (${buffers.length} buffers)`);
    return v as number;
  };
  const step = bufferIndex(m.stepParamsBuffer, 'stepParamsBuffer');
  if (buffers[step]!.kind !== 'uniform' || buffers[step]!.size < STEP_PARAMS_BYTES) fail('stepParamsBuffer', `buffer ${step} is not a uniform block of ${STEP_PARAMS_BYTES} bytes`);
  const names = new Set<string>();
  const slot = (s: unknown, path: string, withInit: boolean): void => {
    const o = obj(s, path);
    const name = str(o.name, `${path}.name`);
    if (names.has(name)) fail(`${path}.name`, `'${name}' is used twice`);
    names.add(name);
    if (o.dtype !== 'f32' && o.dtype !== 'i32') fail(`${path}.dtype`, `${JSON.stringify(o.dtype)} is not 'f32' or 'i32'`);
    const shape = arr(o.shape, `${path}.shape`).map((d, k) => int(d, `${path}.shape[${k}]`, 1, 1 << 30));
    const bytes = shape.reduce((a, b) => a * b, 1) * 4;
    const b = bufferIndex(o.buffer, `${path}.buffer`);
    const offset = o.offset === undefined ? 0 : int(o.offset, `${path}.offset`, 0, MAX_BUFFER_BYTES);
    if (offset + bytes > buffers[b]!.size) fail(path, `bytes ${offset}..${offset + bytes} run past buffer ${b} (${buffers[b]!.size} bytes)`);
    if (withInit) {
      const init = obj(o.init, `${path}.init`);
      if (!['zeros', 'ones', 'constant', 'glorot_uniform', 'glorot_normal', 'he_uniform', 'he_normal'].includes(init.kind as string)) fail(`${path}.init.kind`, `${JSON.stringify(init.kind)} is not an initializer`);
      if (init.kind === 'constant' && typeof init.value !== 'number') fail(`${path}.init.value`, 'not a number');
      if (String(init.kind).includes('_')) { int(init.fanIn, `${path}.init.fanIn`, 1); int(init.fanOut, `${path}.init.fanOut`, 1); }
    }
  };
  arr(m.inputs, 'inputs').forEach((s, i) => slot(s, `inputs[${i}]`, false));
  arr(m.params, 'params').forEach((s, i) => slot(s, `params[${i}]`, true));
  arr(m.state, 'state').forEach((s, i) => slot(s, `state[${i}]`, true));
  const kernels = arr(m.kernels, 'kernels');
  kernels.forEach((k, i) => {
    const o = obj(k, `kernels[${i}]`);
    str(o.name, `kernels[${i}].name`);
    str(o.shader, `kernels[${i}].shader`);
    const wg = arr(o.workgroups, `kernels[${i}].workgroups`);
    if (wg.length !== 3) fail(`kernels[${i}].workgroups`, 'needs 3 counts');
    wg.forEach((w, d) => int(w, `kernels[${i}].workgroups[${d}]`, 1, MAX_WORKGROUPS));
    arr(o.bindings, `kernels[${i}].bindings`).forEach((b, j) => {
      const p = `kernels[${i}].bindings[${j}]`;
      const bo = obj(b, p);
      if (bo.binding !== j) fail(`${p}.binding`, `is ${JSON.stringify(bo.binding)}, expected ${j}`);
      const buf = bufferIndex(bo.buffer, `${p}.buffer`);
      if (!['read', 'read_write', 'uniform'].includes(bo.access as string)) fail(`${p}.access`, `${JSON.stringify(bo.access)} is not read, read_write or uniform`);
      if ((bo.access === 'uniform') !== (buffers[buf]!.kind === 'uniform')) fail(`${p}.access`, `'${String(bo.access)}' does not fit buffer ${buf} (${buffers[buf]!.kind})`);
      if (bo.offset !== undefined || bo.size !== undefined) {
        const off = int(bo.offset ?? 0, `${p}.offset`, 0, MAX_BUFFER_BYTES);
        const size = int(bo.size, `${p}.size`, 4, MAX_BUFFER_BYTES);
        if (off % 256) fail(`${p}.offset`, `${off} is not a multiple of 256`);
        if (off + size > buffers[buf]!.size) fail(p, `bytes ${off}..${off + size} run past buffer ${buf} (${buffers[buf]!.size} bytes)`);
      }
    });
  });
  const programs = obj(m.programs, 'programs');
  for (const p of ['train_step', 'eval', 'forward']) {
    const o = obj(programs[p], `programs.${p}`);
    arr(o.kernels, `programs.${p}.kernels`).forEach((k, i) => int(k, `programs.${p}.kernels[${i}]`, 0, kernels.length - 1));
    arr(o.inputs, `programs.${p}.inputs`).forEach((n, i) => {
      if (!names.has(str(n, `programs.${p}.inputs[${i}]`))) fail(`programs.${p}.inputs[${i}]`, `'${String(n)}' is not a tensor of the manifest`);
    });
    arr(o.outputs, `programs.${p}.outputs`).forEach((s, i) => {
      const so = obj(s, `programs.${p}.outputs[${i}]`);
      const b = bufferIndex(so.buffer, `programs.${p}.outputs[${i}].buffer`);
      const shape = arr(so.shape, `programs.${p}.outputs[${i}].shape`).map((d, k) => int(d, `programs.${p}.outputs[${i}].shape[${k}]`, 1, 1 << 30));
      const end = (so.offset === undefined ? 0 : int(so.offset, `programs.${p}.outputs[${i}].offset`, 0, MAX_BUFFER_BYTES)) + shape.reduce((a, c) => a * c, 1) * 4;
      if (end > buffers[b]!.size) fail(`programs.${p}.outputs[${i}]`, `runs past buffer ${b}`);
    });
  }
  const train = obj(m.train, 'train');
  const opt = obj(train.optimizer, 'train.optimizer');
  if (typeof opt.lr !== 'number' || !Number.isFinite(opt.lr)) fail('train.optimizer.lr', 'not a finite number');
  int(train.seed, 'train.seed', TRAIN_SETTING_RANGES.seed.min, TRAIN_SETTING_RANGES.seed.max);
  int(train.epochs, 'train.epochs', TRAIN_SETTING_RANGES.epochs.min, TRAIN_SETTING_RANGES.epochs.max);
  return m as unknown as Manifest;
}
