import { afterEach, describe, expect, it, vi } from 'vitest';
import { WaitPacer } from '../../runtime/wait-pacer.ts';

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
    // Work that got faster pulls the sleep down at once.
    p.learn('train_step', 5);
    expect(p.sleepFor('train_step')).toBe(4);
  });

  it('pause waits on a timer for the predicted share', async () => {
    vi.useFakeTimers();
    const p = new WaitPacer();
    p.learn('train_step', 100);
    p.learn('train_step', 100);
    let done = false;
    const paused = p.pause('train_step').then(() => { done = true; });
    await vi.advanceTimersByTimeAsync(79);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await paused;
    expect(done).toBe(true);
  });
});
