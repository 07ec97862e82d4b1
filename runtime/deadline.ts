// How long one submission of GPU work (a train step, an eval or predict batch) may take before it is
// declared hung: a fixed limit the user sets, or a multiple of what the program's first runs took.
// Browser-safe.

/** The automatic limit: max(factor × the median of a program's first runs, floor); before that, `first`. */
export interface DeadlinePolicy {
  /** How many times its usual time a run may take. */
  factor: number;
  /** The least limit once runs are measured, in seconds (slow machines and busy CPUs vary). */
  floorSeconds: number;
  /** The limit while a program has fewer than `samples` measured runs, and for plain read-backs. */
  firstSeconds: number;
  /** Runs measured per program before its usual time is fixed. */
  samples: number;
}

/**
 * 20 × the usual time, at least 10 s; 300 s until three runs are measured (a first step of ResNet-mini
 * took from 7 s to over 100 s on a busy 2-core machine). A step that usually takes 10 ms is stopped
 * after 10 s; one that takes 2 s after 40 s.
 */
export const DEFAULT_DEADLINE: DeadlinePolicy = { factor: 20, floorSeconds: 10, firstSeconds: 300, samples: 3 };

/**
 * Something outside the JavaScript thread that can end hung GPU work: a software driver (Mesa's
 * llvmpipe) runs a dispatch inside queue.submit on this thread, so no timer here fires until it returns.
 */
export interface GpuWatchdog {
  /** GPU work described by `what` ("step 12") starts now and should finish within `seconds`. */
  arm(seconds: number, what: string): void;
  /** The work finished. */
  disarm(): void;
}

/** Seconds as messages show them: "30", "2.5", "0.001". */
export function formatSeconds(seconds: number): string {
  return String(Number(seconds.toPrecision(3)));
}

/** The one wording of a GPU timeout; `how` says what stopped the work, `note` what the user still has. */
export function timeoutMessage(what: string, seconds: number, how: string, note?: string): string {
  return `${what} did not finish within ${formatSeconds(seconds)} s; the GPU work was stopped (${how})${note ? `; ${note}` : ''}`;
}

/** Per-program limits: fixed, or learnt from the first runs of each program. */
export class Deadlines {
  private readonly runs = new Map<string, number[]>();

  constructor(private readonly policy: DeadlinePolicy = DEFAULT_DEADLINE, private readonly fixedSeconds?: number) {}

  /** Seconds the next run of `program` may take (no program: a read-back of finished work). */
  limit(program?: string): number {
    if (this.fixedSeconds !== undefined) return this.fixedSeconds;
    const times = program === undefined ? undefined : this.runs.get(program);
    if (!times || times.length < this.policy.samples) return this.policy.firstSeconds;
    const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
    return Math.max(this.policy.floorSeconds, this.policy.factor * median);
  }

  /** Records how long a run of `program` took; only the first `samples` runs count. */
  record(program: string, seconds: number): void {
    const times = this.runs.get(program) ?? [];
    if (times.length < this.policy.samples) times.push(seconds);
    this.runs.set(program, times);
  }
}
