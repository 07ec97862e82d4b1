/** A user-facing runtime error (bad inputs, missing program); printed without a stack. */
export class SessionError extends Error {
  override name = 'SessionError';
}
