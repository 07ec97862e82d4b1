// Each op family dlc exports to ONNX, in small programs: onnxruntime-node runs the exported file on
// a batch size other than the one compiled, and its outputs are held to dlc's float64 forward pass
// (relative error < 1e-4: max |onnx − dlc| / max |dlc| per output). Which ONNX operators each
// layer became is pinned too, since equal numbers cannot show that batch norm stopped being
// BatchNormalization. An op without an ONNX form is refused with the layer and its line.
import { describe, expect, it } from 'vitest';
import { compile } from '../../../compiler/compile.ts';
import { exportOnnx } from '../../../compiler/onnx/export.ts';
import { formatDiagnostics } from '../../../dsl/diagnostics.ts';
import { roundTrip, testWeights } from '../../helpers/onnx.ts';

const TOLERANCE = 1e-4;

function expectClose(errors: Record<string, number>): void {
  for (const [name, err] of Object.entries(errors)) {
    expect(err, name).toBeLessThan(TOLERANCE);
  }
}

describe('ONNX export of the catalogue', () => {
  it('token inputs (int32): embedding as Gather, then the mean and maximum over time', async () => {
    const r = await roundTrip(`model m {
  input text: tokens[11, 6]
  e = text -> embedding(5)
  avg = e -> global_avgpool1d
  mx = e -> global_maxpool1d
  output e, avg, mx
}`);
    expectClose(r.errors);
    expect(r.dims.e).toEqual([7, 6, 5]);
    expect(r.ops).toEqual(expect.arrayContaining(['Gather', 'MaxPool']));
  });

  it('attention without a mask: heads as a batch of MatMuls (Transpose for Kᵀ), Softmax', async () => {
    const r = await roundTrip(`model m {
  input text: tokens[11, 6]
  a = text -> embedding(5) -> multi_head_attention(heads: 2, key_dim: 3)
  output a
}`);
    expectClose(r.errors);
    expect(r.dims.a).toEqual([7, 6, 5]);
    expect(r.ops).toEqual(expect.arrayContaining(['MatMul', 'Transpose', 'Softmax']));
  });

  it('bidirectional lstm and gru: both directions unrolled, the backward sequence put back in time order, concat and ave', async () => {
    const r = await roundTrip(`model m {
  input x: f32[5, 3]
  s = x -> bidirectional(gru(4, return_sequences: true), merge: ave)
  h = s -> bidirectional(lstm(3))
  output s, h
}`);
    expectClose(r.errors);
    expect(r.dims.s).toEqual([7, 5, 4]);
    expect(r.dims.h).toEqual([7, 6]);
    expect(r.ops).toEqual(expect.arrayContaining(['MatMul', 'Concat', 'Sigmoid', 'Tanh']));
  });

  it('refuses a padding mask and a position table (a weight broadcast over the batch), naming the layer and line', () => {
    for (const [line, layer] of [['e -> multi_head_attention(heads: 2, key_dim: 3, mask: text)', "layer 'multi_head_attention_1' (op masked_softmax) has no ONNX form"], ['e + positional_embedding(e)', "layer 'positional_embedding_1' (op broadcast_to) has no ONNX form yet: it broadcasts a weight over the batch"]] as const) {
      const src = `model m {\n  input text: tokens[11, 6]\n  e = text -> embedding(5)\n  a = ${line}\n  output a\n}`;
      const r = compile(src, { file: 'net.dl', batch: 3 });
      const out = exportOnnx({ graph: r.snapshots!.programs!, weights: testWeights(r), name: 'm', fallbackSpan: r.lowered!.model.nameSpan });
      expect(out.ok).toBe(false);
      if (out.ok) return;
      expect(formatDiagnostics(out.diagnostics, src)).toContain(`net.dl:4:`);
      expect(formatDiagnostics(out.diagnostics, src)).toContain(layer);
    }
  });

  it('merges, reshapes and arithmetic: concat, average, maximum, reshape with -1, dense on rank 3, numbers with tensors', async () => {
    const r = await roundTrip(`model m {
  input a: f32[2, 3]
  input b: f32[2, 3]
  input c: f32[2, 3]
  cat = concat(a, b, c, axis: -1)
  avg = average(a, b, c)
  mx = maximum(a, b, c)
  shaped = cat -> reshape([-1, 2])
  ranked = a -> dense(5)
  arith = (a * b - c / (b * b + 1)) + 2 - a / 4 + 1 / (c * c + 1) - -a
  output cat, avg, mx, shaped, ranked, arith
}`);
    expectClose(r.errors);
    expect(r.dims.shaped).toEqual([7, 9, 2]);
    expect(r.ops).toEqual(expect.arrayContaining(['Concat', 'Max', 'Reshape', 'MatMul', 'Div', 'Neg']));
  });

  it('every activation layer, and dropout (identity at inference)', async () => {
    const acts = ['relu', 'sigmoid', 'tanh', 'gelu', 'gelu(approximate: true)', 'silu', 'swish', 'elu(alpha: 0.7)', 'selu', 'softplus', 'relu6', 'leaky_relu(alpha: 0.2)', 'softmax', 'log_softmax'];
    const names = acts.map((_, k) => `y${k}`);
    const r = await roundTrip(`model m {
  input x: f32[6]
  h = x -> dense(6) -> dropout(0.5)
  s = h * 4
${acts.map((a, k) => `  ${names[k]} = s -> ${a}`).join('\n')}
  output ${names.join(', ')}
}`);
    expectClose(r.errors);
    expect(r.ops).not.toContain('Dropout');
    expect(r.ops).toEqual(expect.arrayContaining(['Relu', 'Sigmoid', 'Tanh', 'Erf', 'Elu', 'Selu', 'Softplus', 'Clip', 'LeakyRelu', 'Softmax', 'LogSoftmax']));
  });

  it('convolutions (stride, dilation, groups, same padding) and pools (max and average with padding, global), upsampling, zero padding, concat of images', async () => {
    const r = await roundTrip(`model m {
  input image: f32[4, 9, 11]
  a = image -> conv2d(6, kernel: 3, stride: 2, padding: same, activation: relu)
  b = image -> conv2d(8, kernel: [3, 2], dilation: 2, groups: 2, use_bias: false)
  c = image -> maxpool(3, stride: 2, padding: same)
  d = image -> avgpool(2, padding: same)
  e = image -> zero_padding2d([[1, 2], [0, 3]])
  f = image -> upsample([2, 3])
  g = concat(image, image -> conv2d(3, kernel: 1), axis: 1)
  h = a -> global_avgpool
  k = a -> global_maxpool
  output a, b, c, d, e, f, g, h, k
}`);
    expectClose(r.errors);
    expect(r.dims.f).toEqual([7, 4, 18, 33]);
    expect(r.ops).toEqual(expect.arrayContaining(['Conv', 'MaxPool', 'AveragePool', 'Pad', 'Resize', 'Concat', 'GlobalAveragePool', 'GlobalMaxPool', 'Flatten']));
  });

  it('conv1d, conv2d_transpose, depthwise and separable convolutions, groupnorm, prelu, spatial dropout, bilinear upsampling', async () => {
    const r = await roundTrip(`model m {
  input s: f32[4, 11]
  input image: f32[4, 5, 7]
  a = s -> conv1d(5, kernel: 3)
  b = s -> conv1d(4, kernel: 4, stride: 2, padding: same)
  c = s -> conv1d(2, kernel: 3, dilation: 2, padding: causal, groups: 2)
  t1 = image -> conv2d_transpose(3, kernel: 3, stride: 2, padding: same)
  t2 = image -> conv2d_transpose(2, kernel: [2, 3], stride: [1, 2])
  t3 = image -> conv2d_transpose(2, kernel: 3, dilation: 2, padding: same, use_bias: false)
  d = image -> depthwise_conv2d(kernel: 3, depth_multiplier: 2, padding: same)
  e = image -> separable_conv2d(4, kernel: [2, 3], stride: 2)
  f = image -> conv2d(6, kernel: 1) -> groupnorm(groups: 3)
  g = image -> flatten -> dense(6) -> groupnorm(groups: 2, epsilon: 0.01)
  h = image -> prelu(shared_axes: [2, 3]) -> spatial_dropout2d(0.25)
  k = image -> flatten -> dense(5) -> prelu
  u = image -> upsample([2, 3], interpolation: bilinear)
  output a, b, c, t1, t2, t3, d, e, f, g, h, k, u
}`);
    expectClose(r.errors);
    expect(r.dims.t1).toEqual([7, 3, 10, 14]);
    expect(r.dims.u).toEqual([7, 4, 10, 21]);
    expect(r.ops).toEqual(expect.arrayContaining(['ConvTranspose', 'Resize']));
  });

  it("random_crop at inference: Keras' smart_resize as Slice and a half-pixel bilinear Resize (down, up, one axis, none)", async () => {
    const r = await roundTrip(`model m {
  input image: f32[3, 9, 7]
  a = image -> random_crop(4, 3)
  b = image -> random_crop(11, 5)
  c = image -> random_crop(9, 3)
  d = image -> random_crop(9, 7)
  output a, b, c, d
}`);
    expectClose(r.errors);
    expect(r.dims.a).toEqual([7, 3, 4, 3]);
    expect(r.dims.b).toEqual([7, 3, 11, 5]);
    expect(r.dims.c).toEqual([7, 3, 9, 3]);
    expect(r.dims.d).toEqual([7, 3, 9, 7]);
    expect(r.ops).toEqual(expect.arrayContaining(['Slice', 'Resize']));
  });

  it('batch norm with its moving statistics as BatchNormalization, layer norm as LayerNormalization', async () => {
    const r = await roundTrip(`model m {
  input image: f32[3, 5, 5]
  input x: f32[4, 6]
  bn = image -> conv2d(4, kernel: 3) -> batchnorm(epsilon: 0.01)
  flat = x -> dense(5) -> batchnorm
  ln = x -> layernorm(epsilon: 0.001)
  output bn, flat, ln
}`);
    expectClose(r.errors);
    expect(r.ops.filter((op) => op === 'BatchNormalization')).toHaveLength(2);
    expect(r.ops).toContain('LayerNormalization');
    // Nothing of the normalisations is left as primitives.
    expect(r.ops).not.toContain('Sqrt');
    expect(r.ops).not.toContain('ReduceSum');
  });

  it('channels_last inputs: NHWC images and [length, channels] sequences transposed at the input', async () => {
    const r = await roundTrip(`model m {
  input image: f32[9, 11, 4] layout: channels_last
  input seq: f32[10, 3] layout: channels_last
  a = image -> conv2d(5, kernel: 3, padding: same)
  b = seq -> conv1d(2, kernel: 3)
  output a, b
}`);
    expectClose(r.errors);
    expect(r.dims.a).toEqual([7, 5, 9, 11]);
    expect(r.ops).toEqual(expect.arrayContaining(['Transpose', 'Conv']));
  });

  it('an output that is a model input, and one value output twice', async () => {
    const r = await roundTrip(`model m {
  input x: f32[3]
  y = x -> dense(2)
  z = y
  output x, y, z
}`);
    expectClose(r.errors);
    expect(r.ops.filter((op) => op === 'Identity')).toHaveLength(1);
  });

  it('refuses an op with no ONNX form, naming the layer and its line', () => {
    const src = `model m {
  input x: f32[3]
  h = x -> dense(2)
  output h
}`;
    const r = compile(src, { file: 'net.dl', batch: 3 });
    const g = r.snapshots!.programs!;
    const forward = g.programs.forward;
    const h = forward.outputs[0]!.value;
    const dense = g.nodes[forward.nodes.at(-1)!]!;
    // A training-mode dropout, as a graph holding one would reach the exporter (lowering never
    // puts one in the forward program, so the graph is edited here).
    const dropped = g.add('dropout', [h], { rate: 0.5, salt: 1 }, { phase: 'eval', span: dense.span!, layer: 'dropout_1' });
    forward.nodes.push(g.producer.get(dropped)!);
    forward.outputs[0] = { name: 'h', value: dropped };
    const out = exportOnnx({ graph: g, weights: testWeights(r), name: 'm', fallbackSpan: r.lowered!.model.nameSpan });
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(formatDiagnostics(out.diagnostics, src)).toContain("net.dl:3:12: error: layer 'dropout_1' (op dropout) has no ONNX form; nothing was exported");
  });

  it('refuses a sum over the batch axis, which has no form for every batch size', () => {
    const src = `model m {
  input x: f32[3]
  h = x -> dense(2)
  output h
}`;
    const r = compile(src, { file: 'net.dl', batch: 3 });
    const g = r.snapshots!.programs!;
    const forward = g.programs.forward;
    const dense = g.nodes[forward.nodes.at(-1)!]!;
    const summed = g.add('sum_to', [forward.outputs[0]!.value], { shape: [1, 2] }, { phase: 'eval', span: dense.span!, layer: 'dense_1' });
    forward.nodes.push(g.producer.get(summed)!);
    forward.outputs[0] = { name: 'h', value: summed };
    const out = exportOnnx({ graph: g, weights: testWeights(r), name: 'm', fallbackSpan: r.lowered!.model.nameSpan });
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.diagnostics.map((d) => d.message)).toEqual([
      "layer 'dense_1' (op sum_to) has no ONNX form here: it sums over the batch axis, which an inference graph of any batch size cannot do; nothing was exported",
    ]);
  });
});
