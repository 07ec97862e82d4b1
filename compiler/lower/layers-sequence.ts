// Layers over token ids and [batch, time, features] sequences: embedding (Keras Embedding) and the
// global poolings over time (Keras GlobalAveragePooling1D, GlobalMaxPooling1D).
import type { ValueId } from '../ir/types.ts';
import { LayerError, type LayerContext, type LayerDef } from './layers.ts';
import { userShape } from './layers-spatial.ts';

/** Keras Embedding's default initializer, RandomUniform(−0.05, 0.05). */
const EMBEDDING_INIT = { kind: 'uniform', min: -0.05, max: 0.05 } as const;

/** The input as [batch, time, features], or a message saying what the layer expected. */
export function sequence(cx: LayerContext, x: ValueId, layer: string): [number, number, number] {
  const s = cx.shape(x);
  if (s.length !== 3) {
    throw new LayerError(`${layer} needs a sequence of shape [batch, time, features], got ${userShape(s)}; e.g. the output of embedding, or of lstm/gru with return_sequences: true`);
  }
  return [s[0]!, s[1]!, s[2]!];
}

/** A layer's `mask:` ids (if given), checked against its sequence's T steps. */
export function maskOf(cx: LayerContext, layer: string, ids: ValueId | undefined, T: number): ValueId | undefined {
  if (ids === undefined) return undefined;
  const s = cx.shape(ids);
  if (s[1] !== T) {
    throw new LayerError(`${layer}'s mask has ${s[1]} steps (token ids ${userShape(s)}) but its input has ${T}; pass the token input the sequence was embedded from`);
  }
  return ids;
}

export const SEQUENCE_LAYERS: Record<string, LayerDef> = {
  embedding: {
    doc: 'a learned vector of `dim` values per token id: tokens[V, T] → [batch, T, dim] (Keras Embedding; V from the input type)',
    inputs: 1,
    tokenInput: true,
    hyper: [
      { name: 'dim', type: 'posint' },
      { name: 'mask_zero', type: 'bool', default: false },
    ],
    lower(cx, [ids], h) {
      const V = cx.vocab(ids!);
      if (V === undefined) throw new Error('internal error: embedding without a token input');
      if (h.mask_zero === true) {
        throw new LayerError('mask_zero: true is not taken: dlc passes the padding mask by name to the layers that read it, e.g. multi_head_attention(heads: 2, key_dim: 16, mask: text) and global_avgpool1d(mask: text), where text is the token input; leave mask_zero out');
      }
      // The table is not a kernel: the train section's `regularize` leaves it alone (Keras' embeddings_regularizer is None by default).
      const table = cx.param('embeddings', [V, h.dim as number], EMBEDDING_INIT, false);
      return cx.op('gather', [table, ids!]);
    },
  },
  global_avgpool1d: {
    doc: 'mean over time: [batch, time, features] → [batch, features] (Keras GlobalAveragePooling1D); with mask: token ids, over the steps not holding padding (0)',
    inputs: 1,
    maskArg: true,
    hyper: [],
    lower(cx, [x, maskIds]) {
      const [B, T, F] = sequence(cx, x!, 'global_avgpool1d');
      const mask = maskOf(cx, 'global_avgpool1d', maskIds, T);
      if (mask !== undefined) {
        // Equal scores under the padding mask are 1/count at real steps and 0 at padding (0 everywhere
        // for a sample of padding only, where Keras divides 0 by 0): the mean is one weighted sum.
        const weights = cx.op('masked_softmax', [cx.op('fill', [], { shape: [B, 1, T], value: 0 }), mask], { causal: false });
        return cx.op('reshape', [cx.op('matmul', [weights, x!])], { shape: [B, F] });
      }
      const summed = cx.op('sum_to', [x!], { shape: [B, 1, F] });
      return cx.op('scale', [cx.op('reshape', [summed], { shape: [B, F] })], { factor: 1 / T });
    },
  },
  global_maxpool1d: {
    doc: 'maximum over time: [batch, time, features] → [batch, features] (Keras GlobalMaxPooling1D; padding steps count too)',
    inputs: 1,
    hyper: [],
    lower(cx, [x]) {
      const [B, T, F] = sequence(cx, x!, 'global_maxpool1d');
      // One T×1 window of the max-pool kernels over [batch, 1, T, F] (first maximum on ties, as maxpool).
      const pooled = cx.op('maxpool2d', [cx.op('reshape', [x!], { shape: [B, 1, T, F] })], { kernel: [T, 1], stride: [T, 1], padding: [0, 0, 0, 0] });
      return cx.op('reshape', [pooled], { shape: [B, F] });
    },
  },
};
