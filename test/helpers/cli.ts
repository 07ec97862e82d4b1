// Runs the real `dlc` command in a child process and captures what a user would see.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/dlc.js', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function dlc(args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): CliRun {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env },
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
  });
  // Dawn prints adapter-limit warnings on stderr; they are not dlc's output.
  const stderr = r.stderr.split('\n').filter((l) => !l.startsWith('Warning: maxDynamic')).join('\n');
  return { code: r.status, stdout: r.stdout, stderr };
}
