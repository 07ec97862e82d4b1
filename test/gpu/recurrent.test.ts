// simple_rnn, lstm, gru and bidirectional programs trained 10 steps on each adapter follow the float64 interpreter.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { Rng } from '../../runtime/random.ts';
import { Session } from '../../runtime/session.ts';
import { ADAPTERS, useDevice } from '../helpers/gpu.ts';
import { ReferenceRun } from '../helpers/reference.ts';

const STEPS = 10;
const [T, F] = [5, 3];

// Batch 3, 3 features, 4 units: sizes off every workgroup width. The LSTM feeds its sequence to a
// second one; the others are one layer each (every extra layer costs lavapipe pipeline compiles).
const LAYERS = {
  simple_rnn: 'simple_rnn(4, return_sequences: true, go_backwards: true) -> flatten',
  lstm: 'lstm(4, return_sequences: true, go_backwards: true) -> lstm(4)',
  gru: 'gru(4)',
  // Both directions, the backward sequence flipped back into time order, concatenated per step.
  bidirectional: 'bidirectional(gru(4, return_sequences: true)) -> flatten',
};

const source = (layers: string): string => `
model seq {
  input x: f32[${T}, ${F}]
  input y: class[3]
  logits = x -> ${layers} -> dense(3)
  output logits
}
train seq {
  loss = cross_entropy(logits, y)
  optimizer = adam(lr: 0.05)
  batch = 3
  seed = 4
}`;

function batches(B: number): { x: Float32Array; y: Int32Array }[] {
  const rng = new Rng(17);
  const fixed = { x: Float32Array.from({ length: B * T * F }, () => rng.normal()), y: Int32Array.from({ length: B }, () => rng.int(3)) };
  // One batch repeated: the loss must fall, so a gradient that is wrong or missing shows.
  return Array.from({ length: STEPS }, () => fixed);
}

for (const [name, layers] of Object.entries(LAYERS)) {
  describe(`${name} training follows the reference interpreter`, () => {
    const src = source(layers);
    const r = compile(src, { file: `${name}.dl` });
    const ref = new ReferenceRun(r);
    const want = batches(3).map((b) => ref.trainStep(b));

    it('the reference itself learns (the loss falls)', () => {
      expect(want[STEPS - 1]!).toBeLessThan(want[0]! * 0.8);
    });

    for (const adapter of ADAPTERS) {
      const device = useDevice(adapter);
      it(`${adapter}: ${STEPS} steps match the float64 loss curve to 1e-4 relative`, async (t) => {
        const h = device();
        if (!h) return t.skip();
        const s = await Session.create(compile(src, { file: `${name}.dl` }).artifact!, h.device);
        // NaN in every scratch buffer: an element a kernel should write and does not (a concat tree
        // joining the steps' gradients, a slice) reaches the loss.
        s.poisonScratch();
        const got: number[] = [];
        for (const b of batches(3)) got.push((await s.trainStep(b, { readLoss: true }))!);
        s.dispose();
        for (let k = 0; k < STEPS; k++) expect(Math.abs(got[k]! - want[k]!) / Math.abs(want[k]!), `step ${k + 1}: gpu ${got[k]} ref ${want[k]}`).toBeLessThan(1e-4);
      }, 600_000);
    }
  });
}
