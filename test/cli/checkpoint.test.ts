// Checkpoints through the command: resume continues exactly, best-only and every-n policies, the
// history files beside them, and bad checkpoints stopping with a message.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSafetensors } from '../../runtime/checkpoint-node.ts';
import { dlc } from '../helpers/cli.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'dlc-ckpt-'));
const ENV = { DLC_ADAPTER: 'gles' };
const train = (...args: string[]) => dlc(['train', 'samples/blobs.dl', '--data', 'samples/blobs.csv', ...args], { env: ENV });

describe('checkpoints', () => {
  it('2 epochs, then --resume to 4, gives bitwise the weights of 4 uninterrupted epochs (same adapter and seed), and one history', async () => {
    const a = join(tmp(), 'a');
    const b = join(tmp(), 'b');
    expect((await train('--val-split', '0.2', '--epochs', '2', '--out', a)).code).toBe(0);
    const resumed = await train('--val-split', '0.2', '--epochs', '4', '--out', a, '--resume');
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`resuming from ${join(a, 'checkpoint.safetensors')} after epoch 2 (step 30)`);
    expect(resumed.stdout).toMatch(/^epoch 3\/4 /m);
    expect(resumed.stdout).not.toMatch(/^epoch [12]\/4 /m);
    expect((await train('--val-split', '0.2', '--epochs', '4', '--out', b)).code).toBe(0);
    for (const f of ['weights.safetensors', 'checkpoint.safetensors']) {
      const x = await loadSafetensors(join(a, f));
      const y = await loadSafetensors(join(b, f));
      expect([...x.tensors.keys()].sort()).toEqual([...y.tensors.keys()].sort());
      for (const [name, t] of x.tensors) expect([...t.data], `${f} ${name}`).toEqual([...y.tensors.get(name)!.data]);
      expect(x.metadata.step).toBe(y.metadata.step);
    }
    const ckpt = await loadSafetensors(join(a, 'checkpoint.safetensors'));
    expect(ckpt.metadata).toMatchObject({ kind: 'checkpoint', model: 'blobs', epoch: '4', step: '60', seed: '1' });
    expect([...ckpt.tensors.keys()]).toContain('dense_1.kernel.m'); // optimizer state travels with it
    // The history continues across the resume and matches the uninterrupted run's losses.
    const ha = JSON.parse(readFileSync(join(a, 'history.json'), 'utf8'));
    const hb = JSON.parse(readFileSync(join(b, 'history.json'), 'utf8'));
    expect(ha.map((r: { epoch: number }) => r.epoch)).toEqual([1, 2, 3, 4]);
    expect(ha.map((r: { loss: number; val_loss: number }) => [r.loss, r.val_loss])).toEqual(hb.map((r: { loss: number; val_loss: number }) => [r.loss, r.val_loss]));
    const csv = readFileSync(join(a, 'history.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('epoch,loss,accuracy,val_loss,val_accuracy,val_precision,val_recall,val_f1,lr,seconds');
    expect(csv).toHaveLength(5);
    const svg = readFileSync(join(a, 'history.svg'), 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(4); // loss, val_loss, accuracy, val_accuracy
    for (const l of svg.match(/points="[^"]*"/g)!) expect(l.split(' ')).toHaveLength(4);
  });

  it('--checkpoint-every 2 writes at epoch 2 and at the end; --save-best keeps the lowest val_loss', async () => {
    const dir = join(tmp(), 'run');
    const r = await train('--val-split', '0.2', '--epochs', '3', '--checkpoint-every', '2', '--save-best', '--out', dir);
    expect(r.code).toBe(0);
    expect((await loadSafetensors(join(dir, 'checkpoint.safetensors'))).metadata.epoch).toBe('3');
    const best = await loadSafetensors(join(dir, 'best.safetensors'));
    const hist = JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8')) as { epoch: number; val_loss: number }[];
    const lowest = hist.reduce((p, q) => (q.val_loss < p.val_loss ? q : p));
    expect(best.metadata).toMatchObject({ monitor: 'val_loss', epoch: String(lowest.epoch), value: String(lowest.val_loss) });
  });

  it('bad resumes stop with one message and exit 1: no checkpoint, nothing left to train, a truncated file', async () => {
    const dir = join(tmp(), 'run');
    const none = await train('--resume', '--out', dir);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe(`dlc: --resume: no checkpoint at ${join(dir, 'checkpoint.safetensors')} (train with --out ${dir} first)\n`);
    expect(existsSync(dir)).toBe(false);
    expect((await train('--epochs', '2', '--out', dir)).code).toBe(0);
    const done = await train('--epochs', '2', '--out', dir, '--resume');
    expect(done.code).toBe(1);
    expect(done.stderr).toBe(`dlc: ${join(dir, 'checkpoint.safetensors')} has 2 epochs done; --epochs 2 leaves nothing to train (raise --epochs)\n`);
    const path = join(dir, 'checkpoint.safetensors');
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 10));
    const torn = await train('--epochs', '3', '--out', dir, '--resume');
    expect(torn.code).toBe(1);
    expect(torn.stderr).toMatch(new RegExp(`^dlc: .*${path.replace(/[.]/g, '\\.')}.*\\n$`));
    expect(torn.stderr).not.toContain('    at ');
  });
});
