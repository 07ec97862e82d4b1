// Session.dispose frees every GPU buffer: creating, using and disposing 200 sessions of the MNIST
// MLP (2.2 MB of buffers each, 430 MB if they leaked) after a warm-up grows the process by less than
// 150 MB: RSS noise under parallel tests reached ~90 MB, a missing destroy() measured 220-280 MB.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { Session } from '../../runtime/session.ts';
import { ROOT } from '../helpers/cli.ts';
import { useDevice } from '../helpers/gpu.ts';

describe('Session.dispose', () => {
  const device = useDevice('gles');
  it('200 sessions created, stepped and disposed: every buffer is destroyed, memory stays within 150 MB of the start, a disposed session refuses work', async (t) => {
    const h = device();
    if (!h) return t.skip();
    const art = compile(readFileSync(join(ROOT, 'samples/mnist_mlp.dl'), 'utf8')).artifact!;
    const image = new Float32Array(128 * 784).fill(0.5);
    const label = new Int32Array(128).fill(3);
    const cycle = async (): Promise<Session> => {
      const s = await Session.create(art, h.device);
      await s.trainStep({ image, label }, { readLoss: true });
      s.dispose();
      return s;
    };
    // Retained memory: after the queue drained and a full collection (vitest runs with --expose-gc).
    const settled = async (): Promise<number> => {
      await h.device.queue.onSubmittedWorkDone();
      (globalThis as { gc?: () => void }).gc?.();
      return process.memoryUsage().rss;
    };
    // Warm-up: pipelines compiled and the allocators at their working size (RSS climbs for ~100 cycles, then stays).
    for (let i = 0; i < 100; i++) await cycle();
    const start = await settled();
    // The disposed sessions stay referenced: their GPU memory must go at dispose(), not at collection.
    const kept: Session[] = [];
    for (let i = 0; i < 200; i++) kept.push(await cycle());
    // And directly: every buffer a session creates is destroyed by dispose() (a device whose
    // createBuffer records the buffers and their destroy() calls).
    const made: { destroyed: boolean }[] = [];
    const spy = new Proxy(h.device, {
      get(target, key) {
        if (key === 'createBuffer') {
          return (desc: GPUBufferDescriptor) => {
            const b = target.createBuffer(desc);
            const entry = { destroyed: false };
            made.push(entry);
            const destroy = b.destroy.bind(b);
            Object.defineProperty(b, 'destroy', { value: () => { entry.destroyed = true; destroy(); } });
            return b;
          };
        }
        const v = Reflect.get(target, key, target) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const watched = await Session.create(art, spy);
    await watched.trainStep({ image, label }, { readLoss: true });
    await watched.read('dense_1.kernel'); // a staging buffer too
    expect(made.length).toBeGreaterThan(art.manifest.buffers.length);
    expect(made.filter((m) => m.destroyed)).toHaveLength(0);
    watched.dispose();
    expect(made.filter((m) => !m.destroyed)).toHaveLength(0);
    const last = kept[kept.length - 1];
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe('function');
    const grown = ((await settled()) - start) / 2 ** 20;
    expect(grown).toBeLessThan(150);
    await expect(last!.trainStep({ image, label })).rejects.toThrow('session was disposed');
    expect(() => last!.write('image', image)).toThrow('session was disposed');
  }, 300_000);
});
