// Layers written as one ONNX operator rather than as the IR primitives they lower to: dense as
// Gemm (x·W + b), conv2d as Conv and conv2d_transpose as ConvTranspose with their biases, batch norm (eval mode, moving statistics) as
// BatchNormalization, layer norm as LayerNormalization, the global poolings as GlobalAveragePool /
// GlobalMaxPool. Each form states the IR ops its layer lowers to (the first of the layer's nodes:
// an activation argument's nodes follow, written op by op) and checks their wiring; a layer that
// does not match is written op by op instead (the same numbers, only less readable to the tools
// that read ONNX back into layers).
import type { Graph } from '../ir/graph.ts';
import type { Node, ValueId } from '../ir/types.ts';
import type { OnnxAttr } from './model.ts';
import { convAttrs, convTransposeAttrs } from './rules.ts';

/** One ONNX node in place of a layer's nodes; `flatten` adds Flatten(axis 1) after it. */
export interface LayerWrite {
  opType: string;
  inputs: ValueId[];
  attrs: Record<string, OnnxAttr>;
  flatten?: boolean;
}

interface LayerForm {
  /** The IR ops of the layer's nodes in program order, as lowering emits them in eval mode. */
  ops: readonly string[];
  /** What to write when the nodes are wired as the layer wires them; undefined otherwise. */
  match(nodes: Node[], g: Graph, isWeight: (v: ValueId) => boolean): LayerWrite | undefined;
}

/** Whether `n` reads exactly `inputs` (values, or the nodes that define them). */
const reads = (n: Node, ...inputs: (Node | ValueId)[]): boolean =>
  n.inputs.length === inputs.length && inputs.every((x, k) => n.inputs[k] === (typeof x === 'number' ? x : x.output));

/** A per-channel or per-feature weight: a weight of shape [size]. */
const vectorOf = (g: Graph, isWeight: (v: ValueId) => boolean, v: ValueId | undefined, size: number): v is ValueId =>
  v !== undefined && isWeight(v) && g.value(v).shape.length === 1 && g.value(v).shape[0] === size;

/** A convolution, then its bias reshaped to [C, 1, 1] and added: the operator with bias input B. */
function convWithBias(op: 'conv2d' | 'conv2d_bwd_input', opType: 'Conv' | 'ConvTranspose'): LayerForm {
  return {
    ops: [op, 'reshape', 'add'],
    match([conv, bias, add], g, isWeight) {
      const [x, w] = conv!.inputs as [ValueId, ValueId];
      const b = bias!.inputs[0];
      const channels = g.value(conv!.output!).shape[1]!;
      if (!isWeight(w) || !vectorOf(g, isWeight, b, channels) || !reads(add!, conv!, bias!)) return undefined;
      const attrs = op === 'conv2d' ? convAttrs(conv!.attrs, g.value(w).shape) : convTransposeAttrs(conv!.attrs, g.value(x).shape, g.value(w).shape);
      return { opType, inputs: [x, w, b], attrs };
    },
  };
}

