// `dlc export net.dl --weights W -o dir`: the model for deployment. `--format` picks what is written;
// `native` (the default) is dlc's inference artifact (manifest.json with the forward kernels, and
// weights.safetensors), which `dlc/infer` runs for any batch up to --max-batch; `onnx` is one .onnx
// file (cli/export-onnx.ts). Each format is one writer in EXPORT_FORMATS; every check of the
// command line and the weights happens before a write. `dlc quantize` writes the native artifact
// with int8 dense and conv kernels (compiler/quantize.ts).
import { groupDigits } from '../dsl/group-digits.ts';
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportInference } from '../compiler/export.ts';
import { formatDiagnostics } from '../dsl/diagnostics.ts';
import { printable } from '../dsl/printable.ts';
import { INFERENCE_FORMAT, INFERENCE_WEIGHTS_FILE, type InferenceManifest } from '../runtime/inference-manifest.ts';
import { encodeSafetensors } from '../runtime/safetensors.ts';
import { calibrateActivations } from '../compiler/calibrate.ts';
import { compile } from '../compiler/compile.ts';
import { inferenceWeightsFile } from '../compiler/quantize.ts';
import { F16_MAX, f16Overflow, halfWeightsFile } from '../compiler/half.ts';
import { checkOutputFolder, fsFor, fsReason, makeFolder, writeFileSafely, WriteError, type InputFile, type WriteFs, type WriteOptions } from '../runtime/write-node.ts';
import { readSource } from './compile-file.ts';
import { loadData } from './data.ts';
import { wantedWeights } from './export-weights.ts';
import { exportOnnxFile } from './export-onnx.ts';
import { ReportedError, UserError } from './errors.ts';
import type { CliOptions } from './options.ts';
import { inputsOf } from './setup.ts';

/** --max-batch when not given: large enough to keep a GPU busy, small enough for any device's buffers. */
export const DEFAULT_MAX_BATCH = 64;

/** What every format's writer gets: the checked command line. */
interface ExportJob {
  file: string;
  out: string;
  weights: string;
  opts: CliOptions;
  inputs: InputFile[];
  /** dlc's version, recorded where the format has a place for it. */
  version: string;
  /** dlc quantize: dense and conv kernels as int8. */
  int8?: boolean;
  /** dlc export --precision f16: dense and conv kernels as f16. */
  f16?: boolean;
}

/** The formats `--format` takes, the default first; each writes `job.out` and says what it wrote. */
const EXPORT_FORMATS: Record<string, (job: ExportJob) => Promise<void>> = {
  native: exportNative,
  onnx: exportOnnxFile,
};
export const EXPORT_FORMAT_NAMES = Object.keys(EXPORT_FORMATS);

/** `dlc quantize net.dl --weights W -o dir`: the native inference artifact with int8 dense and conv kernels. */
export async function quantizeCommand(file: string, opts: CliOptions, version: string): Promise<void> {
  if (opts.out === undefined) throw new UserError('quantize needs an output folder: -o <dir>');
  if (opts.weights === undefined) throw new UserError('quantize needs --weights: a .safetensors file written by dlc train');
  if (await isFolder(file)) throw new UserError(`quantize needs the .dl file of the model; ${printable(file)} is a folder (a compiled folder holds kernels, not the program)`);
  if ((opts.calibrate === undefined) !== (opts.data === undefined)) throw new UserError(opts.calibrate === undefined ? '--data is for --calibrate <n>: int8 activations take their scales from the first n training samples of the data' : '--calibrate needs --data: the data set whose first training samples set the activation scales (e.g. --data mnist)');
  await exportNative({ file, out: opts.out, weights: opts.weights, opts, inputs: inputsOf(file, opts), version, int8: true });
}

/** The first `n` training samples of --data (dlc quantize --calibrate), by input name. */
function calibrationSamples(source: string, job: ExportJob, n: number): Record<string, ArrayLike<number>> {
  const r = compile(source, { file: job.file, ...(job.opts.model !== undefined ? { model: job.opts.model } : {}) });
  if (!r.ok) throw new Error('internal error: the program compiled for export but not for its data');
  const o = job.opts;
  const data = loadData(o.data!, r.artifact!.manifest, { ...(o.label ? { label: o.label } : {}), ...(o.labels ? { labels: o.labels } : {}), ...(o.scale !== undefined ? { scale: o.scale } : {}) });
  if (data.train.count < n) throw new UserError(`--calibrate ${n}: ${printable(o.data!)} has ${groupDigits(data.train.count)} training samples`);
  return data.train.tensors;
}

