// Transfer learning through the command: --init-from (or the train section's init_from) loads
// weights by name and prints what it loaded; a missing file or a shape mismatch stops with a message.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSafetensors } from '../../runtime/checkpoint-node.ts';
import { parseCommandLine } from '../../cli/options.ts';
import { dlc, ROOT } from '../helpers/cli.ts';

const ENV = { DLC_ADAPTER: 'gles' };
const BLOBS = resolve(ROOT, 'samples/blobs.csv');

const program = (head: number, train = '') => `model blobs {
  input point: f32[2]
  input label: class[3]
  logits = point -> dense(16, activation: relu, name: body) -> dense(3, name: head${head})
  output logits
}
train blobs { loss = cross_entropy(logits, label); optimizer = adam(lr: 0.01); batch = 32; epochs = 1; seed = 1${train} }
`;

describe('dlc train --init-from', () => {
  it('reports loaded, missing and unused tensors; the loaded ones start from the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dlc-init-'));
    writeFileSync(join(dir, 'base.dl'), program(1));
    writeFileSync(join(dir, 'new.dl'), program(2, '; freeze = [body]'));
    const base = await dlc(['train', join(dir, 'base.dl'), '--data', BLOBS, '--out', join(dir, 'base')], { env: ENV });
    expect(base.stderr).toBe('');
    expect(base.code).toBe(0);
    const weights = join(dir, 'base', 'weights.safetensors');
    const r = await dlc(['train', join(dir, 'new.dl'), '--data', BLOBS, '--init-from', weights, '--out', join(dir, 'new')], { env: ENV });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`init from ${weights}: loaded 2 tensors, missing 2, shape mismatch 0
  loaded: body.kernel, body.bias
  missing (initialised afresh): head2.kernel, head2.bias
  in the file, not in the model: head1.kernel, head1.bias`);
    // body was loaded and frozen: after training it is the base run's, bit for bit.
    const a = (await loadSafetensors(weights)).tensors.get('body.kernel')!;
    const b = (await loadSafetensors(join(dir, 'new', 'weights.safetensors'))).tensors.get('body.kernel')!;
    expect(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength).equals(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength))).toBe(true);

    // The train section's init_from, relative to the .dl file; a head of another width is a mismatch.
    writeFileSync(join(dir, 'wide.dl'), program(1, '; init_from = "base/weights.safetensors"').replace('dense(3, name: head1)', 'dense(4, name: head1)').replace('class[3]', 'class[4]'));
    const mismatch = await dlc(['train', join(dir, 'wide.dl'), '--data', BLOBS, '--out', join(dir, 'wide')], { env: ENV });
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toContain(`'head1.kernel' has shape [16, 3], the model's 'head1.kernel' has shape [16, 4]; set skip_mismatch = true in the train section`);
    expect(mismatch.stderr).not.toMatch(/\n\s+at /);
  }, 300_000);

  it('an init_from file that does not exist is refused at its line, before any work', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dlc-init-'));
    const file = join(dir, 'net.dl');
    writeFileSync(file, program(1, ';\n  init_from = "nowhere.safetensors"'));
    const r = await dlc(['train', file, '--data', BLOBS, '--out', join(dir, 'run')], { env: ENV });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:8: init_from names nowhere.safetensors, which does not exist (looked for ${join(dir, 'nowhere.safetensors')})`);
    const both = await dlc(['train', file, '--data', BLOBS, '--init-from', file, '--resume', '--out', join(dir, 'run')], { env: ENV });
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('use either --init-from or --resume, not both');
  }, 120_000);
});

describe('--digits', () => {
  it('takes digits and ranges, ascending and distinct; anything else is refused by name', () => {
    expect(parseCommandLine(['train', 'n.dl', '--digits', '5-9']).opts.digits).toEqual([5, 6, 7, 8, 9]);
    expect(parseCommandLine(['eval', 'n.dl', '--digits', '7,0-2,1']).opts.digits).toEqual([0, 1, 2, 7]);
    for (const bad of ['4-0', '10', 'a', '1,,2']) expect(() => parseCommandLine(['train', 'n.dl', '--digits', bad])).toThrow(`--digits takes digits 0 to 9 and ranges, e.g. 0-4 or 5,7,9; got '${bad}'`);
    expect(() => parseCommandLine(['predict', 'n.dl', '--digits', '1'])).toThrow('predict does not take --digits');
  });

  it('applies to the mnist data sets only', async () => {
    const r = await dlc(['train', 'samples/blobs.dl', '--data', BLOBS, '--digits', '0-4'], { env: ENV, cwd: ROOT });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`--digits picks digits of the mnist data sets, not of ${BLOBS}`);
  }, 120_000);
});
