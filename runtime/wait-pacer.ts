// Waiting for the GPU without spinning a CPU core. Dawn's Node bindings resolve a pending
// onSubmittedWorkDone or mapAsync by polling the device from setImmediate, back to back, for as
// long as one is pending: one core stays busy for the whole wait. With Mesa's lavapipe (Vulkan) the
// kernels run on the same cores, so that poll took one of two cores from them (a 1024 matmul ran at
// half its speed). The pacer learns how long each program's work takes from submit to done and
// sleeps most of it on a timer, which costs no CPU, before the polling wait starts. Where submit
// itself runs the work (Mesa's llvmpipe through OpenGL ES), the learned time is ~0 and it never sleeps.

/** Below this predicted wait (ms) a timer's granularity costs more than the poll: no sleep. */
const MIN_SLEEP_MS = 2;
/** The share of the shortest recent wait that is slept: the rest is polled, so a faster run is not held back long. */
const SLEEP_SHARE = 0.8;
/** How many recent waits of a program are remembered. */
const HISTORY = 4;

export class WaitPacer {
  private readonly recent = new Map<string, number[]>();

  /** How long to sleep (ms) before waiting on work of `key`: 0 until waits of it have been seen. */
  sleepFor(key: string): number {
    const seen = this.recent.get(key);
    if (!seen || seen.length < 2) return 0;
    const ms = SLEEP_SHARE * Math.min(...seen);
    return ms >= MIN_SLEEP_MS ? ms : 0;
  }

  /** Sleeps the predicted share of the wait for `key` (nothing when there is no prediction). */
  async pause(key: string): Promise<void> {
    const ms = this.sleepFor(key);
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** Records how long (ms) work of `key` took from submit to done. */
  learn(key: string, ms: number): void {
    const seen = this.recent.get(key) ?? [];
    seen.push(ms);
    if (seen.length > HISTORY) seen.shift();
    this.recent.set(key, seen);
  }
}
