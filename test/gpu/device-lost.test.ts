// A device lost in the middle of training ends it with one clear message (not a crash), and a
// checkpoint written before stays loadable.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { openDevice } from '../../runtime/device-node.ts';
import { fit } from '../../runtime/fit.ts';
import { Rng } from '../../runtime/random.ts';
import { Session, SessionError } from '../../runtime/session.ts';
import { loadCheckpoint, saveCheckpoint } from '../../runtime/weights-node.ts';

const SOURCE = `model m {
  input x: f32[4]
  input y: class[3]
  logits = x -> dense(6, activation: relu) -> dense(3)
  output logits
}
train m { loss = cross_entropy(logits, y); optimizer = adam(lr: 0.01); batch = 4; seed = 2 }`;

describe('device loss', () => {
  it('destroying the device at step 3 of epoch 2 stops fit with a SessionError; the epoch-1 checkpoint loads on a new device', async (t) => {
    // Its own device (it destroys it), so not the shared useDevice one.
    const h = await openDevice('gles').catch(() => undefined);
    if (!h) return t.skip();
    const art = compile(SOURCE).artifact!;
    const s = await Session.create(art, h.device);
    const rng = new Rng(3);
    const data = { count: 32, tensors: { x: Float32Array.from({ length: 128 }, () => rng.normal()), y: Int32Array.from({ length: 32 }, (_, i) => i % 3) } };
    const path = join(mkdtempSync(join(tmpdir(), 'dlc-lost-')), 'checkpoint.safetensors');
    const err = await fit(s, data, {
      epochs: 3,
      checkFinite: false,
      onEpoch: async (e) => { await saveCheckpoint(s, path, { epoch: e.epoch, step: s.step, seed: 2 }); },
      onStep: (step, _n, epoch) => { if (epoch === 2 && step === 3) h.device.destroy(); },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SessionError);
    expect((err as Error).message).toMatch(/^the GPU device was lost \(.+\); training cannot continue\. Checkpoints already written are intact/);
    const bytes = readFileSync(path);
    const h2 = await openDevice('gles');
    const s2 = await Session.create(art, h2.device);
    expect(await loadCheckpoint(s2, path)).toEqual({ epoch: 1, step: 8, seed: 2 });
    expect(readFileSync(path).equals(bytes)).toBe(true);
    s2.dispose();
    h2.destroy();
    h.destroy();
  });
});