const LAYER_FORMS: Record<string, LayerForm> = {
  dense: {
    ops: ['matmul', 'add'],
    match([matmul, bias], g, isWeight) {
      const [x, w] = matmul!.inputs as [ValueId, ValueId];
      const b = bias!.inputs[1];
      const units = g.value(w).shape[1]!;
      const plain = g.value(x).shape.length === 2 && isWeight(w) && matmul!.attrs.transA !== true && matmul!.attrs.transB !== true;
      if (!plain || !reads(bias!, matmul!, b!) || !vectorOf(g, isWeight, b, units)) return undefined;
      return { opType: 'Gemm', inputs: [x, w, b], attrs: {} };
    },
  },
  conv2d: convWithBias('conv2d', 'Conv'),
  conv2d_transpose: convWithBias('conv2d_bwd_input', 'ConvTranspose'),
  batchnorm: {
    ops: ['reshape', 'reshape', 'reshape', 'sub', 'reshape', 'shift', 'rsqrt', 'mul', 'mul', 'add'],
    match([gamma, beta, mean, centred, variance, shifted, inv, normed, scaled, out], g, isWeight) {
      const x = centred!.inputs[0]!;
      const shape = g.value(x).shape;
      if (shape.length < 2) return undefined;
      const C = shape[1]!;
      const weights = [gamma!, beta!, mean!, variance!].map((n) => n.inputs[0]);
      if (!weights.every((w) => vectorOf(g, isWeight, w, C))) return undefined;
      const wired = reads(centred!, x, mean!) && reads(shifted!, variance!) && reads(inv!, shifted!) &&
        reads(normed!, centred!, inv!) && reads(scaled!, normed!, gamma!) && reads(out!, scaled!, beta!);
      if (!wired) return undefined;
      return { opType: 'BatchNormalization', inputs: [x, ...(weights as ValueId[])], attrs: { epsilon: { kind: 'float', value: shifted!.attrs.offset as number } } };
    },
  },
  layernorm: {
    ops: ['sum_to', 'scale', 'sub', 'square', 'sum_to', 'scale', 'shift', 'rsqrt', 'mul', 'mul', 'add'],
    match([sum, mean, centred, square, sumSq, variance, shifted, inv, normed, scaled, out], g, isWeight) {
      const x = sum!.inputs[0]!;
      const F = g.value(x).shape.at(-1)!;
      const [gamma, beta] = [scaled!.inputs[1], out!.inputs[1]];
      if (!vectorOf(g, isWeight, gamma, F) || !vectorOf(g, isWeight, beta, F)) return undefined;
      const wired = reads(mean!, sum!) && reads(centred!, x, mean!) && reads(square!, centred!) && reads(sumSq!, square!) &&
        reads(variance!, sumSq!) && reads(shifted!, variance!) && reads(inv!, shifted!) && reads(normed!, centred!, inv!) &&
        reads(scaled!, normed!, gamma) && reads(out!, scaled!, beta);
      if (!wired) return undefined;
      return { opType: 'LayerNormalization', inputs: [x, gamma, beta], attrs: { axis: { kind: 'int', value: -1 }, epsilon: { kind: 'float', value: shifted!.attrs.offset as number } } };
    },
  },
  global_avgpool: {
    ops: ['sum_to', 'reshape', 'scale'],
    match([sum, flat, mean], g) {
      const [N, C, H, W] = g.value(sum!.inputs[0]!).shape as [number, number, number, number];
      const whole = (sum!.attrs.shape as number[]).join() === [N, C, 1, 1].join() && mean!.attrs.factor === 1 / (H * W);
      if (!whole || !reads(flat!, sum!) || !reads(mean!, flat!)) return undefined;
      return { opType: 'GlobalAveragePool', inputs: [sum!.inputs[0]!], attrs: {}, flatten: true };
    },
  },
  global_maxpool: {
    ops: ['maxpool2d', 'reshape'],
    match([pool, flat], g) {
      const [, , H, W] = g.value(pool!.inputs[0]!).shape;
      const whole = (pool!.attrs.kernel as number[]).join() === [H, W].join() && (pool!.attrs.padding as number[]).every((p) => p === 0);
      if (!whole || !reads(flat!, pool!)) return undefined;
      return { opType: 'GlobalMaxPool', inputs: [pool!.inputs[0]!], attrs: {}, flatten: true };
    },
  },
};

/**
 * The one-node form of the first nodes of a layer (`nodes`: consecutive in the program, all tagged
 * with the layer's name, e.g. "batchnorm_2"), and how many nodes it stands for; or undefined.
 * `readOutside(v, count)` says whether value v is read by a node other than the first `count` or is
 * a program output: only the last of those nodes' values may be.
 */
export function layerForm(nodes: Node[], g: Graph, isWeight: (v: ValueId) => boolean, readOutside: (v: ValueId, count: number) => boolean): { write: LayerWrite; count: number } | undefined {
  const layer = nodes[0]?.layer;
  if (layer === undefined) return undefined;
  const form = LAYER_FORMS[layer.replace(/_\d+$/, '')];
  const count = form?.ops.length ?? 0;
  if (!form || nodes.length < count || form.ops.some((op, k) => nodes[k]!.op !== op)) return undefined;
  const covered = nodes.slice(0, count);
  if (covered.slice(0, -1).some((n) => n.output === null || readOutside(n.output, count))) return undefined;
  const write = form.match(covered, g, isWeight);
  return write ? { write, count } : undefined;
}
