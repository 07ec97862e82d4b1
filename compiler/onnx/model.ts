// An ONNX model as plain data, and its encoding as a ModelProto. Field numbers are those of
// onnx/onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto,
// TypeProto, TensorShapeProto, OperatorSetIdProto).
import { ProtoWriter } from './protobuf.ts';

/** The ONNX operator set the exporter writes (every op it emits is defined there). */
export const ONNX_OPSET = 17;
/** IR version 8 is the one that goes with opset 17. */
export const ONNX_IR_VERSION = 8;

/** TensorProto.DataType values. */
export const ONNX_FLOAT = 1;
export const ONNX_INT32 = 6;
export const ONNX_INT64 = 7;
export type OnnxElemType = typeof ONNX_FLOAT | typeof ONNX_INT32 | typeof ONNX_INT64;

export type OnnxAttr =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'ints'; value: number[] };

export interface OnnxNode {
  opType: string;
  /** Value names; '' leaves an optional input out. */
  inputs: string[];
  outputs: string[];
  name: string;
  attrs: Record<string, OnnxAttr>;
  /** Where the node came from (the dlc layer and its line). */
  doc?: string;
}

export interface OnnxTensor {
  name: string;
  dims: number[];
  type: typeof ONNX_FLOAT | typeof ONNX_INT64;
  data: Float32Array | BigInt64Array;
}

/** A graph input or output: a name, an element type and dimensions (a string is symbolic, e.g. "batch"). */
export interface OnnxValueInfo {
  name: string;
  type: OnnxElemType;
  dims: (number | string)[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

// AttributeProto.AttributeType values.
const ATTR_TYPE = { float: 1, int: 2, string: 3, ints: 7 } as const;

function writeAttr(w: ProtoWriter, name: string, a: OnnxAttr): void {
  w.string(1, name);
  w.int(20, ATTR_TYPE[a.kind]);
  switch (a.kind) {
    case 'float': w.float(2, a.value); break;
    case 'int': w.int(3, a.value); break;
    case 'string': w.string(4, a.value); break;
    // `repeated int64 ints = 8` is proto2, not packed: one field per value.
    case 'ints': for (const v of a.value) w.int(8, v); break;
  }
}

function writeNode(w: ProtoWriter, n: OnnxNode): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name);
  w.string(4, n.opType);
  for (const [k, a] of Object.entries(n.attrs)) w.message(5, (aw) => writeAttr(aw, k, a));
  if (n.doc) w.string(6, n.doc);
}

function writeTensor(w: ProtoWriter, t: OnnxTensor): void {
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.type);
  w.string(8, t.name);
  // raw_data: fixed-width little-endian values.
  const bytes = new Uint8Array(t.data.byteLength);
  const view = new DataView(bytes.buffer);
  if (t.data instanceof Float32Array) t.data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  else t.data.forEach((v, i) => view.setBigInt64(i * 8, v, true));
  w.bytes(9, bytes);
}

function writeValueInfo(w: ProtoWriter, v: OnnxValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) => type.message(1, (tensor) => {
    tensor.int(1, v.type);
    tensor.message(2, (shape) => {
      for (const d of v.dims) shape.message(1, (dim) => (typeof d === 'string' ? dim.string(2, d) : dim.int(1, d)));
    });
  }));
}

/** The ModelProto bytes of `g` (opset ONNX_OPSET of the default domain). */
export function encodeModel(g: OnnxGraph, producerVersion: string): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, ONNX_IR_VERSION);
  w.string(2, 'dlc');
  w.string(3, producerVersion);
  w.message(7, (gw) => {
    for (const n of g.nodes) gw.message(1, (nw) => writeNode(nw, n));
    gw.string(2, g.name);
    for (const t of g.initializers) gw.message(5, (tw) => writeTensor(tw, t));
    for (const i of g.inputs) gw.message(11, (vw) => writeValueInfo(vw, i));
    for (const o of g.outputs) gw.message(12, (vw) => writeValueInfo(vw, o));
  });
  w.message(8, (op) => op.string(1, '').int(2, ONNX_OPSET));
  return w.finish();
}
