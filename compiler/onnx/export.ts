// The forward program as an ONNX model: the graph before fusion (the layers as written, in eval
// mode: dropout is gone and batch norm reads its moving statistics) walked node by node. A layer
// with a one-operator ONNX form is written as that operator (layers.ts); nodes that read only
// weights are folded into constants (a bias reshaped to [C, 1, 1]); every other node is written by
// its op's rule (rules.ts). Model inputs, and what depends on them, take a symbolic "batch" first
// dimension, so one file runs any batch size.
import type { Diagnostic, Span } from '../../dsl/diagnostics.ts';
import type { Graph } from '../ir/graph.ts';
import { numel, tensor, type Tensor } from '../ir/tensor.ts';
import type { Node, ValueId } from '../ir/types.ts';
import { evalOp } from '../reference/interp.ts';
import { layerForm, type LayerWrite } from './layers.ts';
import { encodeModel, ONNX_FLOAT, ONNX_INT32, ONNX_INT64, type OnnxAttr, type OnnxGraph, type OnnxValueInfo } from './model.ts';
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

/**
 * Writes the forward program of `opts.graph` with `opts.weights` as an ONNX model; a node with no
 * ONNX form comes back as a diagnostic at its layer. Throws when a weight the program reads is
 * missing or of another size (a caller's mistake: the CLI checks the weights file first).
 */
export function exportOnnx(opts: OnnxExportOptions): OnnxExportResult {
  const w = new OnnxWriter(opts);
  w.writeNodes();
  if (w.diagnostics.length) return { ok: false, diagnostics: w.diagnostics };
  w.writeOutputs();
  return { ok: true, bytes: encodeModel(w.model, opts.producerVersion ?? ''), model: w.model };
}

/** The state of one export: ONNX names given so far, constants, which values carry the batch. */
class OnnxWriter {
  readonly model: OnnxGraph;
  readonly diagnostics: Diagnostic[] = [];
  private readonly g: Graph;
  private readonly program: Graph['programs']['forward'];
  private readonly used = new Set<string>();
  private readonly names = new Map<ValueId, string>();
  /** Weights, and values folded from weights only. */
  private readonly constants = new Map<ValueId, Tensor>();
  /** The name a constant's initializer takes: a weight's own, or a folded reshape of one. */
  private readonly constantName = new Map<ValueId, string>();
  /** Values that depend on a model input: axis 0 is the batch. */
  private readonly batched = new Set<ValueId>();
  /** The ONNX name of each program output that a node computes (the first output of a value). */
  private readonly outputNames: (string | undefined)[];
  private counter = 0;

  constructor(private readonly opts: OnnxExportOptions) {
    const g = (this.g = opts.graph);
    this.program = g.programs.forward;
    this.model = { name: opts.name, nodes: [], initializers: [], inputs: [], outputs: [] };
    const read = new Set<ValueId>(this.program.outputs.map((o) => o.value));
    for (const id of this.program.nodes) for (const i of g.nodes[id]!.inputs) read.add(i);
    for (const slot of [...g.params, ...g.state]) {
      if (!read.has(slot.value)) continue;
      const v = g.value(slot.value);
      const w = opts.weights.get(v.name);
      if (!w || w.length !== numel(v.shape)) throw new Error(`exportOnnx: weight '${v.name}' of shape [${v.shape.join(', ')}] is ${w ? `${w.length} values` : 'missing'}`);
      this.constants.set(slot.value, tensor(v.shape, w));
      this.constantName.set(slot.value, v.name);
    }
    // Model inputs the program reads, named as in the model; outputs next, so they keep their names.
    for (const input of g.inputs) {
      if (!read.has(input.value)) continue;
      this.batched.add(input.value);
      const name = this.claim(input.name);
      this.names.set(input.value, name);
      this.model.inputs.push(this.valueInfo(input.value, name));
    }
    this.outputNames = this.program.outputs.map((o) => {
      if (this.names.has(o.value) || !g.producer.has(o.value)) return undefined;
      const name = this.claim(o.name);
      this.names.set(o.value, name);
      return name;
    });
  }

