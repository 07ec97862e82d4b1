// Deadlines for a child process that hold on a busy machine: a hang is either busy (CPU time past
// its budget: an endless loop) or blocked (past its wall time with no CPU progress and no runnable
// thread for a second: a read from a FIFO), and a process merely starved by other work is neither.
// Memory past a bound is killed too. A process is watched with its descendants (dlc train runs the
// GPU work in a supervised child). Linux reads /proc; elsewhere the wall time alone decides.
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

/** CPU time (ms, its own and its reaped children's), whether a thread is runnable, and resident bytes of `pid`. */
function sample(pid: number): { cpuMs: number; runnable: boolean; rss: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // f[0] is field 3 (state); utime, stime, cutime, cstime are fields 14–17; rss (pages) is field 24.
    // Ticks: 100 Hz. A child's time moves into cutime when it is reaped, so a tree's sum never drops.
    const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    return { runnable: f[0] === 'R' || anyThreadRunnable(pid), cpuMs: ticks * 10, rss: Number(f[21]) * 4096 };
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

/** `pid` and its descendants, from /proc/<pid>/task/<tid>/children (the CLI runs GPU work in a child). */
function processTree(pid: number): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    try {
      for (const tid of readdirSync(`/proc/${tree[i]}/task`)) {
        try {
          for (const c of readFileSync(`/proc/${tree[i]}/task/${tid}/children`, 'utf8').split(' ')) if (c) tree.push(Number(c));
        } catch { /* the thread ended */ }
      }
    } catch { /* the process ended */ }
  }
  return tree;
}

/** The summed sample of `pid`'s tree, or undefined when `pid` itself is gone. */
function sampleTree(pid: number): { cpuMs: number; runnable: boolean; rss: number; pids: number[] } | undefined {
  const pids = processTree(pid);
  const root = sample(pid);
  if (!root) return undefined;
  const total = { ...root, pids };
  for (const p of pids.slice(1)) {
    const s = sample(p);
    if (!s) continue;
    total.cpuMs += s.cpuMs;
    total.rss += s.rss;
    total.runnable ||= s.runnable;
  }
  return total;
}

/**
 * Polls process `pid` and its descendants (summed: CPU time, memory, progress) until `stop()`; calls
 * `onVerdict` once, after killing the descendants and then `kill()` for the process itself, when a
 * limit is passed. CPU time is counted from the call. Returns `stop`.
 */
export function watchProcess(pid: number, limits: WatchLimits, kill: () => void, onVerdict: (v: WatchVerdict) => void): () => void {
  const t0 = performance.now();
  // CPU time counts from now: a reused process (the sandbox's child) has spent some on earlier work.
  const cpu0 = sampleTree(pid)?.cpuMs ?? 0;
  let lastCpu = -1;
  let lastProgress = t0;
  let over = false;
  let pids: number[] = [pid];
  const verdict = (v: WatchVerdict): void => {
    if (over) return;
    over = true;
    clearInterval(timer);
    // Descendants first: killed alone, the watched process would leave its child (the one doing the
    // work, for a supervised CLI) running as an orphan.
    for (const p of pids.slice(1)) {
      try { process.kill(p, 'SIGKILL'); } catch { /* already gone */ }
    }
    kill();
    onVerdict(v);
  };
  const timer = setInterval(() => {
    const now = performance.now();
    const wall = now - t0;
    const s = sampleTree(pid);
    if (!s) {
      if (wall > limits.wallMs) verdict({ why: 'wall', wallMs: wall });
      return;
    }
    pids = s.pids;
    if (s.rss > limits.rssBytes) return verdict({ why: 'memory', rssBytes: s.rss });
    const cpuMs = s.cpuMs - cpu0;
    if (cpuMs > limits.cpuMs) return verdict({ why: 'cpu', cpuMs });
    if (s.cpuMs > lastCpu || s.runnable) lastProgress = now;
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
