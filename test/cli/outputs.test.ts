// No output path loses data: `dlc compile -o` replaces only its own files, no command replaces a
// link, folder, pipe or one of its inputs, and each failure is one line naming the user's path.
import { spawnSync } from 'node:child_process';
import { copyFileSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dlc, type CliRun } from '../helpers/cli.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'dlc-out-'));
const ENV = { DLC_ADAPTER: 'gles' };

/** Every file under `dir` (links as their target text) with its bytes, to compare before and after. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const s = lstatSync(p);
      if (s.isDirectory()) walk(p);
      else files[relative(dir, p)] = s.isFile() ? readFileSync(p).toString('base64') : `${s.mode.toString(8)}`;
    }
  };
  walk(dir);
  return files;
}

/** A user error: exactly this one line on stderr, exit code 1. */
function refused(r: CliRun, message: string): void {
  expect(r.stderr).toBe(`dlc: ${message}\n`);
  expect(r.code).toBe(1);
}

const kernelsOf = (dir: string): string[] => [...new Set<string>(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).kernels.map((k: { shader: string }) => k.shader))].sort();

describe('dlc compile -o into a folder', () => {
  it('replaces only manifest.json and its kernels: weights, checkpoints, histories and other files stay byte-identical', async () => {
    const dir = join(tmp(), 'art');
    expect((await dlc(['compile', 'samples/blobs.dl', '-o', dir])).code).toBe(0);
    const blobsKernels = kernelsOf(dir);
    writeFileSync(join(dir, 'weights.safetensors'), 'trained weights');
    writeFileSync(join(dir, 'checkpoint.safetensors'), 'checkpoint');
    writeFileSync(join(dir, 'history.json'), '[]');
    mkdirSync(join(dir, 'notes'));
    writeFileSync(join(dir, 'notes', 'todo.txt'), 'mine');
    writeFileSync(join(dir, 'kernels', 'README.txt'), 'not a kernel dlc wrote');
    const before = snapshot(dir);
    const r = await dlc(['compile', 'samples/mnist_mlp.dl', '-o', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const after = snapshot(dir);
    for (const keep of ['weights.safetensors', 'checkpoint.safetensors', 'history.json', 'notes/todo.txt', 'kernels/README.txt']) expect(after[keep]).toBe(before[keep]);
    // The old artifact's kernels are gone, the new ones are all there, and nothing else was added.
    const mlpKernels = kernelsOf(dir);
    expect(mlpKernels.some((k) => blobsKernels.includes(k))).toBe(false);
    expect(readdirSync(join(dir, 'kernels')).sort()).toEqual([...mlpKernels, 'README.txt'].sort());
    expect(readdirSync(dir).sort()).toEqual(['checkpoint.safetensors', 'history.json', 'kernels', 'manifest.json', 'notes', 'weights.safetensors']);
  });

  it('compile, train DIR --out DIR, recompile: the trained weights, checkpoint and history survive and still load', async () => {
    const dir = join(tmp(), 'art');
    expect((await dlc(['compile', 'samples/blobs.dl', '-o', dir])).code).toBe(0);
    const train = await dlc(['train', dir, '--data', 'samples/blobs.csv', '--epochs', '1', '--out', dir], { env: ENV });
    expect(train.code, train.stderr).toBe(0);
    const trained = snapshot(dir);
    const recompile = await dlc(['compile', 'samples/blobs.dl', '-o', dir]);
    expect(recompile.code, recompile.stderr).toBe(0);
    const after = snapshot(dir);
    for (const f of ['weights.safetensors', 'checkpoint.safetensors', 'history.json', 'history.csv', 'history.svg']) {
      expect(after[f], f).toBeDefined();
      expect(after[f], f).toBe(trained[f]);
    }
    const ev = await dlc(['eval', dir, '--weights', join(dir, 'weights.safetensors'), '--data', 'samples/blobs.csv'], { env: ENV });
    expect(ev.code, ev.stderr).toBe(0);
  }, 120_000);

  it('refuses a non-empty folder that holds no dlc artifact, touching nothing; --force writes only its own files there', async () => {
    const dir = join(tmp(), 'mine');
    mkdirSync(dir);
    writeFileSync(join(dir, 'thesis.tex'), 'years of work');
    const before = snapshot(dir);
    refused(await dlc(['compile', 'samples/blobs.dl', '-o', dir]), `${dir} is not empty and holds no dlc artifact; choose another -o, or add --force to write manifest.json and kernels/ into it (nothing else is touched)`);
    expect(snapshot(dir)).toEqual(before);
    const forced = await dlc(['compile', 'samples/blobs.dl', '-o', dir, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['kernels', 'manifest.json', 'thesis.tex']);
    expect(readFileSync(join(dir, 'thesis.tex'), 'utf8')).toBe('years of work');
  });

  it('a file in the way of the folder, a linked manifest.json, /proc: one line each, nothing changed', async () => {
    const base = tmp();
    writeFileSync(join(base, 'file'), 'keep');
    refused(await dlc(['compile', 'samples/blobs.dl', '-o', join(base, 'file')]), `cannot create the output folder ${base}/file: a file is in the way`);
    // A manifest.json that links elsewhere: the new kernels written before it are taken back out.
    const art = join(base, 'art');
    expect((await dlc(['compile', 'samples/blobs.dl', '-o', art])).code).toBe(0);
    writeFileSync(join(base, 'elsewhere.json'), 'not dlc');
    unlinkSync(join(art, 'manifest.json'));
    symlinkSync(join(base, 'elsewhere.json'), join(art, 'manifest.json'));
    const before = snapshot(base);
    refused(await dlc(['compile', 'samples/mnist_mlp.dl', '-o', art, '--force']), `cannot write ${art}/manifest.json: it is a symbolic link; dlc replaces only regular files`);
    expect(snapshot(base)).toEqual(before);
    const started = Date.now();
    refused(await dlc(['compile', 'samples/blobs.dl', '-o', '/proc/dlc-out'], { timeoutMs: 90_000 }), 'cannot create the output folder /proc/dlc-out: the folder /proc does not accept new folders');
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('removes temporary files that a killed writer left in the folder, and no other file', async () => {
    const dir = join(tmp(), 'art');
    expect((await dlc(['compile', 'samples/blobs.dl', '-o', dir])).code).toBe(0);
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const stale = `manifest.json.tmp-${dead}-0123456789ab`;
    const hourAgo = new Date(Date.now() - 3600_000);
    for (const f of [stale, 'notes.tmp-1']) {
      writeFileSync(join(dir, f), 'x');
      utimesSync(join(dir, f), hourAgo, hourAgo);
    }
    expect((await dlc(['compile', 'samples/blobs.dl', '-o', dir])).code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['kernels', 'manifest.json', 'notes.tmp-1']);
  });
});

describe('special files and inputs as outputs', () => {
  it('viz -o refuses a symbolic link, a folder and a named pipe (at once, no hang), leaving each as it was', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'real.dot'), 'mine');
    symlinkSync('real.dot', join(dir, 'link.dot'));
    mkdirSync(join(dir, 'folder.dot'));
    expect(spawnSync('mkfifo', [join(dir, 'pipe.dot')]).status).toBe(0);
    const before = snapshot(dir);
    for (const [name, kind] of [['link.dot', 'a symbolic link'], ['folder.dot', 'a folder'], ['pipe.dot', 'a named pipe (FIFO)']]) {
      refused(await dlc(['viz', 'samples/blobs.dl', '-o', join(dir, name!)], { timeoutMs: 90_000 }), `cannot write ${dir}/${name}: it is ${kind}; dlc replaces only regular files`);
    }
    expect(snapshot(dir)).toEqual(before);
    expect(lstatSync(join(dir, 'link.dot')).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(dir, 'pipe.dot')).isFIFO()).toBe(true);
  });

  it('viz -o a character device writes into it and it stays a device; /dev/stdout is the command\'s output; /dev/full is full', async () => {
    let device = '/dev/null';
    if (process.getuid?.() === 0) {
      // As root a regression would turn the machine's /dev/null into a file: use a private one.
      device = join(tmp(), 'null');
      expect(spawnSync('mknod', [device, 'c', '1', '3']).status).toBe(0);
    }
    const r = await dlc(['viz', 'samples/blobs.dl', '-o', device, '--format', 'dot']);
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(device).isCharacterDevice()).toBe(true);
    expect(statSync(device).rdev).toBe(statSync('/dev/null').rdev);
    const toStdout = await dlc(['viz', 'samples/blobs.dl', '-o', '/dev/stdout', '--format', 'mermaid']);
    expect(toStdout.code, toStdout.stderr).toBe(0);
    expect(toStdout.stdout).toBe((await dlc(['viz', 'samples/blobs.dl', '--format', 'mermaid'])).stdout);
    refused(await dlc(['viz', 'samples/blobs.dl', '-o', '/dev/full', '--format', 'dot']), 'cannot write /dev/full: no space left on device');
  });

  it('no command writes over its own input: viz over its .dl, predict over its --data, train over its --data', async () => {
    const dir = tmp();
    const net = join(dir, 'net.dl');
    copyFileSync('samples/blobs.dl', net);
    const data = join(dir, 'data.csv');
    copyFileSync('samples/blobs.csv', data);
    const before = snapshot(dir);
    refused(await dlc(['viz', net, '-o', net, '--format', 'dot']), `cannot write ${net}: it is the .dl file ${net}, which this command reads; choose another output`);
    refused(await dlc(['predict', net, '--weights', join(dir, 'w.safetensors'), '--data', data, '--out', data], { env: ENV }),
      `cannot write ${data}: it is the --data file ${data}, which this command reads; choose another output`);
    // Training would write history.csv into --out: refused before any epoch runs.
    const run = join(dir, 'run');
    mkdirSync(run);
    copyFileSync(data, join(run, 'history.csv'));
    const train = await dlc(['train', net, '--data', join(run, 'history.csv'), '--out', run, '--epochs', '1'], { env: ENV });
    refused(train, `cannot write ${run}/history.csv: it is the --data file ${run}/history.csv, which this command reads; choose another output`);
    expect(train.stdout).toBe('');
    expect(readFileSync(join(run, 'history.csv'))).toEqual(readFileSync(data));
    const after = snapshot(dir);
    for (const k of Object.keys(after)) if (k.startsWith('run/')) delete after[k];
    expect(after).toEqual(before);
  });

  it('train refuses a linked weights file before training, and an --out under /proc fails at once', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'elsewhere'), 'keep');
    symlinkSync(join(dir, 'elsewhere'), join(dir, 'weights.safetensors'));
    const r = await dlc(['train', 'samples/blobs.dl', '--data', 'samples/blobs.csv', '--out', dir, '--epochs', '1'], { env: ENV });
    refused(r, `cannot write ${dir}/weights.safetensors: it is a symbolic link; dlc replaces only regular files`);
    expect(r.stdout).toBe('');
    expect(readFileSync(join(dir, 'elsewhere'), 'utf8')).toBe('keep');
    refused(await dlc(['train', 'samples/blobs.dl', '--data', 'samples/blobs.csv', '--out', '/proc/dlc-run', '--epochs', '1'], { env: ENV, timeoutMs: 60_000 }),
      'cannot create the output folder /proc/dlc-run: the folder /proc does not accept new folders');
  }, 120_000);
});
