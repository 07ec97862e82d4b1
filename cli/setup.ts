// What every command that runs a model needs: its artifact (compiled from .dl, or loaded from a
// folder written by `dlc compile`) and a device on the chosen adapter.
import { existsSync, statSync } from 'node:fs';
import type { Artifact } from '../compiler/artifact.ts';
import { loadArtifact } from '../runtime/artifact-node.ts';
import { openDevice, type NodeDeviceHandle } from '../runtime/device-node.ts';
import { ADAPTER_CHOICES, type AdapterChoice } from '../runtime/device.ts';
import type { SessionOptions } from '../runtime/session.ts';
import { UserError } from './errors.ts';
import { compileFile, type CliOptions } from './main.ts';
import { supervisedWatchdog } from './supervise.ts';

/** A .dl file is compiled; a folder written by `dlc compile` is loaded as it is. */
export async function artifactFor(path: string, opts: CliOptions): Promise<Artifact> {
  if (!existsSync(path) || !statSync(path).isDirectory()) return (await compileFile(path, opts)).artifact!;
  if (opts.batch !== undefined || opts.model !== undefined || opts.clip) throw new UserError(`--batch, --model, --clip-norm and --clip-value apply to .dl files; ${path} is already compiled (recompile it with dlc compile)`);
  return loadArtifact(path);
}

/** The adapter from --adapter or DLC_ADAPTER, checked before anything is opened. */
export function adapterChoice(opts: CliOptions): AdapterChoice {
  const choice = opts.adapter ?? (process.env.DLC_ADAPTER || 'auto');
  if (!(ADAPTER_CHOICES as readonly string[]).includes(choice)) {
    throw new UserError(`${opts.adapter !== undefined ? '--adapter' : 'DLC_ADAPTER'} must be one of ${ADAPTER_CHOICES.join(', ')}, got '${choice}'`);
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

export const openChosenDevice = (choice: AdapterChoice): Promise<NodeDeviceHandle> => openDevice(choice);
