// A manifest from outside is untrusted: before any GPU object is made, every field the runtime uses
// is checked for type and range (buffer indices, byte ranges inside their buffers, workgroup counts,
// program kernel indices, shapes against the batch, kernel hashes). Each problem is named by its
// path, e.g. "kernels[3].bindings[1].buffer: 17 is not a buffer index (12 buffers)", and any text
// quoted from the file goes through printable().
import { groupDigits } from '../dsl/group-digits.ts';
import { ARTIFACT_FORMAT, ARTIFACT_VERSION, DISPATCH_PARAMS_BYTES, DISPATCH_SLOT_BYTES, STEP_PARAMS_BYTES, TRAIN_SETTING_RANGES, type Manifest } from '../compiler/artifact.ts';
import { printable } from '../dsl/printable.ts';
import { INFERENCE_FORMAT } from './inference-manifest.ts';

/** The largest buffer a manifest may ask for (2 GiB; devices allow less, and say so at creation). */
const MAX_BUFFER_BYTES = 2 ** 31;
/** Workgroups per dimension WebGPU guarantees; the compiler spills larger grids from x into y. */
const MAX_WORKGROUPS_PER_DIM = 65535;
/** The most values one tensor may hold (the compiler's MAX_TENSOR_ELEMENTS: u32 indices). */
const MAX_TENSOR_VALUES = 2 ** 28;
/** Kernel files are plain names inside kernels/: nothing from a manifest may point elsewhere. */
const KERNEL_FILE = /^[A-Za-z0-9_.-]{1,100}\.wgsl$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * The most workgroups a grid needs to give one workgroup to each of `values` values, as the compiler
 * lays grids out: along x, then rows of 65,535 along y.
 */
export function gridCapacity(values: number): number {
  const v = Math.max(1, values);
  return v <= MAX_WORKGROUPS_PER_DIM ? v : MAX_WORKGROUPS_PER_DIM * Math.ceil(v / MAX_WORKGROUPS_PER_DIM);
}

/**
 * The default ceiling on workgroups per dispatch (x·y·z): 65,535 × 4,097 = 268,496,895. No kernel the
 * compiler emits has more than one workgroup per value it writes (sum_to has one per output value,
 * the others 64 or more), and a tensor holds at most 2^28 values.
 */
export const DEFAULT_MAX_WORKGROUPS_PER_DISPATCH = gridCapacity(MAX_TENSOR_VALUES);

export interface ManifestCheckOptions {
  /** The most workgroups one dispatch may have, x·y·z (default DEFAULT_MAX_WORKGROUPS_PER_DISPATCH). */
  maxWorkgroupsPerDispatch?: number;
}

export class ManifestError extends Error {
  override name = 'ManifestError';
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A value from the file as a short, printable quote (JSON, so strings show their quotes). */
function show(v: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(v);
  } catch {
    // A cyclic object handed over through the API.
  }
  return printable(text ?? String(v), 60);
}

