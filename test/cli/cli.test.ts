// The dlc command: summaries, artifacts on disk, and user errors (exit 1, clear text, nothing written).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dlc } from '../helpers/cli.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'dlc-cli-'));

describe('dlc check', () => {
  it('prints a Keras-style summary of the MNIST MLP', async () => {
    const r = await dlc(['check', 'samples/mnist_mlp.dl']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Model: "mnist_mlp"');
    expect(r.stdout).toMatch(/dense_1 \(dense\)\s+\(batch, 128\)\s+100,480/);
    expect(r.stdout).toMatch(/dense_2 \(dense\)\s+logits\s+\(batch, 10\)\s+1,290/);
    expect(r.stdout).toContain('Total params: 101,770');
  });

  it('prints diagnostics with file:line:col and a caret, and exits 1', async () => {
    const dir = tmp();
    const file = join(dir, 'bad.dl');
    writeFileSync(file, 'model m {\n  input x: f32[4]\n  y = x -> dens(3)\n  output y\n}\n');
    const r = await dlc(['check', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${file}:3:12: error: unknown layer 'dens'; did you mean 'dense'?\n 3 |   y = x -> dens(3)\n   |            ^^^^\n1 error\n`);
    expect(r.stdout).toBe('');
  });
});

describe('dlc compile', () => {
  it('--stats reports dispatches and GPU memory against the lower bound, as the manifest records them', async () => {
    const out = join(tmp(), 'art');
    const r = await dlc(['compile', 'samples/mnist_mlp.dl', '-o', out, '--stats']);
    expect(r.code).toBe(0);
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    const s = m.stats.memory;
    expect(r.stdout).toContain(`Dispatches: train_step ${m.stats.dispatches.train_step}, eval ${m.stats.dispatches.eval}, forward ${m.stats.dispatches.forward}`);
    expect(r.stdout).toMatch(new RegExp(`allocated\\s+${s.allocatedBytes.toLocaleString('en-US')} bytes`));
    expect(r.stdout).toMatch(new RegExp(`lower bound\\s+${s.lowerBoundBytes.toLocaleString('en-US')} bytes`));
    expect(r.stdout).toContain(`allocated / lower bound: ${(s.allocatedBytes / s.lowerBoundBytes).toFixed(3)}`);
  });

  it('check --stats gives the dispatch counts once: the stats block, without the one-line costs', async () => {
    const r = await dlc(['check', 'samples/mnist_mlp.dl', '--stats']);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/train_step \d+/g)).toHaveLength(1);
    expect(r.stdout).toMatch(/─\nDispatches: train_step \d+, eval \d+, forward \d+/);
    expect(r.stdout).not.toContain('Kernels:');
    const plain = await dlc(['check', 'samples/mnist_mlp.dl']);
    expect(plain.stdout).toMatch(/Kernels: train_step \d+ dispatches, eval \d+, forward \d+; GPU memory [\d,]+ bytes\n$/);
  });

  it('writes manifest.json and the kernels it names', async () => {
    const out = join(tmp(), 'art');
    const r = await dlc(['compile', 'samples/mnist_mlp.dl', '-o', out]);
    expect(r.code).toBe(0);
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(m.format).toBe('dlc-artifact');
    const files = new Set(readdirSync(join(out, 'kernels')));
    for (const k of m.kernels) expect(files.has(k.shader)).toBe(true);
    expect(m.programs.train_step.kernels.length).toBeGreaterThan(0);
  });

  it('writes nothing for a broken file, and leaves an existing artifact untouched', async () => {
    const dir = tmp();
    const bad = join(dir, 'bad.dl');
    writeFileSync(bad, 'model m {\n  input x: f32[4]\n  y = (x -> dense(3)) + x\n  output y\n}\n');
    const fresh = join(dir, 'fresh');
    const r = await dlc(['compile', bad, '-o', fresh]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: cannot add tensors of shapes [batch, 3] and [batch, 4]');
    expect(existsSync(fresh)).toBe(false);
    const old = join(dir, 'old');
    expect((await dlc(['compile', 'samples/mnist_mlp.dl', '-o', old])).code).toBe(0);
    const before = readFileSync(join(old, 'manifest.json'), 'utf8');
    expect((await dlc(['compile', bad, '-o', old])).code).toBe(1);
    expect(readFileSync(join(old, 'manifest.json'), 'utf8')).toBe(before);
    expect(readdirSync(dir).sort()).toEqual(['bad.dl', 'old']);
  });

  it('needs -o', async () => {
    const r = await dlc(['compile', 'samples/mnist_mlp.dl']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('dlc: compile needs an output folder: -o <dir>\n');
  });
});

describe('dlc train', () => {
  // On whole batches: a compiled folder cannot compile the step of a last partial batch, which it
  // leaves out (and says so), where the .dl file trains it.
  it('trains a compiled folder from disk exactly as it trains the .dl file', async () => {
    const dir = tmp();
    expect((await dlc(['compile', 'samples/mnist_mlp.dl', '-o', join(dir, 'art')])).code).toBe(0);
    const wholeBatches = ['--train-size', String(62 * 128)];
    const fromDisk = await dlc(['train', join(dir, 'art'), '--epochs', '1', ...wholeBatches, '--out', join(dir, 'a'), '--adapter', 'gles']);
    const fromSource = await dlc(['train', 'samples/mnist_mlp.dl', '--epochs', '1', ...wholeBatches, '--out', join(dir, 'b'), '--adapter', 'gles']);
    expect(fromDisk.code, fromDisk.stderr).toBe(0);
    expect(fromSource.code, fromSource.stderr).toBe(0);
    const lossOf = (out: string) => /epoch 1\/1  loss ([\d.]+)  accuracy ([\d.]+)%/.exec(out)?.slice(1);
    expect(lossOf(fromDisk.stdout)).toBeDefined();
    expect(lossOf(fromDisk.stdout)).toEqual(lossOf(fromSource.stdout));
    expect(readFileSync(join(dir, 'a', 'weights.safetensors'))).toEqual(readFileSync(join(dir, 'b', 'weights.safetensors')));
  }, 120_000);
});

describe('dlc train --data mnist', () => {
  it('refuses a label of 3 classes before writing anything (it trained and printed a made-up accuracy)', async () => {
    const dir = tmp();
    const file = join(dir, 'm3.dl');
    writeFileSync(file, readFileSync('samples/mnist_mlp.dl', 'utf8').replace('class[10]', 'class[3]').replace('dense(10)', 'dense(3)'));
    const r = await dlc(['train', file, '--epochs', '1', '--adapter', 'gles'], { cwd: dir });
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: "dlc: the mnist digits have 10 classes, but model 'mnist_mlp' declares label input 'label' as class[3]: declare class[10] (and 10 logits)\n" });
    expect(readdirSync(dir)).toEqual(['m3.dl']);
  });
});

describe('the .dl file is read with a bound', () => {
  it('a FIFO or /dev/zero given as the program is refused at once (reading it would never end)', async () => {
    const fifo = join(mkdtempSync(join(tmpdir(), 'dlc-fifo-')), 'net.dl');
    execFileSync('mkfifo', [fifo]);
    const r = await dlc(['check', fifo], { timeoutMs: 90_000 });
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: `dlc: cannot read ${fifo}: it is a named pipe (FIFO), not a regular file\n` });
    const zero = await dlc(['check', '/dev/zero'], { timeoutMs: 90_000 });
    expect(zero).toMatchObject({ code: 1, stderr: 'dlc: cannot read /dev/zero: it is a character device, not a regular file\n' });
  });
});

describe('user errors never print a stack trace', () => {
  const cases: [string, string[], string][] = [
    ['a missing file', ['check', 'nope.dl'], 'dlc: cannot read nope.dl: no such file\n'],
    ['a directory', ['check', 'samples'], 'dlc: cannot read samples: it is a directory\n'],
    ['an unknown command', ['frobnicate', 'x.dl'], "dlc: unknown command 'frobnicate'"],
    ['a bad flag value', ['train', 'samples/mnist_mlp.dl', '--epochs', 'many'], "dlc: --epochs must be an integer ≥ 1, got 'many'\n"],
    ['an unknown flag', ['check', 'samples/mnist_mlp.dl', '--fast'], "dlc: unknown option '--fast' (dlc --help lists the options)\n"],
    ['a misspelt flag', ['train', 'samples/mnist_mlp.dl', '--epoch', '1'], "dlc: unknown option '--epoch'; did you mean '--epochs'? (dlc --help lists the options)\n"],
    ['an unknown data set', ['train', 'samples/mnist_mlp.dl', '--data', 'cifar'], "dlc: unknown data set 'cifar' (built in: mnist, mnist-rows, spam; or a .csv, .npy, .npz or IDX file, or a folder of .png images (or of text) per class)\n"],
    ['a folder that is not an artifact', ['train', 'test'], 'dlc: cannot read test/manifest.json: no such file (is this a folder written by dlc compile?)\n'],
    ['a bad adapter', ['train', 'samples/mnist_mlp.dl', '--adapter', 'cuda', '--epochs', '1'], "dlc: --adapter must be one of vulkan, gles, auto, got 'cuda'\n"],
  ];
  for (const [what, args, start] of cases) {
    it(`for ${what}`, async () => {
      const r = await dlc(args);
      expect(r.code).toBe(1);
      expect(r.stderr.startsWith(start), r.stderr).toBe(true);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stderr).not.toContain('internal error');
    });
  }
});
