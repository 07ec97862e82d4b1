// Binds the arguments of a call to a parameter table: positional then named, each coerced to its
// type, defaults filled in. Layers, losses, optimizers and schedules all bind through here, so an
// argument is refused with the same words wherever it is written; their tables (LAYERS, the
// optimizer rows, SCHEDULES) are the only place a parameter is declared.
import { didYouMean, type Span } from '../../dsl/diagnostics.ts';
import { coerce, type Hyper, type HyperType, type Val } from './values.ts';

/** One parameter of a call. */
export interface ArgSpec {
  name: string;
  type: HyperType;
  /** Absent: the argument is required. */
  default?: Hyper;
  /** For 'word' parameters: the accepted names. */
  oneOf?: readonly string[];
}

/** An argument as written: its name if given, and its value (undefined: not a constant). */
export interface GivenArg {
  name?: string;
  nameSpan?: Span;
  span: Span;
  value: Val | undefined;
  valueSpan: Span;
}

/** How messages name the call and its parameters. */
export interface Callee {
  /** "dense", "adam", "cosine". */
  name: string;
  /** What a parameter is called: "argument" (default) or "hyper-parameter" (optimizers). */
  noun?: string;
  /** The message for one positional argument too many (default: "adam takes at most 4 arguments (…)"). */
  tooMany?: string;
  /** Other spellings of parameter names (Keras's learning_rate for lr), suggested first. */
  aliases?: Readonly<Record<string, string>>;
}

export type Report = (code: string, message: string, span: Span) => void;

/** "at most 2 arguments (every, factor)", or "no arguments". */
export function takesText(specs: readonly ArgSpec[]): string {
  const most = specs.length;
  return most ? `at most ${most} argument${most === 1 ? '' : 's'} (${specs.map((s) => s.name).join(', ')})` : 'no arguments';
}

/** "; did you mean 'x'?" when a name is close, else the accepted names: " (accepted: a, b)". */
export function didYouMeanOrList(name: string, accepted: readonly string[]): string {
  return didYouMean(name, accepted) || (accepted.length ? ` (accepted: ${accepted.join(', ')})` : ' (it takes no named arguments)');
}

/** The hint after an unknown argument name: its accepted alias first, else a close name or the list. */
export function unknownArgHint(name: string, accepted: readonly string[], aliases?: Readonly<Record<string, string>>): string {
  const alias = aliases && Object.hasOwn(aliases, name) ? aliases[name] : undefined;
  return alias !== undefined && accepted.includes(alias) ? `; did you mean '${alias}'?` : didYouMeanOrList(name, accepted);
}

/** Why a word is not one of `oneOf`: a choice of two is stated as the expectation, a longer list after the value. */
function notOneOf(value: string, oneOf: readonly string[]): string {
  if (oneOf.length <= 2) return `expected ${oneOf.map((o) => `'${o}'`).join(' or ')}, got '${value}'${didYouMean(value, oneOf)}`;
  return `unknown value '${value}'${didYouMean(value, oneOf)} (one of ${oneOf.join(', ')})`;
}

/**
 * The arguments given, by parameter name, without defaults; undefined when any was refused (every
 * refusal is reported, each at its argument).
 */
export function bindArgs(specs: readonly ArgSpec[], given: readonly GivenArg[], callee: Callee, report: Report): Record<string, Hyper> | undefined {
  const noun = callee.noun ?? 'argument';
  const bound: Record<string, Hyper> = {};
  let next = 0;
  let ok = true;
  const refuse = (code: string, message: string, span: Span): void => { report(code, message, span); ok = false; };
  for (const a of given) {
    let spec: ArgSpec | undefined;
    if (a.name === undefined) {
      spec = specs[next++];
      if (!spec) { refuse('E-ARITY', callee.tooMany ?? `${callee.name} takes ${takesText(specs)}`, a.span); continue; }
    } else {
      spec = specs.find((s) => s.name === a.name);
      if (!spec) {
        const hint = unknownArgHint(a.name, specs.map((s) => s.name), callee.aliases);
        refuse('E-UNKNOWN-ARG', `unknown ${noun} '${a.name}' for ${callee.name}${hint}`, a.nameSpan ?? a.span);
        continue;
      }
    }
    if (Object.hasOwn(bound, spec.name)) { refuse('E-DUPLICATE', `${noun} '${spec.name}' of ${callee.name} is given twice`, a.span); continue; }
    const c = a.value ? coerce(a.value, spec.type) : { error: 'expected a constant' };
    if ('error' in c) { refuse('E-TYPE', `${noun} '${spec.name}' of ${callee.name}: ${c.error}`, a.valueSpan); continue; }
    if (spec.oneOf && !spec.oneOf.includes(c.ok as string)) { refuse('E-TYPE', `${noun} '${spec.name}' of ${callee.name}: ${notOneOf(String(c.ok), spec.oneOf)}`, a.valueSpan); continue; }
    bound[spec.name] = c.ok;
  }
  return ok ? bound : undefined;
}

/**
 * `bound` with every parameter not given set to its default; undefined, with the first required
 * parameter reported at `span`, when one is missing.
 */
export function withDefaults(specs: readonly ArgSpec[], bound: Record<string, Hyper>, callee: Callee, report: Report, span: Span): Record<string, Hyper> | undefined {
  const out = { ...bound };
  for (const s of specs) {
    if (Object.hasOwn(out, s.name)) continue;
    if (s.default === undefined) { report('E-MISSING-ARG', `${callee.name} needs ${callee.noun ?? 'argument'} '${s.name}'`, span); return undefined; }
    out[s.name] = s.default;
  }
  return out;
}
