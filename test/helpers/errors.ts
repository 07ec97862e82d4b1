// The message of the error a call throws, checked to be of the expected class.
import { expect } from 'vitest';

export function messageOf(f: () => unknown, kind: new (...args: never[]) => Error): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(kind);
    return (e as Error).message;
  }
  throw new Error(`expected a ${kind.name}`);
}
