// The CLI-level check of the file fuzzers: runs the real `dlc` (eval, predict, train) in a child
// process under a deadline, from inside the input's temporary folder, and compares a snapshot of
// that whole folder before and after: nothing outside --out may change.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliProblem, type CliOutcome } from './fuzz-oracle.ts';
import { verdictProblem, watchProcess, type WatchLimits } from './fuzz-watch.ts';

/** bin/dlc.js; under the test suite the same CLI bundled once at its start (test/setup/cli-bundle.ts), quicker to start. */
const BIN = ((bundle) => (bundle && existsSync(bundle) ? bundle : fileURLToPath(new URL('../bin/dlc.js', import.meta.url))))(process.env.DLC_TEST_CLI_BUNDLE);

/** Files larger than this are compared by size and time only (a sparse "huge file" input). */
const HASH_LIMIT = 64 * 2 ** 20;

/** Every entry under `root` (not following links): relative path → type, size, time and content hash. */
export function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const st = lstatSync(path);
      const rel = relative(root, path);
      if (st.isDirectory()) {
        out.set(rel, 'dir');
        walk(path);
      } else if (st.isSymbolicLink()) {
        out.set(rel, `link → ${readlinkSync(path)}`);
      } else if (st.isFile()) {
        const hash = st.size <= HASH_LIMIT ? createHash('sha1').update(readFileSync(path)).digest('hex') : `${st.mtimeMs}`;
        out.set(rel, `file ${st.size} ${hash}`);
      } else {
        out.set(rel, `special ${st.mode.toString(8)}`);
      }
    }
  };
  walk(root);
  return out;
}

/**
 * Paths that differ between two snapshots of `root`, except `out` (the --out path, relative to
 * root) and everything under it.
 */
export function changesOutside(before: Map<string, string>, after: Map<string, string>, out: string): string[] {
  const inside = (p: string): boolean => p === out || p.startsWith(`${out}${sep}`);
  const changed: string[] = [];
  for (const [p, v] of after) if (!inside(p) && before.get(p) !== v) changed.push(before.has(p) ? `changed ${p}` : `created ${p}`);
  for (const p of before.keys()) if (!inside(p) && !after.has(p)) changed.push(`removed ${p}`);
  return changed;
}

/** What one dlc run may use: `ms` of CPU time, or that long blocked; five times it at most; 4 GiB resident. */
export const dlcLimits = (ms: number): WatchLimits => ({ cpuMs: ms, wallMs: ms, hardMs: 5 * ms, rssBytes: 4 * 2 ** 30 });

/** Runs `dlc args` in `cwd`, killed when it passes dlcLimits(deadlineMs). */
export function runDlc(args: string[], cwd: string, deadlineMs: number): Promise<CliOutcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp', EGL_PLATFORM: process.env.EGL_PLATFORM ?? 'surfaceless' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let stopped: string | undefined;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      if (stderr.length < 100_000) stderr += s;
    });
    const limits = dlcLimits(deadlineMs);
    const stop = watchProcess(child.pid!, limits, () => child.kill('SIGKILL'), (v) => { stopped = verdictProblem(v, limits); });
    child.on('close', (code, signal) => {
      stop();
      resolve({ code, signal: stopped ? null : signal, stderr, ...(stopped ? { stopped } : {}) });
    });
  });
}

/**
 * Runs `dlc args` from `root` with `out` as its --out path (relative to root) and judges it: how it
 * ended (cliProblem) and what it changed outside `out`. Returns the failure class and detail, or null.
 */
export async function checkedDlc(args: string[], root: string, out: string, deadlineMs: number): Promise<{ problem: string; detail: string } | null> {
  const before = snapshot(root);
  const r = await runDlc(args, root, deadlineMs);
  const command = `dlc ${args.join(' ')}`;
  const problem = cliProblem(r);
  if (problem) return { problem, detail: `${command}\n${r.stderr.trim().slice(0, 4000)}` };
  const changed = changesOutside(before, snapshot(root), out);
  if (changed.length) return { problem: 'write outside --out', detail: `${command}\n${changed.join('\n')}` };
  return null;
}