  /** Every node of the program: a layer's first nodes as its one-operator form where it has one. */
  writeNodes(): void {
    const g = this.g;
    const nodes = this.program.nodes.map((id) => g.nodes[id]!);
    // Which nodes read each value, so a layer's inner values can be seen to stay inside it.
    const readers = new Map<ValueId, number[]>();
    for (const n of nodes) {
      for (const i of n.inputs) {
        const list = readers.get(i);
        if (list) list.push(n.id);
        else readers.set(i, [n.id]);
      }
    }
    const outputs = new Set(this.program.outputs.map((o) => o.value));
    for (let k = 0; k < nodes.length; k++) {
      // After a refusal nothing is exported, and the nodes after it may read the value it left undefined.
      if (this.diagnostics.length > 0) break;
      const n = nodes[k]!;
      if (n.layer !== undefined && nodes[k - 1]?.layer !== n.layer) {
        let end = k;
        while (nodes[end + 1]?.layer === n.layer) end++;
        const group = nodes.slice(k, end + 1);
        const readOutside = (v: ValueId, count: number): boolean => {
          const covered = new Set(group.slice(0, count).map((m) => m.id));
          return outputs.has(v) || (readers.get(v) ?? []).some((r) => !covered.has(r));
        };
        const found = layerForm(group, g, (v) => this.constants.has(v), readOutside);
        if (found) {
          this.writeLayer(group[found.count - 1]!, found.write);
          k += found.count - 1;
          continue;
        }
      }
      this.writeNode(n);
    }
  }

  /** The graph's outputs, under the model's output names. */
  writeOutputs(): void {
    this.program.outputs.forEach((o, k) => {
      let name = this.outputNames[k];
      // A model input output as itself is listed under its own name; a constant, or a value output
      // under a second name, gets an Identity node.
      if (name === undefined && this.names.get(o.value) === o.name && this.g.inputs.some((i) => i.value === o.value)) name = o.name;
      if (name === undefined) {
        name = this.claim(o.name);
        this.model.nodes.push({ opType: 'Identity', inputs: [this.nameOf(o.value)], outputs: [name], name: `output/${name}`, attrs: {} });
      }
      this.model.outputs.push(this.valueInfo(o.value, name));
    });
  }

  /** A layer's form (layers.ts), defining the value of `last`, the last node it stands for. */
  private writeLayer(last: Node, write: LayerWrite): void {
    const output = this.define(last.output!, write.inputs);
    const inputs = write.inputs.map((v) => this.nameOf(v));
    if (!write.flatten) {
      this.emit(last, write.opType, inputs, write.attrs, output);
      return;
    }
    const pooled = this.emit(last, write.opType, inputs, write.attrs, this.claim(`${output}/${write.opType}`));
    this.emit(last, 'Flatten', [pooled], { axis: { kind: 'int', value: 1 } }, output);
  }

