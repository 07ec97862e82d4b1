// Opening the real Dawn adapters for tests: both of them, and a missing one fails under CI.
import { afterAll, beforeAll } from 'vitest';
import { DeviceUnavailableError, openDevice, type NodeDeviceHandle } from '../../runtime/device-node.ts';

export const ADAPTERS = ['vulkan', 'gles'] as const;
export type AdapterKind = (typeof ADAPTERS)[number];

/**
 * Opens the adapter once for the enclosing describe block and destroys it afterwards, with
 * `requiredLimits` in place of the adapter's maximums where given.
 * Returns a getter; when the adapter is missing outside CI, `get()` returns undefined and the
 * caller skips with the printed reason. Under CI=true a missing adapter is a failure.
 */
export function useDevice(kind: AdapterKind, requiredLimits?: Record<string, number>): () => NodeDeviceHandle | undefined {
  let handle: NodeDeviceHandle | undefined;
  beforeAll(async () => {
    try {
      handle = await openDevice(kind, requiredLimits);
    } catch (err) {
      if (err instanceof DeviceUnavailableError && !process.env.CI) {
        console.warn(`GPU tests on ${kind} skipped: ${err.message}`);
        return;
      }
      throw err;
    }
  });
  afterAll(() => {
    handle?.destroy();
  });
  return () => handle;
}

/** ‖a − b‖ / ‖b‖ (with a floor on ‖b‖); NaN anywhere makes it NaN, which fails any `<` check. */
export function relError(out: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (out.length !== ref.length) return Infinity;
  let err = 0;
  let norm = 0;
  for (let i = 0; i < ref.length; i++) {
    err += (out[i]! - ref[i]!) ** 2;
    norm += ref[i]! ** 2;
  }
  return Math.sqrt(err) / Math.max(Math.sqrt(norm), 1e-30);
}
