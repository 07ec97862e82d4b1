// `dlc train`: compile, open a device, train with per-epoch progress, evaluate held-out data, save weights.
import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { Artifact } from '../compiler/artifact.ts';
import { loadArtifact } from '../runtime/artifact-node.ts';
import { join } from 'node:path';
import { saveWeights } from '../runtime/weights-node.ts';
import { openDevice } from '../runtime/device-node.ts';
import { ADAPTER_CHOICES, type AdapterChoice } from '../runtime/device.ts';
import { evaluate, fit, type EpochResult } from '../runtime/fit.ts';
import { Session } from '../runtime/session.ts';
import { loadData } from './data.ts';
import { UserError } from './errors.ts';
import { compileFile, type CliOptions } from './main.ts';

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

function epochLine(r: EpochResult, epochs: number): string {
  const parts = [`epoch ${String(r.epoch).padStart(String(epochs).length)}/${epochs}`, `loss ${r.loss.toFixed(4)}`];
  if (r.accuracy !== undefined) parts.push(`accuracy ${pct(r.accuracy)}`);
  parts.push(`${Math.round(r.samples / r.seconds).toLocaleString('en-US')} samples/s`, `${r.seconds.toFixed(1)}s`);
  return parts.join('  ');
}

/** A .dl file is compiled; a folder written by `dlc compile` is loaded as it is. */
async function artifactFor(path: string, opts: CliOptions): Promise<Artifact> {
  if (!existsSync(path) || !statSync(path).isDirectory()) return (await compileFile(path, opts)).artifact!;
  if (opts.batch !== undefined || opts.model !== undefined) throw new UserError(`--batch and --model apply to .dl files; ${path} is already compiled (recompile it with dlc compile)`);
  return loadArtifact(path);
}

export async function trainCommand(file: string, opts: CliOptions): Promise<void> {
  const artifact = await artifactFor(file, opts);
  const m = artifact.manifest;
  if (!m.train.loss) throw new UserError(`${file} has no train section for model '${m.model}': add one with a loss, e.g. loss = cross_entropy(logits, label)`);
  const data = loadData(opts.data ?? 'mnist', m);
  const out = opts.out ?? join('runs', m.model);
  const choice = opts.adapter ?? (process.env.DLC_ADAPTER || 'auto');
  if (!(ADAPTER_CHOICES as readonly string[]).includes(choice)) {
    throw new UserError(`${opts.adapter !== undefined ? '--adapter' : 'DLC_ADAPTER'} must be one of ${ADAPTER_CHOICES.join(', ')}, got '${choice}'`);
  }
  const handle = await openDevice(choice as AdapterChoice);
  try {
    const session = await Session.create(artifact, handle.device);
    const seed = opts.seed ?? m.train.seed;
    session.initialize(seed);
    if (opts.lr !== undefined) session.lr = opts.lr;
    const epochs = opts.epochs ?? m.train.epochs;
    const o = m.train.optimizer;
    process.stdout.write(`training ${m.model} on ${handle.description} (${handle.adapterKind})\n`);
    process.stdout.write(`${data.description}; ${o.kind}(lr ${session.lr}), batch ${m.batch}, ${epochs} epochs, seed ${seed}\n`);
    const started = performance.now();
    await fit(session, data.train, { epochs, seed, onEpoch: (e) => { process.stdout.write(`${epochLine(e, epochs)}\n`); } });
    const seconds = (performance.now() - started) / 1000;
    const ev = await evaluate(session, data.test);
    const acc = ev.accuracy !== undefined ? `  accuracy ${pct(ev.accuracy)}` : '';
    process.stdout.write(`held-out: loss ${ev.loss.toFixed(4)}${acc} on ${ev.count} samples (trained in ${seconds.toFixed(1)}s)\n`);
    await mkdir(out, { recursive: true });
    const path = join(out, 'weights.safetensors');
    await saveWeights(session, path, ev.accuracy !== undefined ? { heldout_accuracy: String(ev.accuracy) } : {});
    process.stdout.write(`saved weights to ${path}\n`);
    session.dispose();
  } finally {
    handle.destroy();
  }
}