  /** One node: folded when it reads only constants, else written by its op's rule. */
  private writeNode(n: Node): void {
    const g = this.g;
    const out = n.output;
    if (out === null) throw new Error(`internal error: the forward program holds update node ${n.op}`);
    if (n.inputs.every((i) => this.constants.has(i))) {
      // A weight broadcast to new leading axes (positional_embedding over the batch) would fold to a
      // constant of the compiled batch size, wrong at any other.
      if (n.op === 'broadcast_to' && g.value(out).shape.length > g.value(n.inputs[0]!).shape.length) {
        this.refuse(n, 'has no ONNX form yet: it broadcasts a weight over the batch');
        return;
      }
      // Data-independent: folded once here, in float64, and stored as f32.
      const [value] = evalOp(n.op, n.inputs.map((i) => this.constants.get(i)!), n.attrs, g.value(out).shape, { lr: 0, step: 0, seed: 0 });
      this.constants.set(out, value!);
      const source = n.inputs[0];
      if (n.op === 'reshape' && source !== undefined && this.constantName.has(source)) this.constantName.set(out, this.constantName.get(source)!);
      return;
    }
    const rule = (ONNX_RULES as Record<string, OnnxRule | null>)[n.op];
    if (!rule) {
      this.refuse(n, 'has no ONNX form');
      return;
    }
    const output = this.define(out, n.inputs);
    let wrote = false;
    const cx: RuleContext = {
      attrs: n.attrs,
      arity: n.inputs.length,
      input: (k) => this.nameOf(n.inputs[k]!),
      constant: (k) => this.constants.get(n.inputs[k]!),
      shape: (k) => g.value(n.inputs[k]!).shape,
      batched: (k) => this.batched.has(n.inputs[k]!),
      outShape: g.value(out).shape,
      output,
      emit: (opType, inputs, attrs = {}, to) => {
        if (to === output) wrote = true;
        return this.emit(n, opType, inputs, attrs, to ?? this.claim(`${output}/${opType}`));
      },
      ints: (values) => this.initializer(`${output}/ints`, [values.length], BigInt64Array.from(values, (x) => BigInt(x))),
      floats: (values, dims = []) => this.initializer(`${output}/const`, dims, Float32Array.from(values)),
    };
    try {
      rule(cx);
    } catch (err) {
      if (!(err instanceof OnnxRuleError)) throw err;
      this.refuse(n, `has no ONNX form here: ${err.message}`);
      return;
    }
    if (!wrote) throw new Error(`internal error: the ONNX rule of ${n.op} did not write its value`);
  }

  /** A fresh ONNX value name: `wanted`, or `wanted_2`, `wanted_3`… when taken. */
  private claim(wanted: string): string {
    let name = wanted;
    for (let k = 2; this.used.has(name); k++) name = `${wanted}_${k}`;
    this.used.add(name);
    return name;
  }

  /** The ONNX name of a value written so far; a constant becomes an initializer at its first use. */
  private nameOf(v: ValueId): string {
    const known = this.names.get(v);
    if (known !== undefined) return known;
    const c = this.constants.get(v);
    if (!c) throw new Error(`internal error: %${v} (${this.g.value(v).name}) is read before it is written`);
    const name = this.initializer(this.constantName.get(v) ?? this.g.value(v).name, c.shape, Float32Array.from(c.data));
    this.names.set(v, name);
    return name;
  }

  private initializer(wanted: string, dims: number[], data: Float32Array | BigInt64Array): string {
    const name = this.claim(wanted);
    this.model.initializers.push({ name, dims: [...dims], type: data instanceof Float32Array ? ONNX_FLOAT : ONNX_INT64, data });
    return name;
  }

  /** The ONNX name of IR value `out`, computed from `inputs` (it is batched when one of them is). */
  private define(out: ValueId, inputs: ValueId[]): string {
    if (inputs.some((i) => this.batched.has(i))) this.batched.add(out);
    const output = this.names.get(out) ?? this.claim(this.g.value(out).name);
    this.names.set(out, output);
    return output;
  }

  /** Appends one ONNX node written for IR node `from` (its doc string names the layer and line). */
  private emit(from: Node, opType: string, inputs: string[], attrs: Record<string, OnnxAttr>, output: string): string {
    const origin = from.layer ?? from.op;
    this.model.nodes.push({
      opType, inputs, outputs: [output], name: `${origin}/${opType}_${++this.counter}`, attrs,
      ...(from.span ? { doc: `${origin} (${from.span.file}:${from.span.line})` } : {}),
    });
    return output;
  }

  private refuse(n: Node, why: string): void {
    const what = n.layer ? `layer '${n.layer}' (op ${n.op})` : `'${n.op}'`;
    this.diagnostics.push({ code: 'E-ONNX', message: `${what} ${why}; nothing was exported`, span: n.span ?? this.opts.fallbackSpan });
  }

  private valueInfo(v: ValueId, name: string): OnnxValueInfo {
    const { shape, dtype } = this.g.value(v);
    return { name, type: dtype === 'i32' ? ONNX_INT32 : ONNX_FLOAT, dims: this.batched.has(v) ? [BATCH_DIM, ...shape.slice(1)] : [...shape] };
  }
}
