// Keras's SimpleRNN, LSTM and GRU (reset_after) cells written out in float64, for the layer tests.

export type RecurrentKind = 'simple_rnn' | 'lstm' | 'gru';

/** Batch, time steps, features and units of a run. */
export interface RnnSizes { B: number; T: number; F: number; U: number }

const sig = (v: number): number => 1 / (1 + Math.exp(-v));

/** Row-major [rows, cols] matrix product of a [B, k] row block and a [k, n] matrix. */
function matvec(a: Float64Array | number[], w: Float64Array, k: number, n: number, col0: number, width: number): number[] {
  return Array.from({ length: width }, (_, j) => {
    let s = 0;
    for (let r = 0; r < k; r++) s += a[r]! * w[r * n + col0 + j]!;
    return s;
  });
}

/**
 * Keras's cells, sample by sample, from a zero state: each sample's outputs in processing order,
 * [B][T][U]. `p` gives the weights by Keras's names (kernel, recurrent_kernel, bias).
 */
export function kerasCells(kind: RecurrentKind, x: Float32Array, p: (n: string) => Float64Array, backwards: boolean, { B, T, F, U }: RnnSizes): number[][][] {
  const W = p('kernel');
  const R = p('recurrent_kernel');
  const bias = p('bias');
  const width = kind === 'lstm' ? 4 * U : kind === 'gru' ? 3 * U : U;
  const out: number[][][] = [];
  for (let b = 0; b < B; b++) {
    let h = new Array<number>(U).fill(0);
    let c = new Array<number>(U).fill(0);
    const seq: number[][] = [];
    for (let k = 0; k < T; k++) {
      const t = backwards ? T - 1 - k : k;
      const xt = Array.from(x.subarray((b * T + t) * F, (b * T + t + 1) * F));
      const gate = (g: number): number[] => {
        const xs = matvec(xt, W, F, width, g * U, U);
        const hs = matvec(h, R, U, width, g * U, U);
        return xs.map((v, j) => v + hs[j]! + bias[g * U + j]!);
      };
      if (kind === 'simple_rnn') {
        h = gate(0).map(Math.tanh);
      } else if (kind === 'lstm') {
        const [i, f, g, o] = [gate(0).map(sig), gate(1).map(sig), gate(2).map(Math.tanh), gate(3).map(sig)];
        c = c.map((cv, j) => f[j]! * cv + i[j]! * g[j]!);
        h = c.map((cv, j) => o[j]! * Math.tanh(cv));
      } else {
        // reset_after: the reset gate multiplies (h·U_h + b_rec_h); bias is [2, 3U] = [input; recurrent].
        const part = (g: number): { xs: number[]; hs: number[] } => ({
          xs: matvec(xt, W, F, width, g * U, U).map((v, j) => v + bias[g * U + j]!),
          hs: matvec(h, R, U, width, g * U, U).map((v, j) => v + bias[width + g * U + j]!),
        });
        const [zp, rp, hp] = [part(0), part(1), part(2)];
        const z = zp.xs.map((v, j) => sig(v + zp.hs[j]!));
        const r = rp.xs.map((v, j) => sig(v + rp.hs[j]!));
        const cand = hp.xs.map((v, j) => Math.tanh(v + r[j]! * hp.hs[j]!));
        h = h.map((hv, j) => z[j]! * hv + (1 - z[j]!) * cand[j]!);
      }
      seq.push(h);
    }
    out.push(seq);
  }
  return out;
}

