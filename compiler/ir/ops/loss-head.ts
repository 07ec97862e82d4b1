// softmax_ce_head: the whole softmax cross-entropy step in one kernel, made by the loss-head pass.
// Inputs: logits [R, C], labels [R], then written in place: the loss [1], the epoch's loss sum [1]
// and (attrs.correct) correct count [1]; then (attrs.extra) a scalar added to the loss (the
// regularisation penalty); then (attrs.weighted) each row's weight [R] (sample or class weights),
// which multiplies the row's loss and gradient. Output: the logits gradient gradScale·w·(softmax − onehot).
import type { KernelBody, KernelIO } from '../kernel-spec.ts';
import { numel, shapeStr, tensor } from '../tensor.ts';
import type { Attrs } from '../types.ts';
import { ShapeError, type UpdateRow } from './def.ts';

/** Invocations of the one workgroup that walks every row. */
const WG = 256;

function lossHeadKernel(io: KernelIO): KernelBody {
  const a = io.attrs;
  const [x, labels, lossOut, lossSum, ...rest] = io.inputs.map((i) => i.name);
  const correctSum = a.correct ? rest.shift() : undefined;
  const extra = a.extra ? rest.shift() : undefined;
  const weight = a.weighted ? rest.shift() : undefined;
  const shape = io.inputs[0]!.shape;
  const C = shape[shape.length - 1]!;
  return {
    template: {
      kind: 'loss_head', x: x!, labels: labels!, lossOut: lossOut!, lossSum: lossSum!, ...(correctSum ? { correctSum } : {}), ...(extra ? { extra } : {}), ...(weight ? { weight } : {}),
      grad: io.output!.name, R: numel(shape) / C, C, gradScale: a.gradScale as number, lossScale: a.lossScale as number, wg: WG,
    },
    workgroups: [1, 1, 1],
  };
}

const writes = (a: Attrs): number[] => (a.correct ? [2, 3, 4] : [2, 3]);

export const LOSS_HEAD_OPS = {
  softmax_ce_head: {
    kind: 'update', doc: 'mean softmax cross-entropy, its logits gradient, and the epoch sums, in one kernel',
    arity: 4, variadic: true, intInputs: [1], writes,
    check: (ins, a) => {
      const [x, l] = ins;
      const want = 4 + (a.correct ? 1 : 0) + (a.extra ? 1 : 0) + (a.weighted ? 1 : 0);
      if (ins.length !== want) throw new ShapeError(`softmax_ce_head takes ${want} inputs with these attrs, got ${ins.length}`);
      if (x!.shape.length !== 2 || l!.shape.length !== 1 || l!.shape[0] !== x!.shape[0]) throw new ShapeError(`expected logits [rows, classes] and labels [rows], got ${shapeStr(x!.shape)} and ${shapeStr(l!.shape)}`);
      const slots = a.weighted ? ins.slice(2, -1) : ins.slice(2);
      for (const t of slots) if (numel(t.shape) !== 1) throw new ShapeError(`loss slots hold one value, got ${shapeStr(t.shape)}`);
      if (a.weighted && ins[ins.length - 1]!.shape.join() !== l!.shape.join()) throw new ShapeError(`row weights ${shapeStr(ins[ins.length - 1]!.shape)} do not match labels ${shapeStr(l!.shape)}`);
    },
    output: ([x]) => ({ shape: [...x!.shape], dtype: 'f32' }),
    reference: (ins, a) => {
      const [x, l, lossOut, lossSum] = ins;
      const correctSum = a.correct ? ins[4] : undefined;
      const extra = a.extra ? ins[4 + (a.correct ? 1 : 0)] : undefined;
      const weight = a.weighted ? ins[ins.length - 1] : undefined;
      const [R, C] = x!.shape as [number, number];
      const d = tensor(x!.shape);
      let loss = 0;
      let correct = 0;
      for (let r = 0; r < R; r++) {
        const base = r * C;
        let mx = x!.data[base]!;
        let best = 0;
        for (let j = 1; j < C; j++) if (x!.data[base + j]! > mx) { mx = x!.data[base + j]!; best = j; }
        let s = 0;
        for (let j = 0; j < C; j++) s += Math.exp(x!.data[base + j]! - mx);
        const lse = mx + Math.log(s);
        const label = Math.min(l!.data[r]!, C - 1);
        const w = weight ? weight.data[r]! : 1;
        loss += w * (lse - x!.data[base + label]!);
        if (best === label) correct++;
        for (let j = 0; j < C; j++) d.data[base + j] = (a.gradScale as number) * w * (Math.exp(x!.data[base + j]! - lse) - (j === label ? 1 : 0));
      }
      const mean = loss * (a.lossScale as number) + (extra ? extra.data[0]! : 0);
      const outs = [tensor(lossOut!.shape, [mean]), tensor(lossSum!.shape, [lossSum!.data[0]! + mean])];
      if (correctSum) outs.push(tensor(correctSum.shape, [correctSum.data[0]! + correct]));
      return [...outs, d];
    },
    kernel: lossHeadKernel,
  } satisfies UpdateRow,
};
