// What the fuzz sandbox's child can be asked to do, and its allocation bound: shared by the parent
// (fuzz-sandbox.ts) and the child (fuzz-sandbox-child.ts) without loading the child's side effects.
import type { Manifest } from '../compiler/artifact.ts';
import type { DataOptions } from '../cli/data.ts';

/** What the parent asks for. The last three are self-tests of the sandbox. */
export type Probe =
  | { kind: 'artifact'; dir: string }
  | { kind: 'samples'; path: string; manifest: Manifest; opts: DataOptions; labelsOptional: boolean }
  | { kind: 'weights' | 'checkpoint'; path: string; manifest: Manifest }
  | { kind: 'spin' }
  | { kind: 'allocate'; bytes: number }
  | { kind: 'throw'; name: string; message: string };

/** Largest single typed array or ArrayBuffer a reader may make from one small fuzz input. */
export const ALLOCATION_LIMIT = 256 * 2 ** 20;
