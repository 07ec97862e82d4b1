// User errors in the CLI: printed as one clear message with exit code 1, never a stack trace.

/** Anything the user can fix (a missing file, a bad flag); printed as `dlc: message`. */
export class UserError extends Error {
  override name = 'UserError';
}

/** Diagnostics were already printed; just exit 1. */
export class ReportedError extends Error {
  override name = 'ReportedError';
}
