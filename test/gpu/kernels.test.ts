// Golden-output tests: every kernel of OP_TABLE on both real Dawn adapters against the float64 reference.
import { describe, expect, it } from 'vitest';
import { compileGraph } from '../../compiler/pipeline.ts';
import { Graph } from '../../compiler/ir/graph.ts';
import { OP_TABLE, opDef, updateWrites, type StepContext } from '../../compiler/ir/ops/index.ts';
import { evalOp } from '../../compiler/reference/interp.ts';
import type { ValueId } from '../../compiler/ir/types.ts';
import { Rng } from '../../runtime/random.ts';
import { Session, type TensorData } from '../../runtime/session.ts';
import { ADAPTERS, relError, useDevice } from '../helpers/gpu.ts';
import { caseName, drawInput, dtypeOf, OP_CASES, type OpCase } from '../helpers/op-cases.ts';

const CTX: StepContext = { lr: 0.01, step: 3, seed: 11 };
const TOLERANCE = 1e-5;
const TRAIN = { loss: '', optimizer: { kind: 'sgd' as const, lr: CTX.lr, hyper: {} }, batch: 1, epochs: 1, metrics: [], seed: 0, shuffle: false, label: '', prediction: '' };

const asData = (x: Float64Array, i32: boolean): TensorData => (i32 ? Int32Array.from(x) : Float32Array.from(x));

/**
 * One-node artifact: inputs x0.. and the op's output. An update op's written inputs are state
 * (its first, when it is an optimizer's parameter, a parameter), the rest plain inputs.
 */
function oneOp(op: string, c: OpCase) {
  const g = new Graph();
  const def = opDef(op);
  const writes = def.kind === 'update' ? updateWrites(def, c.attrs ?? {}) : [];
  const isOptimizer = writes.includes(0) && op !== 'accumulate';
  const ins: ValueId[] = c.shapes.map((s, k) => {
    if (isOptimizer && k === 0) return g.addParam('x0', s, { kind: 'zeros' }, 'test', false);
    if (writes.includes(k)) return g.addState(`x${k}`, s, { kind: 'zeros' }, 'test');
    return g.addInput(`x${k}`, dtypeOf(c, k), s);
  });
  const isUpdate = def.kind === 'update';
  const out = g.add(op, ins, c.attrs ?? {}, { phase: isUpdate ? 'update' : 'eval' });
  const ids = g.nodes.map((n) => n.id);
  const outputs = out >= 0 ? [{ name: 'out', value: out }] : [];
  if (isUpdate) g.programs.train_step = { nodes: ids, outputs };
  else g.programs.eval = g.programs.forward = { nodes: ids, outputs };
  return { artifact: compileGraph(g, { model: op, sourceHash: '', train: TRAIN }), g, ins, out, writes };
}

for (const adapter of ADAPTERS) {
  describe(`kernels on ${adapter}`, () => {
    const device = useDevice(adapter);
    const kernelOps = Object.keys(OP_TABLE).filter((op) => opDef(op).kind !== 'view') as (keyof typeof OP_TABLE)[];
    for (const op of kernelOps) {
      for (const c of OP_CASES[op]) {
        it(`${caseName(op, c)} matches the float64 reference`, async (t) => {
          const h = device();
          if (!h) return t.skip();
          const { artifact, g, ins, out, writes } = oneOp(op, c);
          const rng = new Rng(caseName(op, c).length * 31 + adapter.length);
          const xs = c.shapes.map((s, k) => ({ shape: s, data: drawInput(c, k, rng) }));
          const s = await Session.create(artifact, h.device);
          try {
            const feed = Object.fromEntries(ins.map((v, k) => [g.value(v).name, asData(xs[k]!.data, dtypeOf(c, k) === 'i32')]));
            for (const [name, data] of Object.entries(feed)) s.write(name, data);
            s.poisonScratch();
            const def = opDef(op);
            if (def.kind === 'update') {
              const res = await s.run('train_step', feed, out >= 0 ? ['out'] : [], CTX);
              const ref = evalOp(op, xs, c.attrs ?? {}, out >= 0 ? g.value(out).shape : null, CTX);
              for (const [k, w] of writes.entries()) {
                const got = await s.read(g.value(ins[w]!).name);
                expect(relError(got, ref[k]!.data), `written input ${w}`).toBeLessThan(TOLERANCE);
              }
              if (out >= 0) expect(relError(res.out!, ref[writes.length]!.data), 'output').toBeLessThan(TOLERANCE);
            } else {
              const res = await s.run('forward', feed, ['out'], CTX);
              const ref = evalOp(op, xs, c.attrs ?? {}, g.value(out).shape, CTX)[0]!;
              expect(res.out!.length).toBe(ref.data.length);
              expect(relError(res.out!, ref.data)).toBeLessThan(TOLERANCE);
            }
          } finally {
            s.dispose();
          }
        });
      }
    }
  });
}
