// ONNX export tests: weights that exercise every tensor, dlc's float64 forward pass, the same
// inputs through onnxruntime-node, and the error between them.
import * as ort from 'onnxruntime-node';
import { compile, type CompileResult } from '../../compiler/compile.ts';
import { exportOnnx } from '../../compiler/onnx/export.ts';
import { tensor } from '../../compiler/ir/tensor.ts';
import { runProgram, type Env } from '../../compiler/reference/interp.ts';
import { initialTensors } from '../../runtime/init.ts';
import { Rng } from '../../runtime/random.ts';

/**
 * Every parameter and layer-state tensor of `r`: kernels drawn by their initialisers, and biases,
 * scales, shifts and moving statistics drawn away from their 0 / 1 starts, so that a mapping that
 * dropped or swapped one of them would show.
 */
export function testWeights(r: CompileResult, seed = 11): Map<string, Float32Array> {
  const m = r.artifact!.manifest;
  const out = initialTensors(m.params, seed);
  const rng = new Rng(seed + 1);
  const layerState = m.state.filter((s) => s.owner === 'layer');
  for (const s of layerState) out.set(s.name, new Float32Array(s.shape.reduce((a, b) => a * b, 1)));
  for (const [name, w] of out) {
    const leaf = name.slice(name.lastIndexOf('.') + 1);
    if (leaf === 'bias' || leaf === 'beta' || leaf === 'moving_mean') w.forEach((_, i) => { w[i] = 0.2 * rng.normal(); });
    if (leaf === 'gamma') w.forEach((_, i) => { w[i] = 1 + 0.3 * rng.normal(); });
    if (leaf === 'moving_variance') w.forEach((_, i) => { w[i] = 0.5 + rng.next(); });
  }
  return out;
}

/** Feature inputs of the forward program, `count` samples each, drawn from a normal (token inputs: ids below their vocabulary). */
export function testInputs(r: CompileResult, count: number, seed = 5): Record<string, { shape: number[]; data: Float32Array | Int32Array }> {
  const g = r.graph!;
  const rng = new Rng(seed);
  const read = new Set(g.programs.forward.nodes.flatMap((id) => g.nodes[id]!.inputs));
  const out: Record<string, { shape: number[]; data: Float32Array | Int32Array }> = {};
  for (const i of g.inputs) {
    if (!read.has(i.value)) continue;
    const shape = [count, ...g.value(i.value).shape.slice(1)];
    const n = shape.reduce((a, b) => a * b, 1);
    const vocab = i.vocab;
    out[i.name] = { shape, data: vocab !== undefined ? Int32Array.from({ length: n }, () => rng.int(vocab)) : Float32Array.from({ length: n }, () => rng.normal()) };
  }
  return out;
}

/** dlc's forward outputs in float64, `r` compiled with the inputs' batch size (the fused graph). */
export function dlcForward(r: CompileResult, weights: ReadonlyMap<string, Float32Array>, inputs: Record<string, { data: Float32Array | Int32Array }>): Record<string, Float64Array> {
  const g = r.graph!;
  const env: Env = new Map();
  for (const slot of [...g.params, ...g.state]) {
    const v = g.value(slot.value);
    const w = weights.get(v.name);
    if (w) env.set(slot.value, tensor(v.shape, w));
  }
  for (const i of g.inputs) {
    const given = inputs[i.name];
    if (given) env.set(i.value, tensor(g.value(i.value).shape, given.data));
  }
  runProgram(g, 'forward', env, { lr: 0, step: 0, seed: 0 });
  return Object.fromEntries(g.programs.forward.outputs.map((o) => [o.name, env.get(o.value)!.data]));
}

/** The ONNX model's outputs on `inputs`, run by onnxruntime-node (CPU). */
export async function onnxForward(bytes: Uint8Array, inputs: Record<string, { shape: number[]; data: Float32Array | Int32Array }>): Promise<Record<string, { dims: readonly number[]; data: Float32Array }>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const feeds = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.data instanceof Int32Array ? new ort.Tensor('int32', v.data, v.shape) : new ort.Tensor('float32', v.data, v.shape)]));
    const res = await session.run(feeds);
    return Object.fromEntries(Object.entries(res).map(([k, t]) => [k, { dims: t.dims, data: t.data as Float32Array }]));
  } finally {
    await session.release();
  }
}

/** max |a − b| / max |b|: the error relative to the size of the reference's values. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} and ${b.length}`);
  let diff = 0;
  let size = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    size = Math.max(size, Math.abs(b[i]!));
  }
  return diff / Math.max(size, Number.MIN_VALUE);
}

export interface RoundTrip {
  /** The ONNX operators of the exported model, in node order. */
  ops: string[];
  /** relativeError of each output, by name. */
  errors: Record<string, number>;
  /** Each output's dimensions as onnxruntime returned them. */
  dims: Record<string, readonly number[]>;
}

/**
 * Exports `src` compiled at batch 3 and runs the file on `count` samples (another batch size: the
 * batch is symbolic) against dlc's float64 forward pass compiled at batch `count`.
 */
export async function roundTrip(src: string, count = 7): Promise<RoundTrip> {
  const exported = compile(src, { file: 'net.dl', batch: 3 });
  const reference = compile(src, { file: 'net.dl', batch: count });
  if (!exported.ok || !reference.ok) throw new Error(`does not compile: ${exported.diagnostics.map((d) => d.message).join('; ')}`);
  const weights = testWeights(exported);
  const onnx = exportOnnx({ graph: exported.snapshots!.programs!, weights, name: 'm', fallbackSpan: exported.lowered!.model.nameSpan });
  if (!onnx.ok) throw new Error(`does not export: ${onnx.diagnostics.map((d) => d.message).join('; ')}`);
  const inputs = testInputs(reference, count);
  const want = dlcForward(reference, weights, inputs);
  const got = await onnxForward(onnx.bytes, inputs);
  return {
    ops: onnx.model.nodes.map((n) => n.opType),
    errors: Object.fromEntries(Object.keys(want).map((k) => [k, relativeError(got[k]!.data, want[k]!)])),
    dims: Object.fromEntries(Object.entries(got).map(([k, t]) => [k, t.dims])),
  };
}
