// The forward program as an ONNX model: the graph before fusion (the layers as written, in eval
// mode: dropout is gone and batch norm reads its moving statistics) walked node by node. Nodes that
// read only weights are folded into constants (a bias reshaped to [C, 1, 1], 1/√(var + ε)); every
// other node is written by its op's rule (rules.ts). Model inputs, and what depends on them, take a
// symbolic "batch" first dimension, so one file runs any batch size.
import type { Diagnostic, Span } from '../../dsl/diagnostics.ts';
import type { Graph } from '../ir/graph.ts';
import { tensor, type Tensor } from '../ir/tensor.ts';
import type { Node, ValueId } from '../ir/types.ts';
import { evalOp } from '../reference/interp.ts';
import { encodeModel, ONNX_FLOAT, ONNX_INT32, ONNX_INT64, type OnnxAttr, type OnnxGraph, type OnnxValueInfo } from './model.ts';
import { layerForm } from './layers.ts';
import { ONNX_RULES, OnnxRuleError, type OnnxRule, type RuleContext } from './rules.ts';

/** The symbolic name of the batch dimension in the model's inputs and outputs. */
export const BATCH_DIM = 'batch';

export interface OnnxExportOptions {
  /** The graph before fusion, its programs assembled (CompileResult.snapshots.programs). */
  graph: Graph;
  /** Every parameter and layer-state tensor by name, as a weights file holds them. */
  weights: ReadonlyMap<string, Float32Array>;
  /** The ONNX graph's name (the model's). */
  name: string;
  /** Where to point a diagnostic about a node without a span (the model's name). */
  fallbackSpan: Span;
  producerVersion?: string;
}

export type OnnxExportResult =
  | { ok: true; bytes: Uint8Array; model: OnnxGraph }
  | { ok: false; diagnostics: Diagnostic[] };

