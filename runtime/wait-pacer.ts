// Waiting for the GPU without spinning a CPU core. Dawn's Node bindings resolve a pending
// onSubmittedWorkDone or mapAsync by polling the device from setImmediate, back to back, for as
// long as one is pending: one core stays busy for the whole wait. With Mesa's lavapipe (Vulkan) the
// kernels run on the same cores, so that poll took one of two cores from them (a 1024 matmul ran at
// two thirds of its speed). The pacer learns how long each program's work takes from submit to done
// and sleeps most of it on a timer, which costs no CPU, before the polling wait starts. Where submit
// itself runs the work (Mesa's llvmpipe through OpenGL ES) the learned wait is ~0 and it never
// sleeps. Node only: a page's WebGPU does not spin its thread, and a hidden tab's timers are slowed.

/** Below this predicted wait (ms) a timer's granularity costs more than the poll: no sleep. */
const MIN_SLEEP_MS = 2;
/** The share of the shortest recent wait that is slept: the rest is polled. */
const SLEEP_SHARE = 0.8;
/** How many recent waits of a program are remembered. */
const HISTORY = 4;
/** A poll that ends within this (ms) of the sleep's end found the work already done: it took less than the sleep. */
const DONE_ON_WAKE_MS = 1;

export class WaitPacer {
  private readonly recent = new Map<string, number[]>();

  /** How long to sleep (ms) before waiting on work of `key`: 0 until waits of it have been seen. */
  sleepFor(key: string): number {
    const seen = this.recent.get(key);
    if (!seen || seen.length < 2) return 0;
    const ms = SLEEP_SHARE * Math.min(...seen);
    return ms >= MIN_SLEEP_MS ? ms : 0;
  }

  /** Sleeps the predicted share of the wait for `key`; returns the ms it meant to sleep. */
  async pause(key: string): Promise<number> {
    const ms = this.sleepFor(key);
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
    return ms;
  }

  /**
   * Records that work of `key` took `ms` from submit to done, of which `slept` went to pause().
   * When the poll after the sleep found the work already done, the work took less than the sleep by
   * an unknown amount: half the time is recorded, so a program that got faster stops being slept
   * past its end within a few waits.
   */
  learn(key: string, ms: number, slept = 0): void {
    const overslept = slept > 0 && ms - slept < DONE_ON_WAKE_MS;
    const seen = this.recent.get(key) ?? [];
    seen.push(overslept ? ms / 2 : ms);
    if (seen.length > HISTORY) seen.shift();
    this.recent.set(key, seen);
  }
}

/** Whether this is Node (where Dawn's bindings poll by spinning), not a page or a worker. */
export const pacesWaitsByDefault = (): boolean => typeof process !== 'undefined' && typeof process.versions?.node === 'string';
