// dlc command line: compile | check | train | tune | eval | predict | viz | export | quantize. User errors print one message and exit 1.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDumps } from '../compiler/pipeline.ts';
import { didYouMean } from '../dsl/diagnostics.ts';
import { printable } from '../dsl/printable.ts';
import { fsReason } from '../runtime/write-node.ts';
import { ReportedError, UserError } from './errors.ts';
import { writeArtifact } from './artifact-io.ts';
import { compileFile } from './compile-file.ts';
import { COMMANDS, isCommand, parseCommandLine, USAGE, type CliOptions } from './options.ts';
import { inputsOf } from './setup.ts';
import { weightsSparsity } from './sparsity.ts';
import { formatStats, formatSummary } from './summary.ts';
import { textWidth } from './terminal.ts';

/** The version in dlc's package.json, which `dlc --version` prints: one folder up from cli/ in the source, two from the build's dist/cli/. */
function dlcVersion(): string {
  for (const path of ['../package.json', '../../package.json']) {
    let text: string;
    try {
      text = readFileSync(new URL(path, import.meta.url), 'utf8');
    } catch {
      continue;
    }
    const pkg = JSON.parse(text) as { name?: string; version?: string };
    if (pkg.name === 'dlc' && pkg.version !== undefined) return pkg.version;
  }
  return 'unknown';
}

async function main(argv: string[]): Promise<void> {
  const { command, file, opts, help, version } = parseCommandLine(argv);
  if (version) {
    process.stdout.write(`dlc ${dlcVersion()}\n`);
    return;
  }
  if (help || !command) {
    process.stdout.write(`${USAGE}\n`);
    if (!command && !help) throw new ReportedError();
    return;
  }
  if (!isCommand(command)) throw new UserError(`unknown command '${printable(command)}'${didYouMean(command, [...COMMANDS])} (dlc --help lists the commands)`);
  if (!file) throw new UserError(`${command} needs a .dl file, e.g. dlc ${command} samples/mnist_mlp.dl`);
  if (command === 'compile') {
    if (!opts.out && !opts.dumpIr) throw new UserError('compile needs an output folder: -o <dir>');
    const r = await compileFile(file, opts);
    // Value and layer names come from the file: each line is made printable.
    if (opts.dumpIr) process.stdout.write(formatDumps(r.dumps ?? []).split('\n').map((l) => printable(l, Infinity)).join('\n'));
    if (!opts.out) return;
    await writeArtifact(opts.out, r.artifact!, { inputs: inputsOf(file, opts), force: opts.force === true });
    const m = r.artifact!.manifest;
    process.stdout.write(`wrote ${printable(join(opts.out, 'manifest.json'))} and ${Object.keys(r.artifact!.shaders).length} kernels (train_step ${m.stats.dispatches.train_step} dispatches)\n`);
    if (opts.stats) process.stdout.write(`${formatStats(m)}\n`);
  } else if (command === 'check') {
    const r = await compileFile(file, opts);
    // The table reads the layers before fusion merges them into kernels; the costs are the fused step's.
    const layers = await compileFile(file, opts, { fuse: false });
    const width = textWidth(process.stdout);
    process.stdout.write(`${formatSummary(layers, r, width, { stats: opts.stats === true })}\n`);
    if (opts.stats) process.stdout.write(`${formatStats(r.artifact!.manifest, width)}\n`);
    if (opts.weights !== undefined) process.stdout.write(`${await weightsSparsity(opts.weights, r.artifact!.manifest.model, r.artifact!.manifest.params)}\n`);
  } else {
    // Each command's module is loaded when it runs: a training process holds no exporter or plotter.
    if (command === 'viz') await (await import('./viz.ts')).vizCommand(file, opts);
    else if (command === 'eval') await (await import('./predict.ts')).evalCommand(file, opts);
    else if (command === 'predict') await (await import('./predict.ts')).predictCommand(file, opts);
    else if (command === 'export') await (await import('./export.ts')).exportCommand(file, opts, dlcVersion());
    else if (command === 'quantize') await (await import('./export.ts')).quantizeCommand(file, opts, dlcVersion());
    else if (command === 'tune') await (await import('./tune.ts')).tuneCommand(file, opts);
    else await (await import('./train.ts')).trainCommand(file, opts);
  }
}

// A reader that went away (`dlc predict --out - | head`) is not an error of dlc's: stop writing quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
});

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ReportedError) {
    // Diagnostics were printed already.
  } else if (err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && typeof (err as NodeJS.ErrnoException).path === 'string') {
    // A file-system failure (a file in the way, no permission, a full disk): the user's to fix.
    process.stderr.write(`dlc: cannot use ${printable((err as NodeJS.ErrnoException).path!)}: ${fsReason(err)}\n`);
  } else if (err instanceof UserError || (err instanceof Error && ['DeviceUnavailableError', 'SessionError', 'CheckpointError', 'WriteError', 'SafetensorsError', 'DataError', 'NonFiniteError', 'ManifestError', 'InferenceError', 'InferenceManifestError'].includes(err.name))) {
    process.stderr.write(`dlc: ${err.message}\n`);
  } else {
    process.stderr.write(`dlc: internal error (a bug in dlc, please report it): ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  }
  process.exitCode = 1;
});
