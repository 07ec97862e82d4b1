// Per-dispatch values: an unrolled recurrence's time-step slices, and the concatenations that join
// their gradients, share one shader each, so the number of distinct kernels (pipelines) does not
// grow with the sequence length; inference exports keep their starts in the kernel text.
import { describe, expect, it } from 'vitest';
import { exportInference } from '../../compiler/export.ts';
import { compiles } from '../helpers/compile-source.ts';

const lstm = (T: number, layers = 'lstm(6)'): string => `
model seq {
  input x: f32[${T}, 3]
  input y: class[2]
  logits = x -> ${layers} -> dense(2)
  output logits
}
train seq {
  loss = cross_entropy(logits, y)
  batch = 4
}`;

describe('slice starts as per-dispatch values', () => {
  it('distinct kernels do not grow with the number of time steps; dispatches do', () => {
    // (return_sequences stacks the states by concatenation, whose shapes grow step by step: those
    // kernels still differ per step.)
    for (const layers of ['lstm(6)', 'gru(6, go_backwards: true)', 'simple_rnn(5)']) {
      const arts = [7, 19, 43].map((T) => compiles(lstm(T, layers)).artifact!);
      const distinct = arts.map((a) => Object.keys(a.shaders).length);
      // The gradient sums over time split into chunks of at most 8 bindings, so the last chunk's
      // arity (one fused kernel) depends on T modulo the chunk; nothing grows with T.
      expect(Math.max(...distinct) - Math.min(...distinct), `distinct kernels at 7, 19, 43 steps: ${distinct.join(', ')}`).toBeLessThanOrEqual(2);
      const dispatches = arts.map((a) => a.manifest.stats.dispatches.train_step!);
      expect(dispatches[2]! - dispatches[1]!).toBeGreaterThan(24 * 5);
    }
  });

  it('each slice kernel reads its start from its own 256-byte slot, the values written in its params', () => {
    const m = compiles(lstm(7)).artifact!.manifest;
    const d = m.dispatchParamsBuffer!;
    expect(m.buffers[d]).toMatchObject({ kind: 'uniform', label: 'dispatch params' });
    const withParams = m.kernels.filter((k) => k.params);
    expect(withParams.length).toBeGreaterThan(2 * 7);
    expect(withParams.every((k) => k.name.startsWith('slice') || k.name.startsWith('concat'))).toBe(true);
    const offsets = withParams.map((k) => k.bindings.find((b) => b.buffer === d)!.offset!);
    expect(new Set(offsets).size).toBe(withParams.length);
    expect(offsets.every((o) => o % 256 === 0 && o + 16 <= m.buffers[d]!.size)).toBe(true);
    // The time-step slices of x·W: starts 0 to 6, one shader.
    const steps = withParams.filter((k) => k.name === 'slice:lstm_1' && k.params![0]! < 7);
    expect(new Set(steps.map((k) => k.shader)).size).toBeLessThanOrEqual(2);
    // The gradient of x·W joins the steps' gradients by concatenation (compiler/passes/slice-grads.ts):
    // pieces of many sizes, one shader; each kernel's params are its two sizes and its element count.
    const joins = withParams.filter((k) => k.name === 'concat:lstm_1');
    expect(joins.length).toBeGreaterThanOrEqual(6);
    expect(new Set(joins.map((k) => k.shader)).size).toBeLessThanOrEqual(2);
    for (const k of joins) {
      const [da, db, total] = k.params!;
      expect(total! % (da! + db!)).toBe(0);
    }
    expect(joins.some((k) => k.params![0]! + k.params![1]! === 7)).toBe(true);
  });

  it('an inference export prints its starts into the kernels (no dispatch-parameter block)', () => {
    const im = exportInference(lstm(7), { file: 'net.dl', maxBatch: 4 }).manifest!;
    expect(Object.values(im.shaders).some((w) => w.includes('dispatch_params'))).toBe(false);
    expect(im.buffers.filter((b) => b.kind === 'uniform')).toHaveLength(1);
  });
});
