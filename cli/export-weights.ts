// The weights an export reads from a safetensors file, checked by name, dtype and shape: one rule
// for every export format.
import { printable } from '../dsl/printable.ts';
import { loadSafetensors } from '../runtime/checkpoint-node.ts';
import { UserError } from './errors.ts';
import { tensorByName } from '../runtime/legacy-names.ts';

/**
 * The tensors of the safetensors file at `path` that `wanted` names, each present, F32 and of its
 * shape (both export formats read weights through this).
 * @throws UserError naming the file and the first tensor that is missing or of another shape
 */
export async function wantedWeights(path: string, model: string, wanted: { name: string; shape: number[] }[], renamed?: Record<string, string>): Promise<Float32Array[]> {
  const { tensors } = await loadSafetensors(path);
  return wanted.map((w) => {
    const t = tensorByName(tensors, w.name, renamed)?.tensor;
    if (!t) throw new UserError(`${printable(path)} does not hold the weights of model '${printable(model)}': no tensor '${printable(w.name)}' (it holds ${tensors.size} tensor${tensors.size === 1 ? '' : 's'}${tensors.size ? `: ${[...tensors.keys()].slice(0, 5).map((n) => printable(n)).join(', ')}${tensors.size > 5 ? ', ...' : ''}` : ''})`);
    if (t.dtype !== 'F32' || !(t.data instanceof Float32Array) || t.shape.join() !== w.shape.join()) {
      throw new UserError(`${printable(path)}: '${printable(w.name)}' is ${t.dtype} [${t.shape.join(', ')}], model '${printable(model)}' needs F32 [${w.shape.join(', ')}] (weights of another version of the program?)`);
    }
    return t.data;
  });
}
