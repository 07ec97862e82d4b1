// A parameter's gradient as the compiled train step computes it (one sgd step, lr 1, on the float64
// interpreter), held to central differences of the eval loss (the mean of its rows, penalties included).
import { expect } from 'vitest';
import type { CompileResult } from '../../compiler/compile.ts';
import { ReferenceRun } from './reference.ts';

/** Asserts that one sgd step (lr 1) moves `param` by minus the central-difference gradient, to 1e-6 relative. */
export function gradientMatchesDifferences(r: CompileResult, param: string, inputs: Record<string, Float32Array | Int32Array>): void {
  const g = r.graph!;
  const ref = new ReferenceRun(r);
  const slot = g.params.find((p) => g.value(p.value).name === param)!;
  const shape = g.value(slot.value).shape;
  const w = ref.tensor(param);
  const lossAt = (wt: Float64Array): number => {
    ref.env.set(slot.value, { shape, data: wt });
    const rows = ref.run('eval', inputs).loss_rows!.data;
    return rows.reduce((a, b) => a + b, 0) / rows.length;
  };
  const h = 1e-6;
  const fd = Array.from(w, (_, k) => (lossAt(w.map((v, q) => (q === k ? v + h : v))) - lossAt(w.map((v, q) => (q === k ? v - h : v)))) / (2 * h));
  ref.env.set(slot.value, { shape, data: Float64Array.from(w) });
  ref.trainStep(inputs);
  const after = ref.tensor(param);
  let err = 0;
  let norm = 0;
  w.forEach((v, k) => { err += (v - after[k]! - fd[k]!) ** 2; norm += fd[k]! ** 2; });
  expect(norm).toBeGreaterThan(0);
  expect(Math.sqrt(err / norm)).toBeLessThan(1e-6);
}