export async function exportCommand(file: string, opts: CliOptions, version: string): Promise<void> {
  const format = opts.format ?? EXPORT_FORMAT_NAMES[0]!;
  const write = EXPORT_FORMATS[format];
  if (!write) throw new UserError(`--format must be one of ${EXPORT_FORMAT_NAMES.join(', ')}, got '${printable(format)}'`);
  if (opts.out === undefined) throw new UserError(format === 'native' ? 'export needs an output folder: -o <dir>' : `export --format ${format} needs an output file: -o <model.${format}>`);
  if (opts.weights === undefined) throw new UserError('export needs --weights: a .safetensors file written by dlc train');
  if (format !== 'native' && opts.maxBatch !== undefined) throw new UserError(`--max-batch applies to --format native; an ${format} model takes any batch`);
  if (format !== 'native' && opts.precision === 'f16') throw new UserError(`--precision f16 applies to --format native; the ${format} model is written with f32 weights`);
  if (await isFolder(file)) throw new UserError(`export needs the .dl file of the model; ${printable(file)} is a folder (a compiled folder holds kernels, not the program)`);
  await write({ file, out: opts.out, weights: opts.weights, opts, inputs: inputsOf(file, opts), version, ...(opts.precision === 'f16' ? { f16: true } : {}) });
}

/** The native inference artifact: manifest.json (kernels inline) and weights.safetensors; with `int8`, dlc quantize's. */
export async function exportNative(job: ExportJob): Promise<void> {
  await checkOutputFolder(job.out);
  const source = readSource(job.file);
  const maxBatch = job.opts.maxBatch ?? DEFAULT_MAX_BATCH;
  const calibrate = job.int8 ? job.opts.calibrate : undefined;
  const r = exportInference(source, { file: job.file, maxBatch, ...(job.opts.model !== undefined ? { model: job.opts.model } : {}), ...(job.int8 ? { int8: true } : {}), ...(calibrate !== undefined ? { int8Activations: true } : {}), ...(job.f16 ? { f16: true } : {}) });
  if (!r.ok) {
    const n = r.diagnostics.length;
    process.stderr.write(`${formatDiagnostics(r.diagnostics, source)}\n${n} error${n === 1 ? '' : 's'}\n`);
    throw new ReportedError();
  }
  const m = r.manifest!;
  const int8 = m.weights.filter((w) => w.int8);
  if (job.int8 && int8.length === 0) throw new UserError(`model '${printable(m.model)}' has no dense or conv kernels to quantise (dlc export writes it with f32 weights)`);
  const data = await wantedWeights(job.weights, m.model, m.weights);
  const metadata = { format: INFERENCE_FORMAT, model: m.model, source_hash: m.sourceHash };
  const f32 = encodeSafetensors(m.weights.map((w, i) => ({ name: w.name, dtype: 'F32' as const, shape: w.shape, data: data[i]! })), metadata);
  const actInt8 = m.weights.filter((w) => w.int8?.activations);
  if (calibrate !== undefined && actInt8.length === 0) throw new UserError(`--calibrate: no dense or conv kernel of model '${printable(m.model)}' can quantise its input (only 2-D dense and conv2d kernels do); quantise without --calibrate`);
  const actScales = calibrate !== undefined ? calibrateActivations(source, { file: job.file, ...(job.opts.model !== undefined ? { model: job.opts.model } : {}) }, m, data, calibrationSamples(source, job, calibrate), calibrate) : new Map<string, number>();
  const quantization = `int8 symmetric per output channel${calibrate !== undefined ? `; int8 activations symmetric per tensor, calibrated on ${calibrate} training samples` : ''}`;
  const half = m.weights.filter((w) => w.f16);
  if (job.f16 && half.length === 0) throw new UserError(`model '${printable(m.model)}' has no dense or conv kernels to store as f16 (export it without --precision f16)`);
  const overflow = job.f16 ? f16Overflow(m, data) : undefined;
  if (overflow) throw new UserError(`${printable(job.weights)}: '${printable(overflow.name)}' holds ${overflow.value} (element ${overflow.index}), beyond f16's range (magnitude at most ${F16_MAX}); export it with f32 weights`);
  const weights = job.int8 ? inferenceWeightsFile(m, data, { ...metadata, quantization }, actScales)
    : job.f16 ? halfWeightsFile(m, data, { ...metadata, precision: 'f16 dense and conv kernels' }) : f32;
  await writeInferenceFolder(job.out, m, weights, { inputs: job.inputs, force: job.opts.force === true });
  process.stdout.write(`wrote ${printable(join(job.out, 'manifest.json'))} (${m.kernels.length} forward kernels, batches of 1 to ${maxBatch} samples per run) and ${INFERENCE_WEIGHTS_FILE} (${m.weights.length} tensors)\n`);
  if (job.int8) {
    process.stdout.write(`int8 (per output channel): ${int8.map((w) => printable(w.name)).join(', ')}; f32: the other ${m.weights.length - int8.length}\n`);
    if (calibrate !== undefined) process.stdout.write(`int8 activations (per tensor, from ${groupDigits(calibrate)} training samples): ${actInt8.map((w) => `${printable(w.name)} scale ${actScales.get(w.name)!.toPrecision(4)}`).join(', ')}\n`);
    process.stdout.write(`${INFERENCE_WEIGHTS_FILE}: ${groupDigits(weights.length)} bytes (${groupDigits(f32.length)} with f32 weights, ${(f32.length / weights.length).toFixed(2)}× smaller)\n`);
  }
  if (job.f16) {
    process.stdout.write(`f16: ${half.map((w) => printable(w.name)).join(', ')}; f32: the other ${m.weights.length - half.length} (running it needs an adapter with shader-f16)\n`);
    process.stdout.write(`${INFERENCE_WEIGHTS_FILE}: ${groupDigits(weights.length)} bytes (${groupDigits(f32.length)} with f32 weights, ${(f32.length / weights.length).toFixed(2)}× smaller)\n`);
  }
}

