// Every wait on the GPU runs under a deadline: the watchdog hears of each one before it is submitted
// (limits learnt per program), and GPU work past its deadline destroys the device and fails the call.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { openDevice } from '../../runtime/device-node.ts';
import { Session, SessionError } from '../../runtime/session.ts';
import type { GpuWatchdog } from '../../runtime/deadline.ts';
import { ROOT } from '../helpers/cli.ts';
import { ADAPTERS, useDevice } from '../helpers/gpu.ts';
import { withKernelPrologue } from '../helpers/hostile-kernel.ts';

const blobs = compile(readFileSync(join(ROOT, 'samples/blobs.dl'), 'utf8')).artifact!;
const batch = { point: new Float32Array(64), label: new Int32Array(32) };

/** A watchdog that records what it is told. */
function recorder(): GpuWatchdog & { events: string[] } {
  const events: string[] = [];
  return { events, arm: (seconds, what) => events.push(`arm ${what} ${seconds}`), disarm: () => events.push('disarm') };
}

for (const adapter of ADAPTERS) {
  describe(`deadlines on ${adapter}`, () => {
    const device = useDevice(adapter);
    it('arms the watchdog before each submission: the first limit for 3 runs of a program, then the learnt one', async (t) => {
      const h = device();
      if (!h) return t.skip();
      const watchdog = recorder();
      const s = await Session.create(blobs, h.device, { watchdog, deadline: { factor: 20, floorSeconds: 7, firstSeconds: 99, samples: 3 } });
      try {
        for (let i = 0; i < 4; i++) await s.trainStep(batch);
        for (let i = 0; i < 2; i++) await s.run('eval', batch, ['loss_rows']);
        await s.weights();
        await s.trainStep(batch);
      } finally {
        s.dispose();
      }
      expect(watchdog.events).toEqual([
        'arm step 1 99', 'disarm', 'arm step 2 99', 'disarm', 'arm step 3 99', 'disarm',
        // Steps take milliseconds here: 20 × their median is below the floor.
        'arm step 4 7', 'disarm',
        'arm eval batch 1 99', 'disarm', 'arm eval batch 2 99', 'disarm',
        'arm reading results back 99', 'disarm',
        'arm step 5 7', 'disarm',
      ]);
    });
  });
}

describe('a submission past its deadline', () => {
  // lavapipe's destroy() waits for the dispatch to end, so the kernel is slow but finite (about a
  // second); llvmpipe (GLES) runs it inside submit, where no timer fires (test/cli/deadline covers both).
  it('on vulkan: destroys the device, fails with the step and the limit, and fails every later call the same way', async (t) => {
    const h = await openDevice('vulkan').catch(() => undefined);
    if (!h) return t.skip();
    const slow = withKernelPrologue(blobs, 9, (b0) => `if (gid.x == 0u && gid.y == 0u) { var i = 0u; loop { if (i >= 20000000u) { break; } ${b0(0)} = ${b0(0)} + 1.0; i = i + 1u; } }`);
    const s = await Session.create(slow, h.device, { timeoutSeconds: 0.05, timeoutNote: 'nothing was written' });
    const message = 'eval batch 1 did not finish within 0.05 s; the GPU work was stopped (device destroyed); nothing was written';
    const err = await s.run('eval', batch, ['loss_rows']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SessionError);
    expect((err as Error).message).toBe(message);
    expect((await h.device.lost).reason).toBe('destroyed');
    await expect(s.run('eval', batch, ['loss_rows'])).rejects.toThrow(message);
    expect(() => s.write('point', batch.point)).toThrow(message);
    await expect(s.weights()).rejects.toThrow(message);
    s.dispose();
    h.destroy();
  });
});
