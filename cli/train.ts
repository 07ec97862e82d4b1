// `dlc train`: compile, open a device, train with per-epoch progress, evaluate held-out data, save weights.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { saveWeights } from '../runtime/weights-node.ts';
import { evaluate, fit } from '../runtime/fit.ts';
import { Session } from '../runtime/session.ts';
import { loadData } from './data.ts';
import { progress } from './progress.ts';
import { UserError } from './errors.ts';
import type { CliOptions } from './main.ts';
import { adapterChoice, artifactFor, openChosenDevice } from './setup.ts';

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

export async function trainCommand(file: string, opts: CliOptions): Promise<void> {
  const artifact = await artifactFor(file, opts);
  const m = artifact.manifest;
  if (!m.train.loss) throw new UserError(`${file} has no train section for model '${m.model}': add one with a loss, e.g. loss = cross_entropy(logits, label)`);
  const data = loadData(opts.data ?? 'mnist', m, {
    ...(opts.label ? { label: opts.label } : {}), ...(opts.valSplit !== undefined ? { valSplit: opts.valSplit } : {}), ...(opts.val !== undefined ? { val: opts.val } : {}),
  });
  if (data.train.count < m.batch) {
    throw new UserError(`${opts.data ?? 'mnist'}: ${data.train.count} training samples, fewer than one batch of ${m.batch}; lower the batch (--batch) or add data`);
  }
  const out = opts.out ?? join('runs', m.model);
  const choice = adapterChoice(opts);
  const handle = await openChosenDevice(choice);
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
    const show = progress(session, epochs, process.stdout);
    await fit(session, data.train, { epochs, seed, ...(data.test ? { validation: data.test } : {}), onStep: show.onStep, onEpoch: show.onEpoch });
    const seconds = (performance.now() - started) / 1000;
    const meta: Record<string, string> = {};
    if (data.test) {
      const ev = await evaluate(session, data.test);
      const acc = ev.accuracy !== undefined ? `  accuracy ${pct(ev.accuracy)}` : '';
      process.stdout.write(`held-out: loss ${ev.loss.toFixed(4)}${acc} on ${ev.count} samples (trained in ${seconds.toFixed(1)}s)\n`);
      if (ev.accuracy !== undefined) meta.heldout_accuracy = String(ev.accuracy);
    } else {
      process.stdout.write(`trained in ${seconds.toFixed(1)}s\n`);
    }
    await mkdir(out, { recursive: true });
    const path = join(out, 'weights.safetensors');
    await saveWeights(session, path, meta);
    process.stdout.write(`saved weights to ${path}\n`);
    session.dispose();
  } finally {
    handle.destroy();
  }
}