const isFolder = async (path: string): Promise<boolean> => {
  try {
    return (await lstat(path)).isDirectory();
  } catch {
    return false;
  }
};

/** The format of the manifest.json in `dir`, or undefined when there is none (or it is not JSON dlc wrote). */
async function manifestFormat(fs: WriteFs, dir: string): Promise<string | undefined> {
  try {
    const path = join(dir, 'manifest.json');
    const s = await fs.lstat(path);
    if (!s.isFile() || s.size > 256 << 20) return undefined;
    const format = (JSON.parse(await readFile(path, 'utf8')) as { format?: unknown }).format;
    return typeof format === 'string' ? format : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes the artifact into `dir`: weights.safetensors, then manifest.json (what a reader opens), each
 * by an atomic rename. A folder holding an earlier export is updated; a non-empty folder holding
 * anything else is refused (with `force`: written into, touching only those two files), and a
 * compiled artifact's folder always (its manifest.json is not ours to replace). A failed write
 * removes what it added.
 * @throws WriteError naming the user's path
 */
export async function writeInferenceFolder(dir: string, m: InferenceManifest, weights: Uint8Array, opts: WriteOptions & { force?: boolean } = {}): Promise<void> {
  const fs = fsFor(opts);
  const created = await makeFolder(dir, opts);
  if (!created) {
    const format = await manifestFormat(fs, dir);
    if (format !== undefined && format !== INFERENCE_FORMAT) throw new WriteError(`${printable(dir)} holds another dlc artifact (${printable(format, 40)}); choose another -o for the export`);
    let entries: string[];
    try {
      entries = await fs.readdir(dir);
    } catch (err) {
      throw new WriteError(`cannot write into ${printable(dir)}: ${fsReason(err)}`, { cause: err });
    }
    if (format === undefined && entries.length > 0 && !opts.force) {
      throw new WriteError(`${printable(dir)} is not empty and holds no dlc export; choose another -o, or add --force to write manifest.json and ${INFERENCE_WEIGHTS_FILE} into it (nothing else is touched)`);
    }
  }
  const added: string[] = [];
  try {
    for (const [name, data] of [[INFERENCE_WEIGHTS_FILE, weights], ['manifest.json', `${JSON.stringify(m)}\n`]] as const) {
      const path = join(dir, name);
      if (!(await isPresent(fs, path))) added.push(path);
      await writeFileSafely(path, data, opts);
    }
  } catch (err) {
    for (const path of added) await fs.unlink(path).catch(() => undefined);
    if (created) await fs.rmdir(dir).catch(() => undefined);
    throw err;
  }
}

async function isPresent(fs: WriteFs, path: string): Promise<boolean> {
  try {
    await fs.lstat(path);
    return true;
  } catch {
    return false;
  }
}
