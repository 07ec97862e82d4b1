// Runs the loaders and readers on fuzz inputs in a child process, so that an input that hangs (an
// endless loop, a read from a FIFO) is killed at its deadline and one that allocates gigabytes is
// measured, not suffered. The child (fuzz-sandbox-child.ts) is reused across inputs and restarted
// after a kill.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ErrorInfo } from './fuzz-oracle.ts';
import type { Probe } from './fuzz-probes.ts';
import { watchProcess, type WatchLimits, type WatchVerdict } from './fuzz-watch.ts';

const CHILD = fileURLToPath(new URL('./fuzz-sandbox-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The child is killed when its resident memory passes this, so an input that makes a reader read
 * /dev/zero cannot take the machine's memory before its deadline.
 */
export const KILL_AT_BYTES = 2 * 2 ** 30;

/** The limits of one probe with deadline `ms`: that much CPU time, or that much wall time blocked; ten times it at most. */
export const probeLimits = (ms: number): WatchLimits => ({ cpuMs: ms, wallMs: ms, hardMs: 10 * ms, rssBytes: KILL_AT_BYTES });

/** How one probe ended. `peakBytes`: how far the child's resident memory rose above where it started. */
export type ProbeOutcome =
  | { status: 'ok'; ms: number; peakBytes: number; problems: string[] }
  | { status: 'error'; ms: number; peakBytes: number; error: ErrorInfo }
  | { status: 'stopped'; ms: number; verdict: WatchVerdict }
  | { status: 'died'; ms: number; detail: string };

type Reply = { id: number } & ({ status: 'ok'; ms: number; peakBytes: number; problems: string[] } | { status: 'error'; ms: number; peakBytes: number; error: ErrorInfo });

/** A reusable child process that runs probes one at a time, each under a deadline. */
export class Sandbox {
  private child: ChildProcess | undefined;
  private ready: Promise<void> | undefined;
  private nextId = 0;
  /** The end of the child's stderr (V8 prints why it aborted there). */
  private stderrTail = '';
  /** Children started so far (a restart follows every kill). */
  starts = 0;

  private start(): Promise<void> {
    this.starts++;
    // The child's heap is bounded: a huge JSON text fails there, not here.
    const child = fork(CHILD, [], {
      cwd: ROOT,
      execArgv: ['--import', 'tsx', '--max-old-space-size=1024', '--expose-gc'],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.stderrTail = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      this.stderrTail = (this.stderrTail + s).slice(-2000);
    });
    // A send to a child that just died is reported by its exit, not as an unhandled error.
    child.on('error', () => undefined);
    this.child = child;
    return new Promise((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code, signal) => reject(new Error(`fuzz sandbox exited before it was ready (${signal ?? code})`)));
    });
  }

  /** Runs `probe` in the child; kills the child when it passes `limits`. */
  async run(probe: Probe, limits: WatchLimits): Promise<ProbeOutcome> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) this.ready = this.start();
    await this.ready;
    const child = this.child!;
    const id = this.nextId++;
    const t0 = performance.now();
    return new Promise<ProbeOutcome>((resolve) => {
      const done = (o: ProbeOutcome): void => {
        stopWatching();
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(o);
      };
      const onMessage = (m: Reply): void => {
        if (m.id !== id) return;
        const { id: _, ...outcome } = m;
        done(outcome);
      };
      const onExit = (code: number | null, signal: string | null): void => {
        this.child = undefined;
        stopWatching();
        // Let the last of its stderr arrive: it says why (e.g. V8's "heap limit").
        setTimeout(() => done({ status: 'died', ms: performance.now() - t0, detail: `the reader's process ended (${signal ?? `exit code ${code}`}): ${this.stderrTail.trim()}` }), 50);
      };
      const stopWatching = watchProcess(child.pid!, limits, () => {
        child.off('exit', onExit);
        child.kill('SIGKILL');
        this.child = undefined;
      }, (verdict) => done({ status: 'stopped', ms: performance.now() - t0, verdict }));
      child.on('message', onMessage);
      child.on('exit', onExit);
      child.send({ id, probe });
    });
  }

  /** Ends the child. */
  close(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }
}
