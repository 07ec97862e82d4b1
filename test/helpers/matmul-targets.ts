// Shared by the GPU tests of the matmul kernel targets ('gpu' tiles, 'llvmpipe' workgroups): one op
// compiled for a target and run against the float64 reference, and a dense network trained five
// steps along the reference's loss curve.
import { expect } from 'vitest';
import { compile, type CompileResult } from '../../compiler/compile.ts';
import { Graph } from '../../compiler/ir/graph.ts';
import type { KernelTarget } from '../../compiler/ir/kernel-spec.ts';
import type { Attrs } from '../../compiler/ir/types.ts';
import { compileGraph } from '../../compiler/pipeline.ts';
import { evalOp } from '../../compiler/reference/interp.ts';
import { Rng } from '../../runtime/random.ts';
import { Session } from '../../runtime/session.ts';
import { relError } from './gpu.ts';
import { ReferenceRun } from './reference.ts';

const TRAIN = { loss: '', optimizer: { kind: 'sgd' as const, lr: 0, hyper: {} }, batch: 1, epochs: 1, metrics: [], seed: 0, shuffle: false, label: '', prediction: '' };

/** A fused chain's attrs from (op, args) steps. */
export const chain = (...steps: [string, number[]][]): string => JSON.stringify(steps.map(([op, args]) => ({ op, args, attrs: {} })));

/** Normal draws, rounded to f32. */
export const draw = (rng: Rng, n: number): Float64Array => Float64Array.from({ length: n }, () => Math.fround(rng.normal()));

/** `name` of a case, e.g. "matmul 35×65, 131×35 transA transB". */
export const caseName = (op: string, shapes: number[][], attrs: Attrs = {}): string =>
  `${op} ${shapes.map((s) => s.join('×')).join(', ')}${attrs.transA ? ' transA' : ''}${attrs.transB ? ' transB' : ''}`;

/**
 * Compiles `op` alone for `target`, checks that every kernel's WGSL contains `marker` (the target's
 * kernel), runs it with scratch poisoned and compares with the float64 reference to 1e-5.
 */
export async function expectOneOpMatches(device: GPUDevice, op: string, shapes: number[][], attrs: Attrs, target: KernelTarget, marker: string): Promise<void> {
  const g = new Graph();
  const ins = shapes.map((s, k) => g.addInput(`x${k}`, 'f32', s));
  const out = g.add(op, ins, attrs, { phase: 'eval' });
  g.programs.eval = g.programs.forward = { nodes: g.nodes.map((n) => n.id), outputs: [{ name: 'out', value: out }] };
  const artifact = compileGraph(g, { model: op, sourceHash: '', train: TRAIN }, { target });
  expect(Object.values(artifact.shaders).every((w) => w.includes(marker))).toBe(true);
  const rng = new Rng(caseName(op, shapes, attrs).length);
  const xs = shapes.map((s) => ({ shape: s, data: draw(rng, s.reduce((a, b) => a * b, 1)) }));
  const s = await Session.create(artifact, device);
  try {
    s.poisonScratch();
    const res = await s.run('forward', Object.fromEntries(xs.map((x, k) => [`x${k}`, Float32Array.from(x.data)])), ['out']);
    const ref = evalOp(op, xs, attrs, g.value(out).shape, { lr: 0, step: 0, seed: 0 })[0]!;
    expect(relError(res.out!, ref.data)).toBeLessThan(1e-5);
  } finally {
    s.dispose();
  }
}

/** Dense forward and both gradients of the middle layers are ≥ 64 × 64 at batch 67. */
export const WIDE_DENSE = `
model wide {
  input x: f32[70]
  input y: class[5]
  logits = x -> dense(65) -> tanh -> dense(66, activation: relu) -> dense(5)
  output logits
}
train wide { loss = cross_entropy(logits, y); optimizer = adam(lr: 0.01); batch = 67; seed = 3 }`;

/** WIDE_DENSE compiled for `target`; the caller checks which kernels are the target's. */
export function compileWideDense(target: KernelTarget): CompileResult {
  const r = compile(WIDE_DENSE, { file: 'wide.dl', target });
  expect(r.ok).toBe(true);
  return r;
}

/** Five train steps of `r` on `device`, each loss within 1e-4 of the float64 interpreter's. */
export async function expectTrainsAlongReference(r: CompileResult, device: GPUDevice): Promise<void> {
  const ref = new ReferenceRun(r);
  const s = await Session.create(r.artifact!, device);
  try {
    const rng = new Rng(8);
    for (let step = 0; step < 5; step++) {
      const x = Float32Array.from({ length: 67 * 70 }, () => rng.normal());
      const y = Int32Array.from({ length: 67 }, () => rng.int(5));
      const want = ref.trainStep({ x, y });
      const got = (await s.trainStep({ x, y }, { readLoss: true }))!;
      expect(Math.abs(got - want) / Math.abs(want), `step ${step}`).toBeLessThan(1e-4);
    }
  } finally {
    s.dispose();
  }
}
