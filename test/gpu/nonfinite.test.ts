// Numerical safety: a non-finite loss stops training with the epoch, the step and the first kernel
// that wrote a non-finite value; through the CLI, the last good checkpoint stays as it was.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { fit, NonFiniteError } from '../../runtime/fit.ts';
import { loadSafetensors } from '../../runtime/checkpoint-node.ts';
import { Rng } from '../../runtime/random.ts';
import { Session } from '../../runtime/session.ts';
import { dlc } from '../helpers/cli.ts';
import { useDevice } from '../helpers/gpu.ts';

const SOURCE = `model m {
  input x: f32[4]
  input y: class[3]
  logits = x -> dense(6, activation: relu) -> dense(3)
  output logits
}
train m { loss = cross_entropy(logits, y); optimizer = sgd(lr: 0.1); batch = 4; shuffle = false; seed = 2 }`;

describe('non-finite values', () => {
  const device = useDevice('gles');
  it('an infinite input in the 4th batch stops training at epoch 1, step 4, naming the first dense layer\'s kernel', async (t) => {
    const h = device();
    if (!h) return t.skip();
    const rng = new Rng(1);
    const x = Float32Array.from({ length: 32 * 4 }, () => rng.normal());
    x[13 * 4 + 2] = Infinity; // sample 13: batch 4 (samples 12–15); the API does not screen data as the CLI does
    const y = Int32Array.from({ length: 32 }, (_, i) => i % 3);
    const s = await Session.create(compile(SOURCE, { file: 'net.dl' }).artifact!, h.device);
    const err = await fit(s, { count: 32, tensors: { x, y } }, { epochs: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonFiniteError);
    const e = err as NonFiniteError;
    expect([e.epoch, e.step]).toEqual([1, 4]);
    expect(e.kernel).toMatch(/^matmul\+add\+relu:/);
    expect(e.message).toMatch(/^training stopped: the loss or the weights became non-finite \(NaN or infinity\) in epoch 1, step 4 \(step 4 overall\); the first non-finite value came from kernel 'matmul\+add\+relu:[a-z_0-9]+' \(net\.dl:4:\d+\)/);
    s.dispose();
  });

  it('dlc train on such data exits 1 with the message, and the last good checkpoint stays loadable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dlc-nan-'));
    const out = join(dir, 'run');
    const env = { DLC_ADAPTER: 'gles' };
    expect((await dlc(['train', 'samples/blobs.dl', '--data', 'samples/blobs.csv', '--epochs', '2', '--out', out], { env })).code).toBe(0);
    const before = readFileSync(join(out, 'checkpoint.safetensors'));
    const lines = readFileSync('samples/blobs.csv', 'utf8').trim().split('\n');
    lines[100] = '3e38,1,0';
    writeFileSync(join(dir, 'bad.csv'), `${lines.join('\n')}\n`);
    const r = await dlc(['train', 'samples/blobs.dl', '--data', join(dir, 'bad.csv'), '--epochs', '4', '--out', out, '--resume'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^dlc: training stopped: the loss or the weights became non-finite \(NaN or infinity\) in epoch 3, step \d+ \(step \d+ overall\); the first non-finite value came from kernel '[^']+'/);
    expect(r.stderr).not.toContain('    at ');
    expect(readFileSync(join(out, 'checkpoint.safetensors')).equals(before)).toBe(true);
    expect((await loadSafetensors(join(out, 'checkpoint.safetensors'))).metadata.epoch).toBe('2');
  });
});
