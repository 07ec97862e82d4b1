// The front-end fuzzer: seeded mutations of the samples and small generated programs, fed to the
// lexer, parser and compiler. Every input must end in an artifact or in diagnostics, within a time
// bound, with no exception and no internal error; every kernel of an artifact must be valid WGSL
// (checked by the caller's validator, e.g. Dawn's shader compiler, once per distinct text).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from '../compiler/compile.ts';
import { Rng } from '../runtime/random.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface FuzzFailure {
  /** Which input of the run (inputs are drawn in order from one seeded stream). */
  index: number;
  input: string;
  problem: string;
}

export interface FuzzReport {
  inputs: number;
  compiled: number;
  rejected: number;
  shadersChecked: number;
  failures: FuzzFailure[];
  seconds: number;
}

/** Tokens mutations insert: the language's words, hostile names, edge numbers and punctuation. */
const TOKENS = [
  'model', 'train', 'block', 'input', 'output', 'f32', 'class', '->', '=', '+', '-', '*', '(', ')', '[', ']', '{', '}', ',', ':', ';', '#', '\n',
  'dense', 'conv2d', 'maxpool', 'avgpool', 'global_avgpool', 'batchnorm', 'layernorm', 'flatten', 'reshape', 'dropout', 'relu', 'gelu', 'softmax',
  'concat', 'upsample', 'sigmoid', 'tanh', 'leaky_relu', 'add', 'log_softmax', 'activation:', 'padding:', 'stride:', 'groups:', 'dilation:', 'kernel:',
  'loss', 'optimizer', 'batch', 'epochs', 'metrics', 'schedule', 'clip', 'early_stopping', 'regularize', 'adam', 'sgd', 'cross_entropy', 'mse',
  'fn', 'let', 'var', 'struct', 'return', 'loop', 'main', 'b0', 'step_params', 'array', 'workgroup', 'ptr', 'bitcast', 'true', 'false',
  'x', 'y', 'label', 'image', 'logits', 'h', 'ééé', 'λ', '名前', '_', '__', 'a'.repeat(300),
  '"same"', '"valid"', "'x'", '""',
];
/** Edge numbers: the number mutation swaps them in for a literal; insertions use them too. */
const NUMBERS = ['0', '1', '-1', '3', '7', '1e9', '1e-300', '99999999999', '0.5', '-0.0', '1e400', '4294967296', '2147483648'];
const INSERTS = [...TOKENS, ...NUMBERS];

/** Small well-formed-ish programs from a grammar, to reach the deeper passes. */
function generated(rng: Rng): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)]!;
  const conv = rng.next() < 0.4;
  const stages: string[] = [];
  const n = 1 + Math.floor(rng.next() * 5);
  for (let i = 0; i < n; i++) {
    stages.push(conv
      ? pick([`conv2d(${1 + Math.floor(rng.next() * 8)}, kernel: ${pick([1, 2, 3, 5])}, padding: ${pick(['same', 'valid', '1'])})`, 'relu', 'maxpool(2)', 'batchnorm', `avgpool(${pick([1, 2, 3])})`, 'gelu', 'dropout(0.2)'])
      : pick([`dense(${1 + Math.floor(rng.next() * 33)})`, 'relu', 'tanh', 'sigmoid', 'gelu', 'layernorm', `leaky_relu(alpha: ${rng.next().toFixed(2)})`, 'dropout(0.3)', 'softmax']));
  }
  const shape = conv ? `f32[${1 + Math.floor(rng.next() * 3)}, ${4 + Math.floor(rng.next() * 12)}, ${4 + Math.floor(rng.next() * 12)}]` : `f32[${1 + Math.floor(rng.next() * 20)}]`;
  const classes = 2 + Math.floor(rng.next() * 9);
  const head = conv ? ' -> flatten' : '';
  const opt = pick(['adam(lr: 1e-3)', 'sgd(lr: 0.1, momentum: 0.9)', 'rmsprop', 'adagrad(lr: 0.01)', 'adamw']);
  const extra = pick(['', 'clip = global_norm(1.0)', 'clip = value(0.5)', 'schedule = cosine(warmup: 1)', 'regularize = l2(1e-4)', 'metrics = [accuracy, f1]']);
  return `model g {
  input x: ${shape}
  input y: class[${classes}]
  h = x -> ${stages.join(' -> ')}${head}
  logits = h -> dense(${classes})
  output logits
}
train g { loss = cross_entropy(logits, y); optimizer = ${opt}; batch = ${1 + Math.floor(rng.next() * 9)}; ${extra} }`;
}