/** Checks `m` (parsed JSON) and returns it typed; throws ManifestError naming `where` and the field. */
export function validateManifest(m: unknown, where = 'manifest', opts: ManifestCheckOptions = {}): Manifest {
  const maxGroups = opts.maxWorkgroupsPerDispatch ?? DEFAULT_MAX_WORKGROUPS_PER_DISPATCH;
  const fail = (path: string, why: string): never => {
    throw new ManifestError(`${printable(where, 200)}: ${path}: ${why}`);
  };
  if (!isObj(m)) return fail('(top)', 'not a JSON object');
  if (m.format === INFERENCE_FORMAT) {
    fail('format', `is '${INFERENCE_FORMAT}': this is a model exported for deployment (forward only, run by dlc/infer); train, eval and predict take the .dl file or a folder from dlc compile, with --weights`);
  }
  if (m.format !== ARTIFACT_FORMAT) fail('format', `is ${show(m.format)}, not '${ARTIFACT_FORMAT}': not a dlc artifact`);
  if (m.version !== ARTIFACT_VERSION) fail('version', `${show(m.version)} is not supported; this runtime reads version ${ARTIFACT_VERSION} (recompile with dlc compile)`);
  const int = (v: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(path, `${show(v)} is not an integer in [${min}, ${max}]`);
    return v as number;
  };
  const arr = (v: unknown, path: string): unknown[] => (Array.isArray(v) ? v : fail(path, 'not a list'));
  const str = (v: unknown, path: string): string => (typeof v === 'string' ? v : fail(path, 'not a string'));
  const obj = (v: unknown, path: string): Obj => (isObj(v) ? v : fail(path, 'not an object'));

  const batch = int(m.batch, 'batch', TRAIN_SETTING_RANGES.batch.min, TRAIN_SETTING_RANGES.batch.max);
  str(m.model, 'model');
  const buffers = arr(m.buffers, 'buffers').map((b, i) => {
    const o = obj(b, `buffers[${i}]`);
    if (o.id !== i) fail(`buffers[${i}].id`, `is ${show(o.id)}, expected ${i}`);
    const size = int(o.size, `buffers[${i}].size`, 4, MAX_BUFFER_BYTES);
    if (size % 4) fail(`buffers[${i}].size`, `${size} is not a multiple of 4`);
    if (o.kind !== 'storage' && o.kind !== 'uniform') fail(`buffers[${i}].kind`, `${show(o.kind)} is not 'storage' or 'uniform'`);
    return { size, kind: o.kind as string };
  });
  const bufferIndex = (v: unknown, path: string): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= buffers.length) fail(path, `${show(v)} is not a buffer index (${buffers.length} buffers)`);
    return v as number;
  };
  const step = bufferIndex(m.stepParamsBuffer, 'stepParamsBuffer');
  if (buffers[step]!.kind !== 'uniform' || buffers[step]!.size !== STEP_PARAMS_BYTES) fail('stepParamsBuffer', `buffer ${step} is not a uniform block of ${STEP_PARAMS_BYTES} bytes`);
  // The kernels' per-dispatch values: 256-byte slots, each bound as one 16-byte block.
  const dispatch = m.dispatchParamsBuffer === undefined ? undefined : bufferIndex(m.dispatchParamsBuffer, 'dispatchParamsBuffer');
  if (dispatch !== undefined && (dispatch === step || buffers[dispatch]!.kind !== 'uniform' || buffers[dispatch]!.size % DISPATCH_SLOT_BYTES !== 0)) {
    fail('dispatchParamsBuffer', `buffer ${dispatch} is not a uniform buffer of 256-byte slots apart from the step block`);
  }
  // The step block and the dispatch parameters are the only uniform buffers dlc writes; any other
  // would be bound past the device's uniform binding limit (16 KiB at least) or read as something it is not.
  buffers.forEach((b, i) => { if (b.kind === 'uniform' && i !== step && i !== dispatch) fail(`buffers[${i}].kind`, `'uniform' is only the step-parameter block (buffer ${step}) and the dispatch parameters`); });
  const names = new Set<string>();
  const slot = (s: unknown, path: string, withInit: boolean): number[] => {
    const o = obj(s, path);
    const name = str(o.name, `${path}.name`);
    if (names.has(name)) fail(`${path}.name`, `${show(name)} is used twice`);
    names.add(name);
    if (o.dtype !== 'f32' && o.dtype !== 'i32') fail(`${path}.dtype`, `${show(o.dtype)} is not 'f32' or 'i32'`);
    const shape = arr(o.shape, `${path}.shape`).map((d, k) => int(d, `${path}.shape[${k}]`, 1, 1 << 30));
    const bytes = shape.reduce((a, b) => a * b, 1) * 4;
    const b = bufferIndex(o.buffer, `${path}.buffer`);
    const offset = o.offset === undefined ? 0 : int(o.offset, `${path}.offset`, 0, MAX_BUFFER_BYTES);
    if (offset + bytes > buffers[b]!.size) fail(path, `bytes ${offset}..${offset + bytes} run past buffer ${b} (${buffers[b]!.size} bytes)`);
    if (withInit) {
      const init = obj(o.init, `${path}.init`);
      if (!['zeros', 'ones', 'constant', 'glorot_uniform', 'glorot_normal', 'he_uniform', 'he_normal', 'lecun_uniform', 'lecun_normal', 'orthogonal', 'unit_forget_bias', 'uniform'].includes(init.kind as string)) fail(`${path}.init.kind`, `${show(init.kind)} is not an initializer`);
      if (init.kind === 'constant' && typeof init.value !== 'number') fail(`${path}.init.value`, 'not a number');
      if (init.kind === 'orthogonal') { if (int(init.rows, `${path}.init.rows`, 1) * int(init.cols, `${path}.init.cols`, 1) !== bytes / 4) fail(`${path}.init`, 'rows × cols is not the tensor\'s size'); }
      else if (init.kind === 'uniform') {
        const ok = typeof init.min === 'number' && typeof init.max === 'number' && Number.isFinite(init.min) && Number.isFinite(init.max) && init.min < init.max;
        if (!ok) fail(`${path}.init`, 'uniform needs finite numbers min < max');
      } else if (init.kind === 'unit_forget_bias') { if (int(init.units, `${path}.init.units`, 1) * 4 !== bytes / 4) fail(`${path}.init.units`, 'is not a quarter of the tensor\'s size'); }
      else if (String(init.kind).includes('_')) { int(init.fanIn, `${path}.init.fanIn`, 1); int(init.fanOut, `${path}.init.fanOut`, 1); }
    }
    return shape;
  };
  // Batches are gathered on the host as batch × (values per sample), and eval and predict read their
  // outputs back the same way: a batch larger than a tensor holds would size copies from a number
  // nothing else bounds. (A hand-built graph may hold more than one batch; the compiler's hold one.)
  const fitsBatch = (shape: number[], path: string): void => {
    const perSample = shape.slice(1).reduce((a, b) => a * b, 1);
    const samples = shape.length === 0 ? 1 : shape[0]!;
    if (samples < batch) fail('batch', `${batch} samples do not fit ${path} (shape [${shape.join(', ')}]: ${samples} samples of ${perSample} values)`);
  };
  arr(m.inputs, 'inputs').forEach((s, i) => {
    fitsBatch(slot(s, `inputs[${i}]`, false), `inputs[${i}]`);
    // A token input's vocabulary bounds the ids the data readers accept.
    const o = s as Record<string, unknown>;
    if (o.vocab !== undefined && (int(o.vocab, `inputs[${i}].vocab`, 1) < 1 || o.dtype !== 'i32')) fail(`inputs[${i}].vocab`, 'only an i32 input has a vocabulary');
  });
  arr(m.params, 'params').forEach((s, i) => slot(s, `params[${i}]`, true));
  arr(m.state, 'state').forEach((s, i) => slot(s, `state[${i}]`, true));
  const hashes = obj(m.kernelSha256, 'kernelSha256');
  const kernels = arr(m.kernels, 'kernels');
  kernels.forEach((k, i) => {
    const o = obj(k, `kernels[${i}]`);
    const name = str(o.name, `kernels[${i}].name`);
    const file = str(o.shader, `kernels[${i}].shader`);
    if (!KERNEL_FILE.test(file)) fail(`kernels[${i}].shader`, `${show(file)} is not a file name under kernels/ (letters, digits, _ . - and .wgsl)`);
    if (typeof hashes[file] !== 'string' || !SHA256_HEX.test(hashes[file] as string)) fail(`kernelSha256[${show(file)}]`, `${show(hashes[file])} is not a SHA-256 (64 lowercase hex digits)`);
    let writes = 0;
    let paramBindings = 0;
    arr(o.bindings, `kernels[${i}].bindings`).forEach((b, j) => {
      const p = `kernels[${i}].bindings[${j}]`;
      const bo = obj(b, p);
      if (bo.binding !== j) fail(`${p}.binding`, `is ${show(bo.binding)}, expected ${j}`);
      const buf = bufferIndex(bo.buffer, `${p}.buffer`);
      if (!['read', 'read_write', 'uniform'].includes(bo.access as string)) fail(`${p}.access`, `${show(bo.access)} is not read, read_write or uniform`);
      if ((bo.access === 'uniform') !== (buffers[buf]!.kind === 'uniform')) fail(`${p}.access`, `${show(bo.access)} does not fit buffer ${buf} (${buffers[buf]!.kind})`);
      let size = buffers[buf]!.size;
      if (bo.offset !== undefined || bo.size !== undefined) {
        const off = int(bo.offset ?? 0, `${p}.offset`, 0, MAX_BUFFER_BYTES);
        size = int(bo.size, `${p}.size`, 4, MAX_BUFFER_BYTES);
        if (off % 256) fail(`${p}.offset`, `${off} is not a multiple of 256`);
        if (off + size > buffers[buf]!.size) fail(p, `bytes ${off}..${off + size} run past buffer ${buf} (${buffers[buf]!.size} bytes)`);
      }
      if (bo.access === 'read_write') writes += size / 4;
      if (buf === dispatch) {
        paramBindings++;
        if (bo.size !== DISPATCH_PARAMS_BYTES) fail(`${p}.size`, `a binding of the dispatch parameters spans ${DISPATCH_PARAMS_BYTES} bytes`);
      }
    });
    // Values the runtime writes into the kernel's slot: u32s, as many as the block holds, with exactly one binding to write them to.
    if (o.params !== undefined) arr(o.params, `kernels[${i}].params`).forEach((v, j) => int(v, `kernels[${i}].params[${j}]`, 0, 0xffffffff));
    const nParams = o.params === undefined ? 0 : (o.params as unknown[]).length;
    if (nParams > DISPATCH_PARAMS_BYTES / 4) fail(`kernels[${i}].params`, `holds ${nParams} values; a dispatch block holds ${DISPATCH_PARAMS_BYTES / 4}`);
    if ((o.params !== undefined) !== (paramBindings === 1) || paramBindings > 1) fail(`kernels[${i}].params`, 'a kernel with params binds the dispatch parameters once, and one without binds them not at all');
    const wg = arr(o.workgroups, `kernels[${i}].workgroups`);
    if (wg.length !== 3) fail(`kernels[${i}].workgroups`, 'needs 3 counts');
    const [x, y, z] = wg.map((w, d) => int(w, `kernels[${i}].workgroups[${d}]`, 1, MAX_WORKGROUPS_PER_DIM));
    const total = x! * y! * z!;
    const grid = `${x} × ${y} × ${z} = ${groupDigits(total)} workgroups`;
    // Each dimension fits, but the product is what the driver runs (and Mesa counts it in 32 bits).
    if (total > maxGroups) fail(`kernels[${i}].workgroups`, `kernel ${show(name)} dispatches ${grid}; at most ${groupDigits(maxGroups)} are allowed per dispatch`);
    if (total > gridCapacity(writes)) fail(`kernels[${i}].workgroups`, `kernel ${show(name)} dispatches ${grid} but writes ${groupDigits(writes)} values; a dlc kernel has at most one workgroup per value it writes (at most ${groupDigits(gridCapacity(writes))})`);
  });
  const programs = obj(m.programs, 'programs');
  for (const p of ['train_step', 'eval', 'forward']) {
    const o = obj(programs[p], `programs.${p}`);
    arr(o.kernels, `programs.${p}.kernels`).forEach((k, i) => int(k, `programs.${p}.kernels[${i}]`, 0, kernels.length - 1));
    arr(o.inputs, `programs.${p}.inputs`).forEach((n, i) => {
      if (!names.has(str(n, `programs.${p}.inputs[${i}]`))) fail(`programs.${p}.inputs[${i}]`, `${show(n)} is not a tensor of the manifest`);
    });
    arr(o.outputs, `programs.${p}.outputs`).forEach((s, i) => {
      const path = `programs.${p}.outputs[${i}]`;
      const so = obj(s, path);
      const b = bufferIndex(so.buffer, `${path}.buffer`);
      const shape = arr(so.shape, `${path}.shape`).map((d, k) => int(d, `${path}.shape[${k}]`, 1, 1 << 30));
      const end = (so.offset === undefined ? 0 : int(so.offset, `${path}.offset`, 0, MAX_BUFFER_BYTES)) + shape.reduce((a, c) => a * c, 1) * 4;
      if (end > buffers[b]!.size) fail(path, `runs past buffer ${b}`);
      if (p !== 'train_step') fitsBatch(shape, path);
    });
  }
  const train = obj(m.train, 'train');
  const opt = obj(train.optimizer, 'train.optimizer');
  if (typeof opt.lr !== 'number' || !Number.isFinite(opt.lr)) fail('train.optimizer.lr', 'not a finite number');
  int(train.seed, 'train.seed', TRAIN_SETTING_RANGES.seed.min, TRAIN_SETTING_RANGES.seed.max);
  int(train.epochs, 'train.epochs', TRAIN_SETTING_RANGES.epochs.min, TRAIN_SETTING_RANGES.epochs.max);
  if (train.tokenizer !== undefined) {
    const tok = obj(train.tokenizer, 'train.tokenizer');
    if (tok.level !== 'word' && tok.level !== 'character') fail('train.tokenizer.level', `${show(tok.level)} is not 'word' or 'character'`);
    int(tok.minCount, 'train.tokenizer.minCount', 1, 2 ** 31 - 1);
  }
  if (train.prune !== undefined) {
    // Masks are computed on the host from these figures and written over state: each must fit.
    const pr = obj(train.prune, 'train.prune');
    if (pr.kind !== 'magnitude') fail('train.prune.kind', `${show(pr.kind)} is not 'magnitude'`);
    if (typeof pr.sparsity !== 'number' || !(pr.sparsity >= 0 && pr.sparsity < 1)) fail('train.prune.sparsity', `${show(pr.sparsity)} is not a number in [0, 1)`);
    const start = int(pr.start, 'train.prune.start', 0);
    int(pr.end, 'train.prune.end', start);
    int(pr.every, 'train.prune.every', 1);
    const shapeOf = (list: unknown, name: string): string | undefined => (list as { name: string; shape: number[] }[]).find((x) => x.name === name)?.shape.join();
    arr(pr.tensors, 'train.prune.tensors').forEach((t, i) => {
      const o = obj(t, `train.prune.tensors[${i}]`);
      const param = shapeOf(m.params, str(o.param, `train.prune.tensors[${i}].param`));
      const mask = shapeOf(m.state, str(o.mask, `train.prune.tensors[${i}].mask`));
      if (param === undefined) fail(`train.prune.tensors[${i}].param`, `${show(o.param)} is not a parameter`);
      if (mask !== param) fail(`train.prune.tensors[${i}].mask`, `${show(o.mask)} is not a state tensor of the parameter's shape`);
    });
  }
  return m as unknown as Manifest;
}
