// The fuzzers' judge: what a run of dlc on bad input may end in (a user error with a clean one-line
// message, or success), and the one-line, classified failure record for everything else.
import type { ProbeOutcome } from './fuzz-sandbox.ts';
import { verdictProblem, type WatchLimits } from './fuzz-watch.ts';

/** Which fuzzer found a failure. */
export type FuzzKind = 'programs' | 'artifacts' | 'data';

/** One input that broke a promise, with what is needed to reproduce it. */
export interface Failure {
  kind: FuzzKind;
  seed: number;
  index: number;
  /** A short class shared by failures of one cause, e.g. "crash: RangeError at runtime/data/npz-node.ts". */
  class: string;
  /** The message, stack or output that shows the failure. */
  detail: string;
  /** How the input was made (the mutations applied), one line. */
  recipe: string;
  /** The input's files, by relative path (a program's text, an artifact folder, a data file). */
  files: Record<string, Uint8Array | string>;
  /** The samples the run made its inputs from, when named (--models): the rerun needs the same. */
  models?: string[];
  /** The input also ran through dlc (every gpuEvery-th accepted one): its rerun must run dlc too. */
  viaDlc?: boolean;
}

/**
 * Error classes the CLI prints as `dlc: message` (mirrors cli/main.ts): anything else that escapes
 * a loader or reader is a crash.
 */
export const USER_ERROR_NAMES = ['UserError', 'DeviceUnavailableError', 'SessionError', 'CheckpointError', 'SafetensorsError', 'DataError', 'NonFiniteError', 'ManifestError'];

/** Longest message a user should get in one line (a CSV header listing 784 columns fits). */
export const MAX_MESSAGE_CHARS = 10_000;

/** Characters that must never reach a terminal raw (what dsl/printable.ts escapes, but the tab). */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;

/** What is wrong with a message shown to a user (null when nothing): one line, printable, bounded. */
export function messageProblem(message: string): string | null {
  if (message.trim() === '') return 'message: empty';
  if (message.length > MAX_MESSAGE_CHARS) return `message: longer than ${MAX_MESSAGE_CHARS} characters`;
  if (message.includes('\n')) return 'message: more than one line';
  const c = UNPRINTABLE.exec(message);
  if (c) return `message: raw control character U+${c[0].charCodeAt(0).toString(16).padStart(4, '0')}`;
  return null;
}

/** The error fields the judge looks at (an Error, or one sent back from the sandbox). */
export interface ErrorInfo {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  path?: string;
}

/**
 * The first frame of a stack inside this project, as "file:line" relative to it, for grouping
 * crashes. The fuzz harness's own frames (scripts/fuzz-*) are skipped unless `harness` is set: a
 * reader's failure is placed in the reader.
 */
export function firstProjectFrame(stack: string | undefined, harness = false): string {
  for (const line of (stack ?? '').split('\n').slice(1)) {
    const m = /(?:file:\/\/)?[^\s(]*?\/((?:runtime|cli|compiler|dsl|scripts)\/[\w./-]+\.ts):(\d+)/.exec(line);
    if (m && (harness || !m[1]!.startsWith('scripts/fuzz'))) return `${m[1]}:${m[2]}`;
  }
  return "no frame of dlc's";
}

/**
 * The class of failure an error thrown by a loader or reader shows, or null when it is a user error
 * with a clean message. A file-system error with a code and a path counts as a user error (the CLI
 * prints those in one line too).
 */
export function errorProblem(e: ErrorInfo): string | null {
  const fsError = typeof e.code === 'string' && typeof e.path === 'string';
  if (!USER_ERROR_NAMES.includes(e.name) && !fsError) return `crash: ${e.name} at ${firstProjectFrame(e.stack)}`;
  return messageProblem(e.message);
}

/** Dawn's own warning lines on stderr (adapter limits); they are not dlc's output. */
const DAWN_NOISE = /^(Warning: |$)/;

/** A finished `dlc` child process as the judge sees it. */
export interface CliOutcome {
  code: number | null;
  signal: string | null;
  stderr: string;
  /** The class of hang or memory failure it was killed for (see fuzz-watch.ts), if it was. */
  stopped?: string;
}

/**
 * What is wrong with how a dlc command ended (null when nothing): it must exit 0, or exit 1 with one
 * clean `dlc: ` line, within its deadline.
 */
export function cliProblem(r: CliOutcome): string | null {
  if (r.stopped) return `${r.stopped} (dlc)`;
  if (r.signal) return `crash: dlc killed by ${r.signal}`;
  const lines = r.stderr.split('\n').filter((l) => !DAWN_NOISE.test(l));
  if (/internal error/.test(r.stderr)) return `crash: internal error at ${firstProjectFrame(r.stderr.slice(r.stderr.indexOf('internal error')))}`;
  if (lines.some((l) => /^\s+at /.test(l))) return 'crash: stack trace on stderr';
  if (r.code === 0) return null;
  if (r.code !== 1) return `crash: exit code ${r.code}`;
  if (!lines[0]?.startsWith('dlc: ')) return `cli: stderr does not start with 'dlc: '`;
  if (lines.length > 1) return 'message: more than one line';
  return messageProblem(lines[0]!);
}

/**
 * How far a reader's resident memory may rise on one fuzz input, beyond the bytes the input
 * legitimately expands to (an .npz member within dlc's limits that inflates to 512 MiB is held once).
 */
export const MAX_PEAK_BYTES = 512 * 2 ** 20;

const mib = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MiB`;

/**
 * The failures a sandboxed load or read shows: a hang, a crash, a memory spike, or bad output it
 * accepted. `expands`: bytes the input legitimately expands to (a deflate bomb's member), allowed on
 * top of MAX_PEAK_BYTES.
 */
export function probeProblems(o: ProbeOutcome, limits: WatchLimits, expands = 0): { problem: string; detail: string }[] {
  if (o.status === 'stopped') return [{ problem: verdictProblem(o.verdict, limits), detail: `killed after ${o.ms.toFixed(0)} ms: ${JSON.stringify(o.verdict)}` }];
  if (o.status === 'died') return [{ problem: /heap limit|out of memory/i.test(o.detail) ? 'memory: the reader ran out of heap' : 'crash: the process died', detail: o.detail }];
  const out: { problem: string; detail: string }[] = [];
  const bound = MAX_PEAK_BYTES + expands;
  if (o.peakBytes > bound) out.push({ problem: 'memory: resident memory rose past the bound', detail: `rose by ${mib(o.peakBytes)} (bound ${mib(bound)}${expands ? `: ${mib(MAX_PEAK_BYTES)} and the ${mib(expands)} the input expands to` : ''})` });
  if (o.status === 'ok') {
    for (const p of o.problems) out.push({ problem: p, detail: p });
    return out;
  }
  const e = o.error;
  if (e.name === 'AllocationBoundError') {
    out.push({ problem: `memory: allocation past the bound at ${firstProjectFrame(e.stack)}`, detail: e.message });
    return out;
  }
  const problem = errorProblem(e);
  if (problem) out.push({ problem, detail: problem.startsWith('crash') ? e.stack ?? e.message : `${JSON.stringify(e.message.slice(0, 2000))} (${e.message.length} characters)` });
  return out;
}
