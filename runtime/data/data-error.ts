// The error every data reader throws, and how a reader shows a file's name in it.
import { printable } from '../../dsl/printable.ts';

/** Data that does not fit the model, or is malformed; the message names the file and the place. */
export class DataError extends Error {
  override name = 'DataError';
}

/** Longest path Linux accepts (PATH_MAX): a file name is shown whole, since a cut path names nothing. */
const PATH_LIMIT = 4096;

/** A file name (or `file:member` label) as messages show it: control characters escaped, not cut. */
export function shownFile(file: string): string {
  return printable(file, PATH_LIMIT);
}
