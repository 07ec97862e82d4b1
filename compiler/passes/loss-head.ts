// Loss-head pass: mean softmax cross-entropy (its rows optionally weighted, plus an optional penalty),
// its logits gradient and the epoch's loss and accuracy sums become one `softmax_ce_head` kernel. It
// matches the graph that lowering, autodiff and constant folding produce; anything else is left alone.
import type { Graph } from '../ir/graph.ts';
import type { Node, ValueId } from '../ir/types.ts';
import { pruneDeadNodes } from '../programs.ts';
import type { MetricSlots } from './optimizer.ts';

export type { MetricSlots };

export function fuseLossHead(g: Graph, slots: MetricSlots): boolean {
  const prog = g.programs.train_step;
  const lossOutput = prog.outputs.find((o) => o.name === 'loss');
  if (!lossOutput) return false;
  const nodes = prog.nodes.map((id) => g.nodes[id]!);
  const readers = (v: ValueId): Node[] => nodes.filter((n) => n.inputs.includes(v));
  const only = (v: ValueId, op: string): Node | undefined => {
    const r = readers(v);
    return r.length === 1 && r[0]!.op === op ? r[0] : undefined;
  };
  const producer = (v: ValueId): Node | undefined => {
    const p = g.producer.get(v);
    return p === undefined ? undefined : g.nodes[p];
  };

  for (const ce of nodes.filter((n) => n.op === 'softmax_ce')) {
    const [x, labels] = ce.inputs as [ValueId, ValueId];
    // Weighted rows (sample or class weights): ce · w, the weights w computed outside the head.
    const weighting = only(ce.output!, 'mul');
    const weight = weighting && weighting.inputs.find((v) => v !== ce.output);
    if (weighting && (weight === undefined || g.value(weight).shape.join() !== g.value(ce.output!).shape.join())) continue;
    const sum = only((weighting ?? ce).output!, 'sum_to');
    if (!sum || (sum.attrs.shape as number[]).length !== 0) continue;
    const mean = only(sum.output!, 'scale');
    if (!mean) continue;
    const members: Node[] = [ce, ...(weighting ? [weighting] : []), sum, mean];
    // The loss is the mean, or the mean plus a penalty.
    let extra: ValueId | undefined;
    const loss = lossOutput.value;
    if (loss !== mean.output) {
      const add = producer(loss);
      if (!add || add.op !== 'add' || add.inputs[0] !== mean.output || readers(mean.output!).length !== 1) continue;
      extra = add.inputs[1]!;
      members.push(add);
    }
    // The loss is read only by the loss-sum accumulator (through a reshape to [1]).
    const view = only(loss, 'reshape');
    const accLoss = view && only(view.output!, 'accumulate');
    if (!view || !accLoss || accLoss.inputs[0] !== slots.lossSum) continue;
    members.push(view, accLoss);
    // The gradient: softmax_ce_bwd of the same logits and labels with a constant row gradient
    // (times the weights when the rows are weighted).
    const bwd = nodes.find((n) => n.op === 'softmax_ce_bwd' && n.inputs[0] === x && n.inputs[1] === labels);
    let rowGrad = bwd && producer(bwd.inputs[2]!);
    if (weight !== undefined && rowGrad) {
      const weighted = rowGrad.op === 'mul' && rowGrad.inputs.includes(weight) && readers(rowGrad.output!).length === 1 ? rowGrad : undefined;
      if (!weighted) continue;
      members.push(weighted);
      rowGrad = producer(weighted.inputs.find((v) => v !== weight) ?? weight);
    }
    const seed = rowGrad;
    if (!bwd || !seed || seed.op !== 'fill' || readers(seed.output!).length !== 1) continue;
    members.push(seed);
    // Accuracy: correct(logits, labels) summed straight into its accumulator.
    const correct = nodes.find((n) => n.op === 'correct' && n.inputs[0] === x && n.inputs[1] === labels);
    const accCorrect = correct && only(correct.output!, 'accumulate');
    const withCorrect = !!(correct && accCorrect && slots.correctSum !== undefined && accCorrect.inputs[0] === slots.correctSum);
    if (withCorrect) members.push(correct!, accCorrect!);

    const lossSlot = g.addState('metric.loss', [1], { kind: 'zeros' }, 'metric');
    const inputs = [x, labels, lossSlot, slots.lossSum, ...(withCorrect ? [slots.correctSum!] : []), ...(extra !== undefined ? [extra] : []), ...(weight !== undefined ? [weight] : [])];
    g.replaceNodes([...members.map((n) => n.id), bwd.id], 'softmax_ce_head', inputs, {
      lossScale: mean.attrs.factor as number, gradScale: seed.attrs.value as number, correct: withCorrect, extra: extra !== undefined,
      ...(weight !== undefined ? { weighted: true } : {}),
    });
    lossOutput.value = lossSlot;
    pruneDeadNodes(g);
    return true;
  }
  return false;
}
