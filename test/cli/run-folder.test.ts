// A trained run is never replaced silently: without --out the next run gets runs/<model>/version_N,
// an --out holding a run is refused unless --overwrite (or --resume continues it).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseRunFolder, removeStaleRunFiles } from '../../cli/run-folder.ts';
import { dlc, ROOT } from '../helpers/cli.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'dlc-runs-'));

describe('chooseRunFolder', () => {
  it('without --out: runs/<model>, then the next free runs/<model>/version_N once it holds a run', async () => {
    const cwd = process.cwd();
    process.chdir(tmp());
    try {
      expect(chooseRunFolder('m', {})).toEqual({ path: 'runs/m' });
      mkdirSync('runs/m', { recursive: true });
      writeFileSync('runs/m/history.json', '[]'); // no weights yet: not a run
      expect(chooseRunFolder('m', {})).toEqual({ path: 'runs/m' });
      writeFileSync('runs/m/checkpoint.safetensors', 'x');
      expect(chooseRunFolder('m', {})).toEqual({ path: 'runs/m/version_1', version: 1, base: 'runs/m' });
      mkdirSync('runs/m/version_1');
      mkdirSync('runs/m/version_7');
      mkdirSync('runs/m/version_x');
      expect(chooseRunFolder('m', {})).toEqual({ path: 'runs/m/version_8', version: 8, base: 'runs/m' });
      // --resume continues runs/<model>; --overwrite replaces it.
      expect(chooseRunFolder('m', { resume: true })).toEqual({ path: 'runs/m' });
      expect(chooseRunFolder('m', { overwrite: true })).toEqual({ path: 'runs/m' });
    } finally {
      process.chdir(cwd);
    }
  });

  it('an --out that holds a run is refused, naming its files, unless --overwrite or --resume', async () => {
    const dir = tmp();
    expect(chooseRunFolder('m', { out: dir })).toEqual({ path: dir });
    writeFileSync(join(dir, 'weights.safetensors'), 'w');
    writeFileSync(join(dir, 'best.safetensors'), 'b');
    expect(() => chooseRunFolder('m', { out: dir })).toThrow(expect.objectContaining({
      name: 'UserError',
      message: `${dir} already holds a trained run (weights.safetensors, best.safetensors); add --overwrite to replace it, --resume to continue it, or choose another --out`,
    }));
    expect(chooseRunFolder('m', { out: dir, overwrite: true })).toEqual({ path: dir });
    expect(chooseRunFolder('m', { out: dir, resume: true })).toEqual({ path: dir });
  });

  it('--overwrite removes the earlier run\'s files this run will not write, and nothing else', async () => {
    const dir = tmp();
    for (const f of ['weights.safetensors', 'best.safetensors', 'tokenizer.json', 'notes.txt']) writeFileSync(join(dir, f), f);
    removeStaleRunFiles(dir, ['weights.safetensors', 'checkpoint.safetensors']);
    // A tokenizer left from a text model would be read by `predict` beside the new weights.
    expect(readdirSync(dir).sort()).toEqual(['notes.txt', 'weights.safetensors']);
    writeFileSync(join(dir, 'tokenizer.json'), 'new');
    removeStaleRunFiles(dir, ['weights.safetensors', 'tokenizer.json']);
    expect(readdirSync(dir).sort()).toEqual(['notes.txt', 'tokenizer.json', 'weights.safetensors']);
  });
});

describe('dlc train into runs/', () => {
  const data = ['--data', join(ROOT, 'samples/blobs.csv'), '--epochs', '1'];
  it('a second run without --out goes to runs/<model>/version_1 and says so; --out onto a run is refused, --overwrite replaces it', async () => {
    const cwd = tmp();
    const net = join(ROOT, 'samples/blobs.dl');
    const first = await dlc(['train', net, ...data], { cwd, env: { DLC_ADAPTER: 'gles' } });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trimEnd().split('\n').at(-1)).toBe('saved weights to runs/blobs/weights.safetensors');
    const weights = readFileSync(join(cwd, 'runs/blobs/weights.safetensors'));
    const second = await dlc(['train', net, ...data, '--seed', '2'], { cwd, env: { DLC_ADAPTER: 'gles' } });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout.trimEnd().split('\n').at(-1)).toBe('saved weights to runs/blobs/version_1/weights.safetensors (version 1: runs/blobs holds an earlier run; --out chooses the folder)');
    expect(readFileSync(join(cwd, 'runs/blobs/weights.safetensors'))).toEqual(weights);
    expect(existsSync(join(cwd, 'runs/blobs/version_1/history.json'))).toBe(true);

    const refused = await dlc(['train', net, ...data, '--out', 'runs/blobs'], { cwd, env: { DLC_ADAPTER: 'gles' } });
    expect(refused.stderr).toBe('dlc: runs/blobs already holds a trained run (weights.safetensors, checkpoint.safetensors); add --overwrite to replace it, --resume to continue it, or choose another --out\n');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(readFileSync(join(cwd, 'runs/blobs/weights.safetensors'))).toEqual(weights);

    const replaced = await dlc(['train', net, ...data, '--seed', '3', '--out', 'runs/blobs', '--overwrite'], { cwd, env: { DLC_ADAPTER: 'gles' } });
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.stdout.trimEnd().split('\n').at(-1)).toBe('saved weights to runs/blobs/weights.safetensors');
    expect(readFileSync(join(cwd, 'runs/blobs/weights.safetensors'))).not.toEqual(weights);
  }, 240_000);
});
