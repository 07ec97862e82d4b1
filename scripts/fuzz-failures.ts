// Reporting fuzz failures: one classified line each on the terminal, a folder per failure under
// fuzz-failures/ holding the input and how to reproduce it, and a count per class.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { printable } from '../dsl/printable.ts';
import type { FuzzFailure } from './fuzz-engine.ts';
import { firstProjectFrame, type Failure } from './fuzz-oracle.ts';

/** The class of a front-end fuzzer failure (its problem text starts with what went wrong). */
function programClass(problem: string): string {
  if (problem.startsWith('threw: ')) {
    const name = /^threw: (\w+)/.exec(problem)?.[1] ?? 'Error';
    return `crash: ${name} at ${firstProjectFrame(problem.slice('threw: '.length))}`;
  }
  if (problem.startsWith('took ')) return 'hang: compile slower than the limit';
  return problem.split(':')[0]!;
}

/** A front-end fuzzer failure as a Failure (the program text is its input file). */
export function programFailure(f: FuzzFailure, seed: number): Failure {
  return { kind: 'programs', seed, index: f.index, class: programClass(f.problem), detail: f.problem, recipe: 'mutated or generated program (input.dl)', files: { 'input.dl': f.input } };
}

/** One line for the terminal: kind, seed, index, class and recipe, made printable. */
export function failureLine(f: Failure): string {
  return printable(`${f.kind} seed ${f.seed} #${f.index} [${f.class}] ${f.recipe}`, 400);
}

/** The command that runs this one input again. */
export function rerunCommand(f: Failure): string {
  if (f.kind === 'programs') return `./bin/dlc.js check ${join('fuzz-failures', folderName(f), 'input', 'input.dl')}`;
  return `npm run fuzz -- --kind ${f.kind} --seed ${f.seed} --index ${f.index}${f.models ? ` --models ${f.models.join(',')}` : ''}${f.viaDlc ? ' --gpu-every 1' : ''}`;
}

const folderName = (f: Failure): string => `${f.kind}-s${f.seed}-${f.index}`;

/**
 * Writes `f` under `root`: failure.txt (class, detail, recipe, seed, index, the command that reruns
 * it) and the input's files. Returns the folder.
 */
export function writeFailure(root: string, f: Failure): string {
  const dir = join(root, folderName(f));
  mkdirSync(dir, { recursive: true });
  const text = [`kind: ${f.kind}`, `seed: ${f.seed}`, `index: ${f.index}`, `class: ${f.class}`, `recipe: ${f.recipe}`, `rerun: ${rerunCommand(f)}`, '', f.detail, ''].join('\n');
  // Several failures of one input share its folder: each class gets its own section.
  writeFileSync(join(dir, 'failure.txt'), text, { flag: 'a' });
  for (const [name, content] of Object.entries(f.files)) {
    const path = join(dir, 'input', name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  return dir;
}

/** Failures counted per class, most frequent first, with the first input of each. */
export function failureClasses(failures: Failure[]): { class: string; count: number; first: Failure }[] {
  const by = new Map<string, { class: string; count: number; first: Failure }>();
  for (const f of failures) {
    const key = `${f.kind}: ${f.class}`;
    const e = by.get(key);
    if (e) e.count++;
    else by.set(key, { class: key, count: 1, first: f });
  }
  return [...by.values()].sort((a, b) => b.count - a.count);
}
