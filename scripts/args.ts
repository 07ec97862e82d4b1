// Option parsing for the helper scripts (bench, fuzz, demo): a bad option ends with one line on
// stderr and exit code 1, as the dlc command does, not a stack trace.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export function scriptArgs<T extends NonNullable<ParseArgsConfig['options']>>(script: string, options: T): ReturnType<typeof parseArgs<{ options: T }>>['values'] {
  try {
    return parseArgs({ options }).values;
  } catch (err) {
    return fail(script, (err as Error).message.split('\n')[0]!);
  }
}

export function fail(script: string, message: string): never {
  process.stderr.write(`${script}: ${message}\n`);
  process.exit(1);
}

/** An integer option within [min, max], or the script stops with a message naming the option. */
export function intOption(script: string, name: string, text: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) fail(script, `--${name} must be an integer from ${min} to ${max}, got '${text}'`);
  return n;
}
