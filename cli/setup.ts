// What every command that runs a model needs: its artifact (compiled from .dl, or loaded from a
// folder written by `dlc compile`) and a device on the chosen adapter.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Artifact } from '../compiler/artifact.ts';
import { printable } from '../dsl/printable.ts';
import { loadArtifact } from '../runtime/artifact-node.ts';
import { kernelTargetFor, openDevice, type NodeDeviceHandle } from '../runtime/device-node.ts';
import { ADAPTER_CHOICES, type AdapterChoice } from '../runtime/device.ts';
import type { SessionOptions } from '../runtime/session.ts';
import type { InputFile } from '../runtime/write-node.ts';
import { isMnist } from './data.ts';
import { UserError } from './errors.ts';
import { compileFile } from './compile-file.ts';
import type { CliOptions } from './options.ts';
import { supervisedWatchdog } from './supervise.ts';

/** A .dl file is compiled; a folder written by `dlc compile` is loaded as it is. */
export async function artifactFor(path: string, opts: CliOptions): Promise<Artifact> {
  if (!isFolder(path)) return (await compileFile(path, opts)).artifact!;
  if (opts.batch !== undefined || opts.model !== undefined || opts.clip) throw new UserError(`--batch, --model, --clip-norm and --clip-value apply to .dl files; ${printable(path)} is already compiled (recompile it with dlc compile)`);
  return loadArtifact(path);
}

/**
 * The artifact to run on `handle`: a .dl file compiled again for the adapter's kernel target when
 * that is not the default one; a compiled folder, or the default target, as it is.
 */
export async function artifactForDevice(path: string, opts: CliOptions, artifact: Artifact, handle: Pick<NodeDeviceHandle, 'softwareDriver'>): Promise<Artifact> {
  const target = kernelTargetFor(handle);
  if (target === 'cpu' || isFolder(path)) return artifact;
  return (await compileFile(path, opts, { target })).artifact!;
}

/** The adapter from --adapter or DLC_ADAPTER, checked before anything is opened. */
export function adapterChoice(opts: CliOptions): AdapterChoice {
  const choice = opts.adapter ?? (process.env.DLC_ADAPTER || 'auto');
  if (!(ADAPTER_CHOICES as readonly string[]).includes(choice)) {
    throw new UserError(`${opts.adapter !== undefined ? '--adapter' : 'DLC_ADAPTER'} must be one of ${ADAPTER_CHOICES.join(', ')}, got '${printable(choice)}'`);
  }
  return choice as AdapterChoice;
}

/** How a command's session is watched: --timeout (else automatic), the parent's watchdog, and what a timeout leaves intact. */
export function watchedSession(opts: CliOptions, timeoutNote?: string): SessionOptions {
  const watchdog = supervisedWatchdog(timeoutNote);
  return {
    ...(opts.timeout !== undefined ? { timeoutSeconds: opts.timeout } : {}),
    ...(timeoutNote !== undefined ? { timeoutNote } : {}),
    ...(watchdog ? { watchdog } : {}),
  };
}

/** Opens the chosen adapter's device, with the WebGPU features given (an adapter without one is refused by name). */
export const openChosenDevice = (choice: AdapterChoice, requiredFeatures: readonly GPUFeatureName[] = []): Promise<NodeDeviceHandle> => openDevice(choice, undefined, { requiredFeatures });

const isFolder = (path: string): boolean => existsSync(path) && statSync(path).isDirectory();

/** Whether `path` is a folder written by `dlc compile` (not a .dl file to compile). */
export const isCompiledFolder = isFolder;

/**
 * The files a command reads, which none of its outputs may replace: the .dl file (or a compiled
 * folder's manifest.json), --weights, --data, --labels and --val. A checkpoint read by --resume is
 * not among them: replacing it is the point.
 */
export function inputsOf(file: string, opts: CliOptions): InputFile[] {
  const inputs: InputFile[] = [isFolder(file) ? { path: join(file, 'manifest.json'), role: 'the compiled manifest' } : { path: file, role: 'the .dl file' }];
  if (opts.weights !== undefined) inputs.push({ path: opts.weights, role: 'the --weights file' });
  if (opts.data !== undefined && !isMnist(opts.data)) inputs.push({ path: opts.data, role: 'the --data file' });
  if (opts.labels !== undefined) inputs.push({ path: opts.labels, role: 'the --labels file' });
  if (opts.val !== undefined) inputs.push({ path: opts.val, role: 'the --val file' });
  return inputs;
}
