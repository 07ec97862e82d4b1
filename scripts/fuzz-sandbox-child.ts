// The fuzz sandbox's child process: runs one probe at a time through the code the CLI uses (the
// artifact loader, the data and weight readers), measures how far its memory rose, and refuses any
// single typed-array allocation above a bound, so a reader that trusts a size from a file is caught
// before it allocates gigabytes. Started by fuzz-sandbox.ts; answers over IPC.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Manifest } from '../compiler/artifact.ts';
import { ALLOCATION_LIMIT, type Probe } from './fuzz-probes.ts';
import { digestProblems } from './fuzz-digests.ts';
import { loadArtifact } from '../runtime/artifact-node.ts';
import { Session } from '../runtime/session.ts';
import { loadCheckpoint, loadWeights } from '../runtime/weights-node.ts';
import type { Samples } from '../runtime/fit.ts';
import { readDataFile } from '../cli/data.ts';

/** Thrown instead of allocating past ALLOCATION_LIMIT; the parent reports it as a memory failure. */
class AllocationBoundError extends Error {
  override name = 'AllocationBoundError';
}

const TYPED = ['ArrayBuffer', 'Uint8Array', 'Int8Array', 'Uint16Array', 'Int16Array', 'Uint32Array', 'Int32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array'] as const;
for (const name of TYPED) {
  const original = globalThis[name] as unknown as (new (...args: unknown[]) => object) & { BYTES_PER_ELEMENT?: number };
  const width = original.BYTES_PER_ELEMENT ?? 1;
  (globalThis as Record<string, unknown>)[name] = new Proxy(original, {
    construct(target, args, newTarget) {
      if (typeof args[0] === 'number' && args[0] * width > ALLOCATION_LIMIT) {
        throw new AllocationBoundError(`new ${name}(${args[0]}) would allocate ${args[0] * width} bytes`);
      }
      return Reflect.construct(target, args, newTarget);
    },
  });
}

const procStatus = (): string | undefined => {
  try {
    return readFileSync('/proc/self/status', 'utf8');
  } catch {
    return undefined;
  }
};
const kib = (status: string | undefined, field: string): number | undefined => {
  const m = status && new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
  return m ? Number(m[1]) * 1024 : undefined;
};

/** Resets the kernel's high-water mark of resident memory (Linux); returns the resident size now. */
function resetPeak(): number {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // Not Linux: the peak falls back to the resident size after the probe.
  }
  return process.memoryUsage().rss;
}
const peakSince = (base: number): number => (kib(procStatus(), 'VmHWM') ?? process.memoryUsage().rss) - base;

/** What accepted samples must look like: the model's sizes, finite float32 features, labels in range. */
function samplesProblems(s: Samples, m: Manifest, labelsOptional: boolean): string[] {
  const out: string[] = [];
  if (!Number.isInteger(s.count) || s.count < 1) out.push(`accepted: ${s.count} samples`);
  for (const input of m.inputs) {
    const t = s.tensors[input.name];
    if (!t) {
      if (!(labelsOptional && input.name === m.train.label)) out.push(`accepted: no tensor for input '${input.name}'`);
      continue;
    }
    const per = input.shape.slice(1).reduce((a, b) => a * b, 1);
    if (t.length !== s.count * per) out.push(`accepted: '${input.name}' has ${t.length} values for ${s.count} samples of ${per}`);
    if (input.dtype === 'f32' && t.some((v) => !Number.isFinite(v))) out.push(`accepted: a value of '${input.name}' that is not finite in float32 (beyond ±3.4e38, or NaN)`);
    if (input.dtype === 'i32' && input.classes !== undefined && t.some((v) => !(v >= 0 && v < input.classes!))) out.push(`accepted: a label of '${input.name}' outside 0..${input.classes - 1}`);
  }
  return out;
}

/**
 * A Session without a device: the weight and checkpoint loaders run their real checks (names,
 * dtypes, shapes, sizes) and the GPU write is a no-op. Fields as Session.create would set them.
 */
function devicelessSession(m: Manifest): Session {
  const s = Object.create(Session.prototype) as Session;
  Object.assign(s, {
    manifest: m, step: 0, lr: m.train.optimizer.lr, seed: m.train.seed, buffers: [], kernels: [], staging: new Map(), disposed: false, lost: undefined,
    slots: new Map([...m.inputs, ...m.params, ...m.state].map((t) => [t.name, t])),
    device: { queue: { writeBuffer: () => undefined } },
  });
  return s;
}

async function runProbe(p: Probe): Promise<string[]> {
  switch (p.kind) {
    case 'artifact': return digestProblems(await loadArtifact(p.dir));
    case 'samples': return samplesProblems(readDataFile(p.path, p.manifest, p.opts, p.labelsOptional), p.manifest, p.labelsOptional);
    case 'weights': await loadWeights(devicelessSession(p.manifest), p.path); return [];
    case 'checkpoint': await loadCheckpoint(devicelessSession(p.manifest), p.path); return [];
    case 'spin': for (;;);
    case 'allocate': new Uint8Array(p.bytes).fill(1); return [];
    case 'throw': throw Object.assign(new Error(p.message), { name: p.name });
  }
}

/** Resident size when the child was ready, and how far above it a probe may start before the garbage is collected first. */
const READY_RSS = process.memoryUsage().rss;
const COLLECT_ABOVE = 64 * 2 ** 20;

/**
 * Frees what an earlier probe left (the parent starts this process with --expose-gc) and waits a
 * little for its pages to go back: freed during the next probe, they would be reused unseen and
 * hide that probe's rise. Only after a probe that left more than COLLECT_ABOVE.
 */
async function collectGarbage(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc || process.memoryUsage().rss <= READY_RSS + COLLECT_ABOVE) return;
  gc();
  for (let i = 0; i < 50 && process.memoryUsage().rss > READY_RSS + COLLECT_ABOVE; i++) await new Promise((r) => setTimeout(r, 10));
}

process.on('message', async ({ id, probe }: { id: number; probe: Probe }) => {
  await collectGarbage();
  const base = resetPeak();
  const t0 = performance.now();
  try {
    const problems = await runProbe(probe);
    process.send!({ id, status: 'ok', ms: performance.now() - t0, peakBytes: peakSince(base), problems });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const error = { name: String(e?.name), message: String(e?.message), stack: String(e?.stack), ...(typeof e?.code === 'string' ? { code: e.code } : {}), ...(typeof e?.path === 'string' ? { path: e.path } : {}) };
    process.send!({ id, status: 'error', ms: performance.now() - t0, peakBytes: peakSince(base), error });
  }
});
process.send!('ready');
