// Deadlines for a child process that hold on a busy machine: a hang is either busy (CPU time past
// its budget: an endless loop) or blocked (past its wall time with no CPU progress and no runnable
// thread for a second: a read from a FIFO), and a process merely starved by other work is neither. Memory past a bound is
// killed too. Linux reads /proc; elsewhere the wall time alone decides.
import { readdirSync, readFileSync } from 'node:fs';

export interface WatchLimits {
  /** CPU time (all threads) the process may use. */
  cpuMs: number;
  /** Wall time after which a process without CPU progress counts as blocked. */
  wallMs: number;
  /** Wall time after which it is killed whatever it does. */
  hardMs: number;
  /** Resident memory at which it is killed. */
  rssBytes: number;
}

/** Why a watched process was stopped. */
export type WatchVerdict =
  | { why: 'cpu'; cpuMs: number }
  | { why: 'blocked'; wallMs: number }
  | { why: 'wall'; wallMs: number }
  | { why: 'memory'; rssBytes: number };

/** CPU time used (ms), state letter and resident bytes of `pid`, from /proc/<pid>/stat. */
function sample(pid: number): { cpuMs: number; state: string; rss: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // f[0] is field 3 (state); utime and stime are fields 14, 15; rss (pages) is field 24. Ticks: 100 Hz.
    return { state: f[0]!, cpuMs: (Number(f[11]) + Number(f[12])) * 10, rss: Number(f[21]) * 4096 };
  } catch {
    return undefined;
  }
}

/**
 * Whether any thread of `pid` is runnable. A process whose main thread sleeps on a fence while a
 * driver thread waits for a core (a starved process on a loaded machine) is making progress, not
 * blocked; its CPU time can stand still for seconds when other work holds both cores.
 */
function anyThreadRunnable(pid: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/task`).some((tid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        return stat[stat.lastIndexOf(')') + 2] === 'R';
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/**
 * Polls process `pid` until `stop()`; calls `onVerdict` once (after killing it with SIGKILL) when a
 * limit is passed. CPU time is counted from the call. Returns `stop`.
 */
export function watchProcess(pid: number, limits: WatchLimits, kill: () => void, onVerdict: (v: WatchVerdict) => void): () => void {
  const t0 = performance.now();
  // CPU time counts from now: a reused process (the sandbox's child) has spent some on earlier work.
  const cpu0 = sample(pid)?.cpuMs ?? 0;
  let lastCpu = -1;
  let lastProgress = t0;
  let over = false;
  const verdict = (v: WatchVerdict): void => {
    if (over) return;
    over = true;
    clearInterval(timer);
    kill();
    onVerdict(v);
  };
  const timer = setInterval(() => {
    const now = performance.now();
    const wall = now - t0;
    const s = sample(pid);
    if (!s) {
      if (wall > limits.wallMs) verdict({ why: 'wall', wallMs: wall });
      return;
    }
    if (s.rss > limits.rssBytes) return verdict({ why: 'memory', rssBytes: s.rss });
    const cpuMs = s.cpuMs - cpu0;
    if (cpuMs > limits.cpuMs) return verdict({ why: 'cpu', cpuMs });
    if (s.cpuMs > lastCpu || s.state === 'R' || anyThreadRunnable(pid)) lastProgress = now;
    lastCpu = s.cpuMs;
    if (wall > limits.wallMs && now - lastProgress > 1000) return verdict({ why: 'blocked', wallMs: wall });
    if (wall > limits.hardMs) verdict({ why: 'wall', wallMs: wall });
  }, 50);
  return () => clearInterval(timer);
}

/** The failure class of a verdict. */
export function verdictProblem(v: WatchVerdict, limits: WatchLimits): string {
  switch (v.why) {
    case 'cpu': return `hang: busy past ${limits.cpuMs / 1000} s of CPU time`;
    case 'blocked': return `hang: blocked (no CPU use) past ${limits.wallMs / 1000} s`;
    case 'wall': return `hang: past the ${Math.round(v.wallMs / 1000)} s wall-clock limit`;
    case 'memory': return 'memory: resident memory rose past the bound';
  }
}
