// The CLI's watchdog for hung GPU work. Mesa's software drivers cannot be interrupted from the
// process that submitted the work: llvmpipe (OpenGL ES) runs a dispatch inside queue.submit on the
// JavaScript thread, so no timer fires; lavapipe (Vulkan) makes device.destroy() wait for the work.
// So train, eval and predict run in a child process that announces each wait on the GPU, and this
// parent ends the child when one outlives its deadline, prints why, and exits 1. The parent also
// passes the child's stderr on without Dawn's limit notes (cli/dawn-notes.ts).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { timeoutMessage, type GpuWatchdog } from '../runtime/deadline.ts';
import { dawnNoteFilter } from './dawn-notes.ts';

/** Set in the child's environment: it runs the command, watched by its parent. */
const SUPERVISED_ENV = 'DLC_SUPERVISED';
/** The commands that run GPU work. */
const GPU_COMMANDS = ['train', 'tune', 'eval', 'predict'];
/**
 * The parent waits this long past the child's deadline, so that where destroying the device does stop
 * the work (a hardware driver), the child reports it itself.
 */
const GRACE_SECONDS = 2;
const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** What the child tells its parent: GPU work started (with its deadline and message), or ended (null). */
interface WatchMessage {
  dlcWatch: { ms: number; message: string } | null;
}
const isWatchMessage = (m: unknown): m is WatchMessage => typeof m === 'object' && m !== null && 'dlcWatch' in m;

/** True when `args` name a command that runs GPU work and this process is not already the watched child. */
export function needsSupervisor(args: string[]): boolean {
  return process.env[SUPERVISED_ENV] !== '1' && args.some((a) => GPU_COMMANDS.includes(a));
}

/**
 * In the watched child: lets the process exit when its work is done (an open IPC channel would keep
 * it alive). Call once, before the command runs.
 */
export function startSupervisedChild(): void {
  if (process.env[SUPERVISED_ENV] === '1') process.channel?.unref();
}

/**
 * V8's young generation for the child: semi-spaces of at most 1 MB (16 MB is V8's default), unless
 * the user set them. Training makes little garbage per step, so a larger young generation only holds
 * memory: a streamed 1 GiB CSV (scripts/make-big-csv.ts) peaked at 280 MiB with 1 MB against 305 MiB
 * with 8 MB, its epoch as fast (22.8 s against 24.8 s), and MNIST MLP epochs took 0.30 s either way.
 */
export function childNodeFlags(execArgv: readonly string[] = process.execArgv, env: NodeJS.ProcessEnv = process.env): string[] {
  const given = [...execArgv, env.NODE_OPTIONS ?? ''].some((a) => a.includes('semi-space-size'));
  return given ? [] : ['--max-semi-space-size=1'];
}

/**
 * glibc's malloc for the child: blocks of 1 MiB and more mapped on their own, so freeing one gives
 * the memory back (unless the user set GLIBC_TUNABLES; other C libraries ignore it). By default the
 * threshold rises to the largest block freed, up to 32 MiB, so the large blocks Mesa's LLVM frees
 * after compiling the kernels stay in the heap for the whole run: a streamed 1 GiB CSV trained from
 * a cold shader cache peaked at 264-270 MiB with this against 274-281 MiB without, its epoch as fast.
 */
export function childEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, [SUPERVISED_ENV]: '1', ...(env.GLIBC_TUNABLES === undefined ? { GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=1048576' } : {}) };
}

/**
 * Runs `bin args` as a watched child with this process's stdin and stdout (its stderr passed on
 * without Dawn's limit notes), and exits as it does: with its exit code, or 1 after ending it when
 * GPU work it announced outlived its deadline.
 */
export async function supervise(bin: string, args: string[]): Promise<never> {
  const child = spawn(process.execPath, [...process.execArgv, ...childNodeFlags(), bin, ...args], {
    stdio: ['inherit', 'inherit', 'pipe', 'ipc'],
    env: childEnv(),
  });
  const stderr = dawnNoteFilter((bytes) => process.stderr.write(bytes));
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
  child.stderr!.on('end', () => stderr.end());
  let timer: NodeJS.Timeout | undefined;
  let expired: string | undefined;
  child.on('message', (m: unknown) => {
    if (!isWatchMessage(m)) return;
    clearTimeout(timer);
    const watch = m.dlcWatch;
    if (watch) {
      timer = setTimeout(() => {
        expired = watch.message;
        child.kill('SIGKILL');
      }, watch.ms);
    }
  });
  // Ctrl-C and kill reach the child; the parent then ends as the child did.
  for (const signal of FORWARDED_SIGNALS) process.on(signal, () => child.kill(signal));
  let code: number | null;
  let signal: NodeJS.Signals | null;
  try {
    // 'close', not 'exit': the child's last words on stderr are passed on before this process exits.
    [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  } catch (err) {
    process.stderr.write(`dlc: cannot start ${process.execPath}: ${(err as Error).message}\n`);
    process.exit(1);
  }
  clearTimeout(timer);
  if (expired !== undefined) {
    process.stderr.write(`dlc: ${expired}\n`);
    process.exit(1);
  }
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  process.exit(code ?? 1);
}

/**
 * The watchdog a watched child hands to its Session: each wait on the GPU is announced to the parent
 * with the message to print if it ends the child. Undefined when this process is not a watched child.
 */
export function supervisedWatchdog(note?: string): GpuWatchdog | undefined {
  if (process.env[SUPERVISED_ENV] !== '1' || !process.send) return undefined;
  const send = process.send.bind(process);
  return {
    arm(seconds, what) {
      send({ dlcWatch: { ms: (seconds + GRACE_SECONDS) * 1000, message: timeoutMessage(what, seconds, 'its process was ended: the driver could not cancel it', note) } } satisfies WatchMessage);
    },
    disarm() {
      send({ dlcWatch: null } satisfies WatchMessage);
    },
  };
}
