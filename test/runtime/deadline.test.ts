// Deadlines of GPU work: a fixed limit, or max(factor × the median of a program's first runs, floor).
import { describe, expect, it } from 'vitest';
import { DEFAULT_DEADLINE, Deadlines, formatSeconds, timeoutMessage } from '../../runtime/deadline.ts';

describe('Deadlines', () => {
  it('allows firstSeconds until a program has `samples` runs, then max(factor × their median, floor)', () => {
    const d = new Deadlines({ factor: 20, floorSeconds: 10, firstSeconds: 120, samples: 3 });
    expect(d.limit('train_step')).toBe(120);
    d.record('train_step', 0.9);
    d.record('train_step', 2.0);
    expect(d.limit('train_step')).toBe(120);
    d.record('train_step', 1.5);
    expect(d.limit('train_step')).toBe(30); // 20 × median 1.5
    d.record('train_step', 500); // later runs do not move the usual time
    expect(d.limit('train_step')).toBe(30);
    expect(d.limit('eval')).toBe(120); // each program learns its own
    expect(d.limit()).toBe(120); // read-backs get the first limit
  });
  it('never goes below the floor', () => {
    const d = new Deadlines({ ...DEFAULT_DEADLINE, samples: 1 });
    d.record('eval', 0.004);
    expect(d.limit('eval')).toBe(DEFAULT_DEADLINE.floorSeconds);
  });
  it('uses a fixed limit (--timeout) for every program and read-back', () => {
    const d = new Deadlines(DEFAULT_DEADLINE, 2.5);
    d.record('eval', 1);
    expect([d.limit(), d.limit('eval'), d.limit('train_step')]).toEqual([2.5, 2.5, 2.5]);
  });
});

describe('timeoutMessage', () => {
  it('says what did not finish, within how long, what stopped it, and what is intact', () => {
    expect(timeoutMessage('step 12', 30, 'device destroyed', 'the last checkpoint is intact')).toBe('step 12 did not finish within 30 s; the GPU work was stopped (device destroyed); the last checkpoint is intact');
    expect(timeoutMessage('eval batch 3', 0.2, 'device destroyed')).toBe('eval batch 3 did not finish within 0.2 s; the GPU work was stopped (device destroyed)');
    expect([formatSeconds(10), formatSeconds(2 / 3), formatSeconds(123.456)]).toEqual(['10', '0.667', '123']);
  });
});
