// Every op's VJP against central finite differences of its float64 reference, looped over OP_TABLE.
import { describe, expect, it } from 'vitest';
import { Graph } from '../../compiler/ir/graph.ts';
import { OP_TABLE, opDef, type StepContext } from '../../compiler/ir/ops/index.ts';
import { tensor, type Tensor } from '../../compiler/ir/tensor.ts';
import { evalOp, runNode, type Env } from '../../compiler/reference/interp.ts';
import { Rng } from '../../runtime/random.ts';
import { caseName, drawInput, dtypeOf, OP_CASES, type OpCase } from '../helpers/op-cases.ts';

/** Ops that declare no VJP. Listed here so a new op cannot become non-differentiable unnoticed. */
const NON_DIFFERENTIABLE = new Set([
  'sign', 'ones_like', 'relu_bwd', 'leaky_relu_bwd', 'sigmoid_bwd', 'tanh_bwd', 'gelu_bwd', 'elementwise_bwd', 'bce_logits_bwd',
  'softmax_bwd', 'log_softmax_bwd', 'softmax_ce_bwd', 'correct', 'correct_onehot', 'class_weight', 'class_weight_target',
  'conv2d_bwd_filter', 'id_buckets',
  'maxpool2d_bwd', 'avgpool2d_bwd', 'upsample_bwd', 'upsample_bilinear_bwd', 'resize_bilinear_bwd',
  'sgd', 'momentum', 'adagrad', 'rmsprop', 'adam', 'adamw', 'nadam', 'adamax', 'adadelta', 'accumulate', 'ema',
  // made by the fusion pass after autodiff: never differentiated
  'fused', 'matmul_chain', 'conv2d_chain', 'maxpool2d_bwd_chain', 'fill', 'softmax_ce_head',
]);
/** f32 inputs that deliberately get no gradient: (op, input index). */
const NO_GRAD_INPUTS = new Set(['bce_logits:1', 'hinge:2']);
const CTX: StepContext = { lr: 0.01, step: 3, seed: 11 };

function setup(op: string, c: OpCase, rng: Rng) {
  const g = new Graph();
  const ins = c.shapes.map((s, k) => g.addInput(`x${k}`, dtypeOf(c, k), s));
  const out = g.add(op, ins, c.attrs ?? {}, { phase: 'forward' });
  const env: Env = new Map();
  ins.forEach((v, k) => env.set(v, { shape: c.shapes[k]!, data: drawInput(c, k, rng) }));
  return { g, ins, out, env };
}

const elements = (c: OpCase): number => c.shapes.reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0);
/**
 * Probes per input: 40 for a small case, 8 for one sized for the GPU's tiles and grid (each probe is two
 * float64 evaluations of the whole op, seconds at those sizes; the rule's algebra is the small cases').
 */
const probeCount = (c: OpCase): number => (elements(c) <= 20_000 ? 40 : 8);

/** Σ out · cotangent, the scalar whose gradient the VJP computes. */
function objective(op: string, xs: Tensor[], attrs: OpCase['attrs'], outShape: number[], cot: Float64Array): number {
  const y = evalOp(op, xs, attrs ?? {}, outShape, CTX)[0]!;
  let s = 0;
  for (let i = 0; i < y.data.length; i++) s += y.data[i]! * cot[i]!;
  return s;
}

describe('VJP rules', () => {
  it('every op either has a VJP or is listed as non-differentiable', () => {
    const nullVjp = Object.entries(OP_TABLE).filter(([, d]) => d.vjp === null).map(([k]) => k).sort();
    expect(nullVjp).toEqual([...NON_DIFFERENTIABLE].sort());
  });

  const differentiable = Object.keys(OP_TABLE).filter((op) => !NON_DIFFERENTIABLE.has(op)) as (keyof typeof OP_TABLE)[];
  for (const op of differentiable) {
    // Cases over a million elements exist for the GPU's grid (slice_bwd spilling into y) only.
    for (const c of OP_CASES[op].filter((oc) => oc.shapes.every((s) => s.reduce((a, b) => a * b, 1) <= 1e6))) {
      it(`${caseName(op, c)} matches finite differences`, () => {
        const rng = new Rng(caseName(op, c).length * 7919 + 13);
        const { g, ins, out, env } = setup(op, c, rng);
        const node = g.nodes[g.nodes.length - 1]!;
        runNode(g, node, env, CTX);
        const outShape = g.value(out).shape;
        const cot = tensor(outShape, drawInput({ shapes: [outShape] }, 0, rng));
        const gv = g.addInput('cotangent', 'f32', outShape);
        env.set(gv, cot);
        const grads = opDef(op).vjp!(g.builder({ phase: 'backward' }), node, gv);
        for (const n of g.nodes.slice(node.id + 1)) runNode(g, n, env, CTX);
        expect(grads.length).toBe(ins.length);
        let checked = 0;
        ins.forEach((v, k) => {
          const gk = grads[k];
          if (dtypeOf(c, k) === 'i32' || NO_GRAD_INPUTS.has(`${op}:${k}`)) {
            expect(gk ?? null).toBeNull();
            return;
          }
          expect(gk, `gradient of input ${k}`).not.toBeNull();
          const analytic = env.get(gk!)!;
          expect(analytic.shape).toEqual(c.shapes[k]);
          const xs = ins.map((u) => env.get(u)!);
          const n = xs[k]!.data.length;
          // Probe a few elements, spread over the tensor.
          const m = probeCount(c);
          const probes = n <= m ? [...Array(n).keys()] : Array.from({ length: m }, (_, i) => Math.floor((i * n) / m));
          let err = 0;
          let norm = 0;
          for (const j of probes) {
            const x0 = xs[k]!.data[j]!;
            const h = 1e-6 * Math.max(1, Math.abs(x0));
            const shifted = (d: number): Tensor[] => xs.map((t, i) => (i === k ? { shape: t.shape, data: Float64Array.from(t.data, (v, q) => (q === j ? v + d : v)) } : t));
            const fd = (objective(op, shifted(h), c.attrs, outShape, cot.data) - objective(op, shifted(-h), c.attrs, outShape, cot.data)) / (2 * h);
            err += (fd - analytic.data[j]!) ** 2;
            norm += fd ** 2;
            checked++;
          }
          expect(Math.sqrt(err) / Math.max(1e-8, Math.sqrt(norm))).toBeLessThan(1e-6);
        });
        expect(checked).toBeGreaterThan(0);
      });
    }
  }
});
