// Runs the real `dlc` command in a child process and captures what a user would see.
// Asynchronous on purpose: a blocking spawnSync of a minute stalls the test worker's messages to
// vitest, which then fails the run with "Timeout calling onTaskUpdate" although every test passed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CLI_BUNDLE_ENV } from '../setup/cli-bundle.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The command as installed from a source checkout: tsx runs the TypeScript. */
export const BIN = fileURLToPath(new URL('../../bin/dlc.js', import.meta.url));
/**
 * What the tests run as `dlc`: the same source bundled when the run started (test/setup/global.ts),
 * which starts in a fraction of tsx's time; bin/dlc.js where there is no bundle (and in its own tests).
 */
export const DLC = ((bundle) => (bundle && existsSync(bundle) ? bundle : BIN))(process.env[CLI_BUNDLE_ENV]);

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions { cwd?: string; env?: Record<string, string>; timeoutMs?: number; input?: string }

/** Runs `dlc args…`; a run past `timeoutMs` is killed (code null), as spawnSync's timeout did. */
export function dlc(args: string[], opts: RunOptions = {}): Promise<CliRun> {
  return run(process.execPath, [DLC, ...args], opts);
}

/** Runs any command without blocking the test worker (see the header); same result shape as dlc(). */
export function run(command: string, args: string[], opts: RunOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.stdin.end(opts.input ?? '');
    const timer = setTimeout(() => child.kill('SIGTERM'), opts.timeoutMs ?? 120_000);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code) => {
      clearTimeout(timer);
      // Dawn prints adapter-limit warnings on stderr; they are not dlc's output.
      resolve({ code, stdout, stderr: stderr.split('\n').filter((l) => !l.startsWith('Warning: maxDynamic')).join('\n') });
    });
  });
}
