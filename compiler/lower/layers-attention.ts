// Attention layers over [batch, time, features] sequences: Keras MultiHeadAttention (self-attention)
// and Keras-NLP's PositionEmbedding. Heads are a batch of matrix products: [batch·heads, T, key_dim].
import { groupDigits } from '../../dsl/group-digits.ts';
import type { Initializer, ValueId } from '../ir/types.ts';
import { LayerError, type LayerContext, type LayerDef } from './layers.ts';
import { maskOf, sequence } from './layers-sequence.ts';

/** The most (sample, head) products of one attention: one workgroup layer each along z. */
const MAX_PRODUCTS = 65535;

/**
 * Keras' glorot_uniform over a kernel of `shape`: Keras' compute_fans takes the last two axes times
 * the product of the others (the receptive field), so [F, heads, key_dim] has fans F·heads and F·key_dim.
 */
function glorot(shape: number[]): Initializer {
  const field = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { kind: 'glorot_uniform', fanIn: shape[shape.length - 2]! * field, fanOut: shape[shape.length - 1]! * field };
}

/** [batch, T, heads·D] → [batch·heads, T, D]: one matrix per (sample, head). */
function splitHeads(cx: LayerContext, v: ValueId, B: number, T: number, H: number, D: number): ValueId {
  const perHead = cx.op('transpose', [cx.op('reshape', [v], { shape: [B, T, H, D] })], { perm: [0, 2, 1, 3] });
  return cx.op('reshape', [perHead], { shape: [B * H, T, D] });
}

export const ATTENTION_LAYERS: Record<string, LayerDef> = {
  multi_head_attention: {
    doc: 'Keras MultiHeadAttention as self-attention over [batch, time, features]: softmax(Q·Kᵀ/√key_dim)·V per head, projected back to the features; mask: token ids leave padding keys out',
    inputs: 1,
    maskArg: true,
    hyper: [
      { name: 'heads', type: 'posint' },
      { name: 'key_dim', type: 'posint' },
      { name: 'causal', type: 'bool', default: false },
      { name: 'use_bias', type: 'bool', default: true },
    ],
    lower(cx, [x, maskIds], h) {
      const [B, T, F] = sequence(cx, x!, 'multi_head_attention');
      const mask = maskOf(cx, 'multi_head_attention', maskIds, T);
      const H = h.heads as number;
      const D = h.key_dim as number;
      if (B * H > MAX_PRODUCTS) {
        throw new LayerError(`multi_head_attention runs one attention product per sample and head, ${B} × ${H} = ${B * H} here, more than ${groupDigits(MAX_PRODUCTS)} (WebGPU's workgroups along one axis); use fewer heads or a smaller batch`);
      }
      const flat = cx.op('reshape', [x!], { shape: [B * T, F] });
      // Keras' EinsumDense weights: kernels [F, heads, key_dim] (out: [heads, key_dim, F]), biases [heads, key_dim] (out: [F]).
      const project = (name: string, factor = 1): ValueId => {
        const kernel = cx.param(`${name}_kernel`, [F, H, D], glorot([F, H, D]), true);
        let y = cx.op('matmul', [flat, cx.op('reshape', [kernel], { shape: [F, H * D] })]);
        if (h.use_bias) y = cx.op('add', [y, cx.op('reshape', [cx.param(`${name}_bias`, [H, D], { kind: 'zeros' }, false)], { shape: [H * D] })]);
        // Before the head split, so the scale joins the projection's epilogue.
        if (factor !== 1) y = cx.op('scale', [y], { factor });
        return splitHeads(cx, y, B, T, H, D);
      };
      // Keras scales the query by 1/√key_dim before the dot product.
      const q = project('query', 1 / Math.sqrt(D));
      const k = project('key');
      const v = project('value');
      const scores = cx.op('reshape', [cx.op('matmul', [q, k], { transB: true })], { shape: [B, H, T, T] });
      const weights = mask !== undefined || h.causal
        ? cx.op('masked_softmax', mask !== undefined ? [scores, mask] : [scores], { causal: h.causal as boolean })
        : cx.op('softmax', [scores]);
      const context = cx.op('matmul', [cx.op('reshape', [weights], { shape: [B * H, T, T] }), v]);
      // [batch·heads, T, D] → [batch·T, heads·D], then the output projection back to F.
      const merged = cx.op('reshape', [cx.op('transpose', [cx.op('reshape', [context], { shape: [B, H, T, D] })], { perm: [0, 2, 1, 3] })], { shape: [B * T, H * D] });
      const outKernel = cx.param('output_kernel', [H, D, F], glorot([H, D, F]), true);
      let y = cx.op('matmul', [merged, cx.op('reshape', [outKernel], { shape: [H * D, F] })]);
      if (h.use_bias) y = cx.op('add', [y, cx.param('output_bias', [F], { kind: 'zeros' }, false)]);
      return cx.op('reshape', [y], { shape: [B, T, F] });
    },
  },
  positional_embedding: {
    doc: 'a learned vector per position (Keras-NLP PositionEmbedding): [batch, T, features] → the first T of sequence_length position vectors, broadcast over the batch; add it to the input yourself',
    inputs: 1,
    hyper: [{ name: 'sequence_length', type: 'int', default: 0 }],
    lower(cx, [x], h) {
      const [B, T, F] = sequence(cx, x!, 'positional_embedding');
      const given = h.sequence_length as number;
      if (given < 0 || (given > 0 && given < T)) {
        throw new LayerError(`positional_embedding's sequence_length ${given} is shorter than its input's ${T} steps; give at least ${T}, or leave it out (the input's length)`);
      }
      const L = given || T;
      // Keras-NLP's default initializer is glorot_uniform over [sequence_length, features].
      const table = cx.param('embeddings', [L, F], { kind: 'glorot_uniform', fanIn: L, fanOut: F }, false);
      const rows = L === T ? table : cx.op('slice', [table], { axis: 0, start: 0, size: T });
      return cx.op('broadcast_to', [rows], { shape: [B, T, F] });
    },
  },
};
