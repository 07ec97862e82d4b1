// The float64 interpreter: runs IR nodes on the CPU with each op's reference rule. The oracle.
import type { Graph } from '../ir/graph.ts';
import { compileBlock } from '../ir/expr.ts';
import { elementBlock, opDef, updateWrites, type StepContext } from '../ir/ops/index.ts';
import { broadcastIndex, broadcastStrides, tensor, type Tensor } from '../ir/tensor.ts';
import type { Attrs, Node, ProgramName, ValueId } from '../ir/types.ts';

/** Values by id: inputs, params and state going in; every computed value coming out. */
export type Env = Map<ValueId, Tensor>;

/** Evaluates one op on float64 tensors. Update ops return the new contents of the written inputs. */
export function evalOp(op: string, ins: Tensor[], attrs: Attrs, outShape: number[] | null, ctx: StepContext): Tensor[] {
  const def = opDef(op);
  switch (def.kind) {
    case 'elementwise': {
      const shape = outShape!;
      const out = tensor(shape);
      const idx = ins.map((t) => broadcastIndex(shape, broadcastStrides(t.shape, shape)));
      const f = compileBlock(elementBlock(def, attrs, ins.length));
      const xs = new Array<number>(ins.length);
      for (let i = 0; i < out.data.length; i++) {
        for (let k = 0; k < ins.length; k++) xs[k] = ins[k]!.data[idx[k]!(i)]!;
        out.data[i] = f(xs, i, ctx);
      }
      return [out];
    }
    case 'kernel':
      return [def.reference(ins, attrs, { shape: outShape!, dtype: 'f32' }, ctx)];
    case 'view':
      return [{ shape: [...outShape!], data: ins[0]!.data }];
    case 'update':
      return def.reference(ins, attrs, ctx);
  }
}

/** What a node reads, seen (and replaced, e.g. quantised: reference/int8-activations.ts) before it runs. */
export type InputHook = (n: Node, ins: Tensor[]) => Tensor[];

/** Runs one node, reading and writing `env`. */
export function runNode(g: Graph, n: Node, env: Env, ctx: StepContext, hook?: InputHook): void {
  const read = n.inputs.map((v) => {
    const t = env.get(v);
    if (!t) throw new Error(`internal error: %${v} (${g.value(v).name}) has no value before ${n.op}`);
    return t;
  });
  const ins = hook ? hook(n, read) : read;
  const outShape = n.output === null ? null : g.value(n.output).shape;
  const res = evalOp(n.op, ins, n.attrs, outShape, ctx);
  const def = opDef(n.op);
  if (def.kind === 'update') {
    const writes = updateWrites(def, n.attrs);
    writes.forEach((w, k) => env.set(n.inputs[w]!, res[k]!));
    if (n.output !== null) env.set(n.output, res[writes.length]!);
  } else env.set(n.output!, res[0]!);
}

/** Runs a whole program; `env` must hold its inputs, params and state, and is updated in place. */
export function runProgram(g: Graph, program: ProgramName, env: Env, ctx: StepContext, hook?: InputHook): Env {
  for (const id of g.programs[program].nodes) runNode(g, g.nodes[id]!, env, ctx, hook);
  return env;
}