/** Writes the forward program of `opts.graph` with `opts.weights` as an ONNX model. */
export function exportOnnx(opts: OnnxExportOptions): OnnxExportResult {
  const g = opts.graph;
  const program = g.programs.forward;
  const model: OnnxGraph = { name: opts.name, nodes: [], initializers: [], inputs: [], outputs: [] };
  const used = new Set<string>();
  /** A fresh ONNX value name: `wanted`, or `wanted_2`, `wanted_3`… when taken. */
  const claim = (wanted: string): string => {
    let name = wanted;
    for (let k = 2; used.has(name); k++) name = `${wanted}_${k}`;
    used.add(name);
    return name;
  };
  const names = new Map<ValueId, string>();
  const constants = new Map<ValueId, Tensor>();
  /** The name a constant's initializer takes: a weight's own, or a folded reshape of one. */
  const constantName = new Map<ValueId, string>();
  const batched = new Set<ValueId>();

  for (const slot of [...g.params, ...g.state]) {
    const v = g.value(slot.value);
    const w = opts.weights.get(v.name);
    if (!w) continue;
    if (w.length !== tensor(v.shape).data.length) throw new Error(`internal error: weight '${v.name}' has ${w.length} values, the model expects shape [${v.shape.join(', ')}]`);
    constants.set(slot.value, tensor(v.shape, w));
    constantName.set(slot.value, v.name);
  }

  // Model inputs the forward program reads, named as in the model, with a symbolic batch.
  const read = new Set<ValueId>(program.outputs.map((o) => o.value));
  for (const id of program.nodes) for (const i of g.nodes[id]!.inputs) read.add(i);
  for (const input of g.inputs) {
    if (!read.has(input.value)) continue;
    batched.add(input.value);
    names.set(input.value, claim(input.name));
    model.inputs.push(valueInfo(g, input.value, input.name, true));
  }
  // An output computed by a node is written under the output's name (the first output of a value).
  const outputNames = program.outputs.map((o) => {
    if (names.has(o.value) || !g.producer.has(o.value)) return undefined;
    const name = claim(o.name);
    names.set(o.value, name);
    return name;
  });

  let counter = 0;
  const nameOf = (v: ValueId): string => {
    const known = names.get(v);
    if (known !== undefined) return known;
    const c = constants.get(v);
    if (!c) throw new Error(`internal error: %${v} (${g.value(v).name}) is read before it is written`);
    const name = claim(constantName.get(v) ?? g.value(v).name);
    model.initializers.push({ name, dims: [...c.shape], type: ONNX_FLOAT, data: Float32Array.from(c.data) });
    names.set(v, name);
    return name;
  };
  const diagnostics: Diagnostic[] = [];
  const refuse = (n: Node, why: string): void => {
    const what = n.layer ? `layer '${n.layer}' (op ${n.op})` : `'${n.op}'`;
    diagnostics.push({ code: 'E-ONNX', message: `${what} ${why}; nothing was exported`, span: n.span ?? opts.fallbackSpan });
  };

  /** Appends one ONNX node made for IR node `from`; returns its output. */
  const emitFor = (from: Node, opType: string, inputs: string[], attrs: Record<string, OnnxAttr>, output: string): string => {
    model.nodes.push({
      opType, inputs, outputs: [output], name: `${from.layer ?? from.op}/${opType}_${++counter}`, attrs,
      ...(from.span ? { doc: `${from.layer ?? from.op} (${from.span.file}:${from.span.line})` } : {}),
    });
    return output;
  };
  /** The ONNX name of IR value `out`, which `from` defines and which depends on `inputs`. */
  const defineValue = (out: ValueId, inputs: ValueId[]): string => {
    if (inputs.some((i) => batched.has(i))) batched.add(out);
    const output = names.get(out) ?? claim(g.value(out).name);
    names.set(out, output);
    return output;
  };

  const writeNode = (n: Node, out: ValueId): void => {
    if (n.inputs.every((i) => constants.has(i))) {
      // Data-independent: folded once here, in float64, and stored as f32.
      const [value] = evalOp(n.op, n.inputs.map((i) => constants.get(i)!), n.attrs, g.value(out).shape, { lr: 0, step: 0, seed: 0 });
      constants.set(out, value!);
      const source = n.inputs[0];
      if (n.op === 'reshape' && source !== undefined && constantName.has(source)) constantName.set(out, constantName.get(source)!);
      return;
    }
    const rule = (ONNX_RULES as Record<string, OnnxRule | null>)[n.op];
    if (!rule) {
      refuse(n, 'has no ONNX form');
      return;
    }
    const output = defineValue(out, n.inputs);
    let wrote = false;
    const cx: RuleContext = {
      attrs: n.attrs,
      arity: n.inputs.length,
      input: (k) => nameOf(n.inputs[k]!),
      constant: (k) => constants.get(n.inputs[k]!),
      shape: (k) => g.value(n.inputs[k]!).shape,
      batched: (k) => batched.has(n.inputs[k]!),
      outShape: g.value(out).shape,
      output,
      emit: (opType, inputs, attrs = {}, to) => {
        if (to === output) wrote = true;
        return emitFor(n, opType, inputs, attrs, to ?? claim(`${output}/${opType}`));
      },
      ints: (values) => {
        const name = claim(`${output}/ints`);
        model.initializers.push({ name, dims: [values.length], type: ONNX_INT64, data: BigInt64Array.from(values, (x) => BigInt(x)) });
        return name;
      },
      floats: (values, dims = []) => {
        const name = claim(`${output}/const`);
        model.initializers.push({ name, dims, type: ONNX_FLOAT, data: Float32Array.from(values) });
        return name;
      },
    };
    try {
      rule(cx);
    } catch (err) {
      if (!(err instanceof OnnxRuleError)) throw err;
      refuse(n, `has no ONNX form here: ${err.message}`);
      return;
    }
    if (!wrote) throw new Error(`internal error: the ONNX rule of ${n.op} did not write its value`);
  };

  // Which nodes read each value, so a layer's inner values can be seen to stay inside it.
  const readers = new Map<ValueId, number[]>();
  for (const id of program.nodes) for (const i of g.nodes[id]!.inputs) readers.set(i, [...(readers.get(i) ?? []), id]);
  const outputs = new Set(program.outputs.map((o) => o.value));

  const nodes = program.nodes.map((id) => g.nodes[id]!);
  for (let k = 0; k < nodes.length; k++) {
    const n = nodes[k]!;
    if (n.output === null) throw new Error(`internal error: the forward program holds update node ${n.op}`);
    // A layer that has a one-operator form (layers.ts) is written as that operator.
    if (n.layer !== undefined && nodes[k - 1]?.layer !== n.layer) {
      let end = k;
      while (nodes[end + 1]?.layer === n.layer) end++;
      const group = nodes.slice(k, end + 1);
      const readOutside = (v: ValueId, count: number): boolean => {
        const covered = new Set(group.slice(0, count).map((m) => m.id));
        return outputs.has(v) || (readers.get(v) ?? []).some((r) => !covered.has(r));
      };
      const found = layerForm(group, g, (v) => constants.has(v), readOutside);
      const last = found && group[found.count - 1]!;
      if (found && last && last.output !== null) {
        const { write } = found;
        const output = defineValue(last.output, write.inputs);
        const inputs = write.inputs.map(nameOf);
        if (write.flatten) emitFor(last, 'Flatten', [emitFor(last, write.opType, inputs, write.attrs, claim(`${output}/${write.opType}`))], { axis: { kind: 'int', value: 1 } }, output);
        else emitFor(last, write.opType, inputs, write.attrs, output);
        k += found.count - 1;
        continue;
      }
    }
    writeNode(n, n.output);
  }
  if (diagnostics.length) return { ok: false, diagnostics };

  program.outputs.forEach((o, k) => {
    let name = outputNames[k];
    // A model input output as itself is listed under its own name; a constant, or a value output
    // under a second name, gets an Identity node.
    if (name === undefined && names.get(o.value) === o.name && g.inputs.some((i) => i.value === o.value)) name = o.name;
    if (name === undefined) {
      name = claim(o.name);
      model.nodes.push({ opType: 'Identity', inputs: [nameOf(o.value)], outputs: [name], name: `output/${name}`, attrs: {} });
    }
    model.outputs.push(valueInfo(g, o.value, name, batched.has(o.value)));
  });
  return { ok: true, bytes: encodeModel(model, opts.producerVersion ?? ''), model };
}

function valueInfo(g: Graph, v: ValueId, name: string, isBatched: boolean): OnnxValueInfo {
  const { shape, dtype } = g.value(v);
  return { name, type: dtype === 'i32' ? ONNX_INT32 : ONNX_FLOAT, dims: isBatched ? [BATCH_DIM, ...shape.slice(1)] : [...shape] };
}
