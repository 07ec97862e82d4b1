// Weight files written before layers took stable names (hidden.kernel) name them positionally
// (dense_1.kernel); the manifest's renamedLayers maps one to the other so such files still load.
import type { Manifest } from '../compiler/artifact.ts';

/** The name an older compiler gave tensor `name` (dense_1.kernel for hidden.kernel), or undefined when it had the same. */
export function legacyName(name: string, renamed: Manifest['renamedLayers']): string | undefined {
  const dot = name.indexOf('.');
  if (dot < 0 || !renamed) return undefined;
  const old = Object.hasOwn(renamed, name.slice(0, dot)) ? renamed[name.slice(0, dot)] : undefined;
  return old === undefined ? undefined : `${old}${name.slice(dot)}`;
}

/**
 * The tensor of `tensors` for the model's `name`: under that name or, in a file written before
 * stable names, under its positional one. A file holding the new name is never read by the old
 * (a model may have renamed layer dense_1 and still have another one called dense_1).
 */
export function tensorByName<T>(tensors: ReadonlyMap<string, T>, name: string, renamed: Manifest['renamedLayers']): { tensor: T; as: string } | undefined {
  const t = tensors.get(name);
  if (t !== undefined) return { tensor: t, as: name };
  const old = legacyName(name, renamed);
  if (old === undefined || !usesOldNames(tensors, renamed)) return undefined;
  const o = tensors.get(old);
  return o === undefined ? undefined : { tensor: o, as: old };
}

/** Whether a file names none of the renamed layers by their stable names (then it is from before them). */
function usesOldNames<T>(tensors: ReadonlyMap<string, T>, renamed: Manifest['renamedLayers']): boolean {
  if (!renamed) return false;
  for (const key of tensors.keys()) {
    const dot = key.indexOf('.');
    if (dot > 0 && Object.hasOwn(renamed, key.slice(0, dot))) return false;
  }
  return true;
}
