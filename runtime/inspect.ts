// Looking inside a program run: how long each kernel takes, and which kernel first wrote a
// non-finite value. Both run the program kernel by kernel (Session.kernelByKernel), so they are
// slower than Session.run and meant for profiling and diagnosis. Browser-safe.
import type { ProgramName, Session, TensorData } from './session.ts';

/** Times every kernel of a program alone (each dispatch in its own submission, waited for). */
export async function profileKernels(session: Session, program: ProgramName, inputs: Record<string, TensorData>): Promise<{ kernel: string; ms: number }[]> {
  const out: { kernel: string; ms: number }[] = [];
  await session.kernelByKernel(program, inputs, async (k, ms) => { out.push({ kernel: k.name, ms }); });
  return out;
}

/**
 * Runs a program kernel by kernel and returns the first kernel that wrote a non-finite value
 * (NaN or ±Inf) into any range it may write, with its source origin; null when none did.
 */
export async function firstNonFinite(session: Session, program: ProgramName, inputs: Record<string, TensorData>): Promise<{ kernel: string; origin?: string } | null> {
  let found: { kernel: string; origin?: string } | null = null;
  await session.kernelByKernel(program, inputs, async (k) => {
    for (const b of k.bindings.filter((x) => x.access === 'read_write')) {
      const size = b.size ?? session.manifest.buffers[b.buffer]!.size;
      const data = await session.readRange(b.buffer, b.offset ?? 0, size);
      if (data.some((v) => !Number.isFinite(v))) {
        found = { kernel: k.name, ...(k.origin ? { origin: session.originOf(k.origin) } : {}) };
        return true;
      }
    }
    return false;
  });
  return found;
}