/** One mutation of `src`: delete, duplicate, insert a token, replace a number, swap lines, truncate, splice. */
function mutate(src: string, rng: Rng, corpus: string[]): string {
  const at = (): number => Math.floor(rng.next() * (src.length + 1));
  switch (Math.floor(rng.next() * 8)) {
    case 0: { const a = at(); return src.slice(0, a) + src.slice(a + 1 + Math.floor(rng.next() * 12)); }
    case 1: { const a = at(), b = Math.min(src.length, a + Math.floor(rng.next() * 40)); return src.slice(0, b) + src.slice(a, b) + src.slice(b); }
    case 2: case 3: { const a = at(); return `${src.slice(0, a)} ${INSERTS[Math.floor(rng.next() * INSERTS.length)]} ${src.slice(a)}`; }
    case 4: {
      // Replace one numeric literal, chosen at random among those in the text.
      const spots = [...src.matchAll(/\d+(\.\d+)?/g)];
      if (!spots.length) return src;
      const m = spots[Math.floor(rng.next() * spots.length)]!;
      return src.slice(0, m.index) + NUMBERS[Math.floor(rng.next() * NUMBERS.length)]! + src.slice(m.index! + m[0].length);
    }
    case 5: { const lines = src.split('\n'); const i = Math.floor(rng.next() * lines.length), j = Math.floor(rng.next() * lines.length); [lines[i], lines[j]] = [lines[j]!, lines[i]!]; return lines.join('\n'); }
    case 6: return src.slice(0, at());
    default: { const other = corpus[Math.floor(rng.next() * corpus.length)]!; const a = at(); return src.slice(0, a) + other.slice(Math.floor(rng.next() * other.length)); }
  }
}

/** The sample programs: the corpus mutations start from. */
export function sampleCorpus(): string[] {
  const dir = join(ROOT, 'samples');
  return readdirSync(dir).filter((f) => f.endsWith('.dl')).sort().map((f) => readFileSync(join(dir, f), 'utf8'));
}

/** One of `count` disjoint parts of a run's inputs: those whose index is `index` modulo `count`. */
export interface Shard {
  index: number;
  count: number;
}

export const inShard = (i: number, shard: Shard): boolean => i % shard.count === shard.index;

/**
 * Runs `count` inputs from `seed` (those of `shard`, if given). `validate` checks a WGSL text (resolving to an error message or
 * null); each distinct text is checked once. `timeLimitMs` bounds one compile's CPU time.
 */
export async function fuzz(opts: { seed: number; count: number; shard?: Shard; timeLimitMs?: number; validate?: (wgsl: string) => Promise<string | null>; onProgress?: (done: number) => void }): Promise<FuzzReport> {
  const rng = new Rng(opts.seed);
  const corpus = sampleCorpus();
  // 5 s: the largest sample, spam_gru (100 steps of a bidirectional GRU unrolled, 6,146 dispatches
  // a train step), takes 1.3-2.3 s of CPU to compile, the first compile in a process the longest.
  const limit = opts.timeLimitMs ?? 5000;
  const seen = new Set<string>();
  const report: FuzzReport = { inputs: 0, compiled: 0, rejected: 0, shadersChecked: 0, failures: [], seconds: 0 };
  const start = performance.now();
  for (let i = 0; i < opts.count; i++) {
    if (i > 0) opts.onProgress?.(i);
    let src = rng.next() < 0.25 ? generated(rng) : corpus[Math.floor(rng.next() * corpus.length)]!;
    const rounds = 1 + Math.floor(rng.next() * 4);
    for (let k = 0; k < rounds; k++) if (rng.next() < 0.85) src = mutate(src, rng, corpus);
    // Every shard draws the whole stream (cheap) and compiles its own inputs (the cost).
    if (opts.shard && !inShard(i, opts.shard)) continue;
    report.inputs++;
    // CPU time, not wall time: a starved process (a niced run beside a busy machine) stretches wall
    // time without compiling any slower (a compile is synchronous, so this process's CPU time is it).
    const t0 = process.cpuUsage();
    let r;
    try {
      r = compile(src, { file: 'fuzz.dl' });
    } catch (err) {
      report.failures.push({ index: i, input: src, problem: `threw: ${(err as Error).stack ?? err}` });
      continue;
    }
    const used = process.cpuUsage(t0);
    const ms = (used.user + used.system) / 1000;
    if (ms > limit) report.failures.push({ index: i, input: src, problem: `took ${ms.toFixed(0)} ms of CPU (limit ${limit})` });
    const internal = r.diagnostics.find((d) => /internal error/i.test(d.message));
    if (internal) report.failures.push({ index: i, input: src, problem: `internal error diagnostic: ${internal.message}` });
    if (r.ok !== (r.diagnostics.length === 0) || (r.ok && !r.artifact)) report.failures.push({ index: i, input: src, problem: 'ok does not match the diagnostics' });
    if (!r.ok) {
      report.rejected++;
      for (const d of r.diagnostics) if (!d.span || !Number.isInteger(d.span.line)) report.failures.push({ index: i, input: src, problem: `diagnostic without a place: ${d.message}` });
      continue;
    }
    report.compiled++;
    if (!opts.validate) continue;
    for (const code of Object.values(r.artifact!.shaders)) {
      const body = code.slice(code.indexOf('\n') + 1);
      if (seen.has(body)) continue;
      seen.add(body);
      report.shadersChecked++;
      const problem = await opts.validate(code);
      if (problem) report.failures.push({ index: i, input: src, problem: `invalid WGSL: ${problem}\n${code}` });
    }
  }
  report.seconds = (performance.now() - start) / 1000;
  return report;
}

/** A validator using a WebGPU device's shader compiler (parse and validate; no pipeline). */
export function dawnValidator(device: GPUDevice): (wgsl: string) => Promise<string | null> {
  return async (code) => {
    device.pushErrorScope('validation');
    const mod = device.createShaderModule({ code });
    const info = await mod.getCompilationInfo();
    const err = await device.popErrorScope();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length) return errors.map((e) => `${e.lineNum}:${e.linePos} ${e.message}`).join('; ');
    return err ? err.message : null;
  };
}
