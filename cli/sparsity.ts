// Pruning and size figures on the command line: the sparsity of pruned tensors (after each epoch of
// dlc train, by dlc check --weights and dlc eval) and a model's size at f32, f16 and int8.
import { groupDigits } from '../dsl/group-digits.ts';
import type { TensorSlot } from '../compiler/artifact.ts';
import { isPrunedWeight } from '../compiler/passes/prune-masks.ts';
import { printable } from '../dsl/printable.ts';
import { sparsityOf, type TensorSparsity } from '../runtime/prune.ts';
import { wantedWeights } from './export-weights.ts';

const pct = (zeros: number, size: number): string => `${((100 * zeros) / size).toFixed(2)}%`;

/** "sparsity: dense_1.kernel 46.25%  dense_2.kernel 46.17%", with the target when the masks were just recomputed. */
export function sparsityLine(rows: TensorSparsity[], target?: number): string {
  const parts = rows.map((r) => `${printable(r.name)} ${pct(r.zeros, r.size)}`);
  return `sparsity: ${parts.join('  ')}${target !== undefined ? `  (masks recomputed for ${(target * 100).toFixed(2)}%)` : ''}`;
}

/** One line per tensor: its zeros of its size and the fraction, then the total over them. */
export function sparsityTable(rows: TensorSparsity[]): string {
  const w = Math.max(...rows.map((r) => printable(r.name).length), 'total'.length);
  const zeros = rows.reduce((a, r) => a + r.zeros, 0);
  const size = rows.reduce((a, r) => a + r.size, 0);
  const line = (name: string, z: number, n: number): string => `  ${name.padEnd(w)}  ${groupDigits(z).padStart(11)} of ${groupDigits(n).padStart(11)} zero  ${pct(z, n).padStart(7)}`;
  return [...rows.map((r) => line(printable(r.name), r.zeros, r.size)), line('total', zeros, size)].join('\n');
}

/**
 * The model's weights (what weights.safetensors holds) in bytes as f32, and what f16 (2 bytes a
 * value) and int8 (1 byte a value, per-channel scales not counted) would take.
 */
export function sizeLine(slots: readonly Pick<TensorSlot, 'shape'>[]): string {
  const values = slots.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
  return `model size: ${groupDigits(values * 4)} bytes as f32 (${groupDigits(values)} values; f16 ${groupDigits(values * 2)} bytes, int8 ${groupDigits(values)} bytes before scales)`;
}

/** The model's tensors that magnitude pruning prunes (dense and conv kernels), whether or not the program prunes. */
export const prunableSlots = (params: readonly TensorSlot[]): TensorSlot[] => params.filter((p) => isPrunedWeight(p.name));

/** `dlc check --weights`: the sparsity of each dense and conv kernel in the weights file, checked against the model. */
export async function weightsSparsity(path: string, model: string, params: readonly TensorSlot[]): Promise<string> {
  const slots = prunableSlots(params);
  if (slots.length === 0) return `${printable(path)}: the model has no dense or conv kernels (the tensors pruning prunes)`;
  const data = await wantedWeights(path, model, slots);
  const rows = sparsityOf(slots.map((s, i) => ({ name: s.name, data: data[i]! })));
  return `${printable(path)}: zeros in the dense and conv kernels\n${sparsityTable(rows)}`;
}
