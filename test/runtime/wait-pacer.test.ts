import { afterEach, describe, expect, it, vi } from 'vitest';
import { pacesWaitsByDefault, WaitPacer } from '../../runtime/wait-pacer.ts';

describe('WaitPacer', () => {
  afterEach(() => vi.useRealTimers());

  it('sleeps nothing until it has seen two waits of the program', () => {
    const p = new WaitPacer();
    expect(p.sleepFor('train_step')).toBe(0);
    p.learn('train_step', 50);
    expect(p.sleepFor('train_step')).toBe(0);
    p.learn('train_step', 40);
    expect(p.sleepFor('train_step')).toBe(32);
    // Each program learns apart.
    expect(p.sleepFor('eval')).toBe(0);
  });

  it('sleeps a share of the shortest of the last four waits, and never for work done inside submit', () => {
    const p = new WaitPacer();
    for (const ms of [10, 20, 30, 40, 50]) p.learn('train_step', ms);
    expect(p.sleepFor('train_step')).toBe(16);
    // OpenGL ES (llvmpipe) runs the work inside submit: the wait afterwards is ~0, so no sleep.
    for (const ms of [0.1, 0.2, 0.1, 0.3]) p.learn('gles', ms);
    expect(p.sleepFor('gles')).toBe(0);
  });

  it('work that got faster stops being overslept: a poll that finds it done on waking halves what is learned', () => {
    const p = new WaitPacer();
    p.learn('step', 100);
    p.learn('step', 100);
    // The work now takes 10 ms; each wait is the sleep plus a poll that finds it done at once.
    const sleeps: number[] = [];
    for (let k = 0; k < 8; k++) {
      const slept = p.sleepFor('step');
      sleeps.push(slept);
      p.learn('step', Math.max(slept, 10) + 0.2, slept);
    }
    expect(sleeps[0]).toBe(80);
    // Halving per wait: within 8 waits the sleep is back under the work's 10 ms.
    expect(sleeps[sleeps.length - 1]!).toBeLessThan(10);
    // A poll that had to wait (the work outlasted the sleep) is recorded as measured.
    const q = new WaitPacer();
    q.learn('step', 50, 0);
    q.learn('step', 60, 40);
    expect(q.sleepFor('step')).toBe(40);
  });

  it('pause waits on a timer for the predicted share and says how long', async () => {
    vi.useFakeTimers();
    const p = new WaitPacer();
    p.learn('train_step', 100);
    p.learn('train_step', 100);
    let done = false;
    const paused = p.pause('train_step').then((ms) => { done = true; return ms; });
    await vi.advanceTimersByTimeAsync(79);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await paused).toBe(80);
  });

  it('paces by default in Node only', () => {
    expect(pacesWaitsByDefault()).toBe(true);
    vi.stubGlobal('process', undefined);
    try {
      expect(pacesWaitsByDefault()).toBe(false);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
