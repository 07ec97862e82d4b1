// The file fuzzers' harness can fail, and does not fail on good input: the sandbox kills a hang and
// refuses a huge allocation, deadlines tell a busy or blocked process from a starved one, the judge tells a crash from a user error and a clean message from a
// raw one, the snapshot sees a write outside --out, and every valid generated artifact and data
// file passes all checks (in the sandbox, and through dlc on the real adapter).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { changesOutside, checkedDlc, snapshot } from '../../scripts/fuzz-cli.ts';
import { digestProblems } from '../../scripts/fuzz-digests.ts';
import { makeDataCase, type DataFormat } from '../../scripts/fuzz-data-files.ts';
import { encode } from '../../scripts/fuzz-data-mutations.ts';
import { failureLine, rerunCommand, writeFailure } from '../../scripts/fuzz-failures.ts';
import { sampleModels, writeArtifactFolder } from '../../scripts/fuzz-models.ts';
import { inputRng } from '../../scripts/fuzz-mutate.ts';
import { cliProblem, errorProblem, messageProblem, probeProblems } from '../../scripts/fuzz-oracle.ts';
import { probeLimits, Sandbox } from '../../scripts/fuzz-sandbox.ts';
import { ALLOCATION_LIMIT } from '../../scripts/fuzz-probes.ts';
import { placeHazard } from '../../scripts/fuzz-run.ts';
import { watchProcess, type WatchLimits, type WatchVerdict } from '../../scripts/fuzz-watch.ts';

const tmp = mkdtempSync(join(tmpdir(), 'dlc-fuzz-harness-'));
const sandbox = new Sandbox();
afterAll(() => {
  sandbox.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('fuzz sandbox', () => {
  it('kills a probe that never answers at its deadline, then answers the next one', async () => {
    const hang = await sandbox.run({ kind: 'spin' }, probeLimits(1500));
    expect(hang.status).toBe('stopped');
    expect(probeProblems(hang, probeLimits(1500)).map((p) => p.problem)).toEqual(['hang: busy past 1.5 s of CPU time']);
    const next = await sandbox.run({ kind: 'throw', name: 'DataError', message: 'x.csv:2: bad' }, probeLimits(10_000));
    expect(next.status).toBe('error');
    expect(probeProblems(next, probeLimits(10_000))).toEqual([]);
    expect(sandbox.starts).toBe(2);
  }, 30_000);
  it('refuses an allocation past the bound before making it, and measures what a probe made', async () => {
    const huge = await sandbox.run({ kind: 'allocate', bytes: ALLOCATION_LIMIT + 1 }, probeLimits(10_000));
    expect(probeProblems(huge, probeLimits(10_000)).map((p) => p.problem)).toEqual(["memory: allocation past the bound at no frame of dlc's"]);
    const some = await sandbox.run({ kind: 'allocate', bytes: 100 * 2 ** 20 }, probeLimits(10_000));
    expect(some.status).toBe('ok');
    expect(some.status === 'ok' && some.peakBytes).toBeGreaterThan(90 * 2 ** 20);
  }, 30_000);
  it("reports a thrown TypeError as a crash, placed at dlc's first frame (none here: the harness threw it)", async () => {
    const o = await sandbox.run({ kind: 'throw', name: 'TypeError', message: "Cannot read properties of undefined (reading 'x')" }, probeLimits(10_000));
    expect(probeProblems(o, probeLimits(10_000)).map((p) => p.problem)).toEqual(["crash: TypeError at no frame of dlc's"]);
  }, 30_000);
});

describe('fuzz deadlines', () => {
  /** The verdict on `node -e code`, watched with `limits`. */
  const verdictOn = (code: string, limits: Partial<WatchLimits>): Promise<WatchVerdict | undefined> => new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
    let verdict: WatchVerdict | undefined;
    const stop = watchProcess(child.pid!, { cpuMs: 60_000, wallMs: 60_000, hardMs: 60_000, rssBytes: 2 ** 40, ...limits }, () => child.kill('SIGKILL'), (v) => { verdict = v; });
    child.on('close', () => {
      stop();
      resolve(verdict);
    });
  });
  it('counts CPU time from the start of the watch: what a reused process spent before is not held against it', async () => {
    // Busy for 1 s of CPU time, then says so and idles; watched from then with a 500 ms CPU budget.
    const child = spawn(process.execPath, ['-e', 'while (process.cpuUsage().user < 1e6); console.log("spent"); setTimeout(() => {}, 1500)'], { stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise((resolve) => child.stdout.once('data', resolve));
    let verdict: WatchVerdict | undefined;
    const stop = watchProcess(child.pid!, { cpuMs: 500, wallMs: 60_000, hardMs: 60_000, rssBytes: 2 ** 40 }, () => child.kill('SIGKILL'), (v) => { verdict = v; });
    await new Promise((resolve) => child.on('close', resolve));
    stop();
    expect(verdict).toBeUndefined();
  }, 60_000);
  it('stops a busy loop by its CPU time, a blocked read by its wall time, and a memory hog by its size', async () => {
    expect((await verdictOn('for (;;);', { cpuMs: 300 }))?.why).toBe('cpu');
    const fifo = join(tmp, 'fifo');
    placeHazard(fifo, 'fifo');
    expect((await verdictOn(`require('fs').readFileSync(${JSON.stringify(fifo)})`, { wallMs: 500 }))?.why).toBe('blocked');
    expect((await verdictOn('const b = Buffer.alloc(300e6, 1); setTimeout(() => {}, 20000)', { rssBytes: 200e6 }))?.why).toBe('memory');
    expect(await verdictOn('setTimeout(() => {}, 100)', { cpuMs: 5000, wallMs: 5000 })).toBeUndefined();
  }, 60_000);
  it('watches the process with its children: a supervisor whose child works is not blocked, and a busy child is stopped with it', async () => {
    // The parent idles while its child computes for 2 s, as `dlc train` supervises its GPU child.
    const working = `require('child_process').spawn(process.execPath, ['-e', 'const t = Date.now(); while (Date.now() - t < 2000);'], { stdio: 'ignore' })`;
    expect(await verdictOn(working, { wallMs: 300 })).toBeUndefined();
    // A child in an endless loop: the tree's CPU time passes the budget, and the child dies too.
    const spinning = spawn(process.execPath, ['-e', `const c = require('child_process').spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore' }); console.log(c.pid); setInterval(() => {}, 1000)`], { stdio: ['ignore', 'pipe', 'ignore'] });
    const childPid = Number(await new Promise<string>((resolve) => spinning.stdout.once('data', (d: Buffer) => resolve(d.toString()))));
    let verdict: WatchVerdict | undefined;
    const stop = watchProcess(spinning.pid!, { cpuMs: 300, wallMs: 60_000, hardMs: 60_000, rssBytes: 2 ** 40 }, () => spinning.kill('SIGKILL'), (v) => { verdict = v; });
    await new Promise((resolve) => spinning.on('close', resolve));
    stop();
    expect(verdict?.why).toBe('cpu');
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Gone, or a zombie waiting for init to reap it: either way no longer running.
    const state = (() => { try { const st = readFileSync(`/proc/${childPid}/stat`, 'utf8'); return st[st.lastIndexOf(')') + 2]; } catch { return 'gone'; } })();
    expect(['gone', 'Z']).toContain(state);
  }, 60_000);
});

describe('fuzz judge', () => {
  it('accepts user errors with one clean line; anything else is a crash or a message problem', () => {
    expect(errorProblem({ name: 'DataError', message: 'a.csv:3: column \'x\': \'\\e[2J\' is not a number' })).toBeNull();
    expect(errorProblem({ name: 'Error', message: 'ENOENT', code: 'ENOENT', path: '/x' })).toBeNull();
    expect(errorProblem({ name: 'RangeError', message: 'Offset is outside the bounds of the DataView', stack: 'RangeError: x\n    at DataView.getUint32 (<anonymous>)\n    at parseNpz (file:///w/runtime/data/npz-node.ts:41:9)' }))
      .toBe('crash: RangeError at runtime/data/npz-node.ts:41');
    expect(messageProblem('a.csv:3: \u001b[2J')).toBe('message: raw control character U+001b');
    expect(messageProblem('a\nb')).toBe('message: more than one line');
    expect(messageProblem('x'.repeat(20_000))).toBe('message: longer than 10000 characters');
    expect(messageProblem('\u202ecat')).toBe('message: raw control character U+202e');
  });
  it('bounds a reader\'s memory rise, beyond what the input legitimately inflates to', () => {
    const read = { status: 'error' as const, ms: 10, peakBytes: 700 * 2 ** 20, error: { name: 'DataError', message: 'z.npz:y: 134217696 labels for 4 samples' } };
    expect(probeProblems(read, probeLimits(10_000)).map((p) => p.detail)).toEqual(['rose by 700 MiB (bound 512 MiB)']);
    expect(probeProblems(read, probeLimits(10_000), 512 * 2 ** 20)).toEqual([]);
    expect(probeProblems({ ...read, peakBytes: 1100 * 2 ** 20 }, probeLimits(10_000), 512 * 2 ** 20).map((p) => p.detail)).toEqual(['rose by 1100 MiB (bound 1024 MiB: 512 MiB and the 512 MiB the input expands to)']);
  });
  it('wants dlc to exit 0, or 1 with one "dlc: " line, in time', () => {
    const ok = { code: 1, signal: null, stderr: 'Warning: maxDynamicUniformBuffersPerPipelineLayout\ndlc: x.npz: truncated\n' };
    expect(cliProblem(ok)).toBeNull();
    expect(cliProblem({ ...ok, stderr: 'dlc: internal error (a bug in dlc, please report it): TypeError: x\n    at f (file:///w/cli/data.ts:3:1)\n' })).toBe('crash: internal error at cli/data.ts:3');
    expect(cliProblem({ ...ok, stopped: 'hang: busy past 60 s of CPU time' })).toBe('hang: busy past 60 s of CPU time (dlc)');
    expect(cliProblem({ ...ok, code: null, signal: 'SIGSEGV' })).toBe('crash: dlc killed by SIGSEGV');
    expect(cliProblem({ ...ok, stderr: 'dlc: creating the kernels failed: x\n - While validating y\n' })).toBe('message: more than one line');
    expect(cliProblem({ ...ok, stderr: 'Error: x\n' })).toBe("cli: stderr does not start with 'dlc: '");
  });
  it('sees every change outside --out and none inside it', () => {
    const root = join(tmp, 'snap');
    mkdirSync(join(root, 'out'), { recursive: true });
    writeFileSync(join(root, 'data.csv'), 'a');
    writeFileSync(join(root, 'gone'), 'b');
    const before = snapshot(root);
    writeFileSync(join(root, 'out', 'weights.safetensors'), 'w');
    writeFileSync(join(root, 'data.csv'), 'A');
    writeFileSync(join(root, 'out.tmp-1'), 'half');
    rmSync(join(root, 'gone'));
    expect(changesOutside(before, snapshot(root), 'out').sort()).toEqual(['changed data.csv', 'created out.tmp-1', 'removed gone']);
  });
});

describe('the samples inputs are made from', () => {
  it('a named list chooses them in name order, an unknown name is refused, and a failure\'s rerun names the list', () => {
    expect(sampleModels(['regression', 'blobs']).map((m) => m.name)).toEqual(['blobs', 'regression']);
    expect(sampleModels().map((m) => m.name)).toContain('mnist_mlp');
    expect(() => sampleModels(['blobs', 'nope'])).toThrow(/^no sample named nope \(samples: binary, blobs, /);
    const f = { kind: 'data' as const, seed: 1, index: 7, class: 'crash: x', detail: '', recipe: '', files: {} };
    expect(rerunCommand(f)).toBe('npm run fuzz -- --kind data --seed 1 --index 7');
    expect(rerunCommand({ ...f, models: ['blobs', 'regression'] })).toBe('npm run fuzz -- --kind data --seed 1 --index 7 --models blobs,regression');
  });
});

describe('the artifact oracle checks kernel texts against kernelSha256', () => {
  it('a changed text is a problem; a kernel name of 64 hex digits is not a digest', () => {
    const { manifest, shaders } = sampleModels(['blobs'])[0]!.artifact;
    expect(digestProblems({ manifest, shaders })).toEqual([]);
    const k = manifest.kernels[0]!;
    const renamed = { ...manifest, kernels: manifest.kernels.map((x, i) => (i === 0 ? { ...x, name: 'a'.repeat(64) } : x)) };
    expect(digestProblems({ manifest: renamed, shaders })).toEqual([]);
    const changed = { ...shaders, [k.shader]: `${shaders[k.shader]}\n// edited` };
    // Every kernel that runs that shader file is named.
    const users = manifest.kernels.filter((x) => x.shader === k.shader).map((x) => `accepted: kernel '${x.name}' whose text does not match kernelSha256`);
    expect(users.length).toBeGreaterThan(0);
    expect(digestProblems({ manifest, shaders: changed })).toEqual(users);
  });
});

describe('valid generated inputs pass every check', () => {
  it('every sample artifact loads with no problem', async () => {
    for (const m of sampleModels()) {
      const dir = join(tmp, `artifact-${m.name}`);
      writeArtifactFolder(dir, { manifestText: JSON.stringify(m.artifact.manifest), shaders: m.artifact.shaders });
      const o = await sandbox.run({ kind: 'artifact', dir }, probeLimits(10_000));
      expect([m.name, o.status, probeProblems(o, probeLimits(10_000))]).toEqual([m.name, 'ok', []]);
    }
  }, 60_000);
  it('every data format of every sample reads back to samples, weights or a checkpoint that fit the model', async () => {
    const formats: DataFormat[] = ['csv', 'npy', 'npz', 'idx', 'weights', 'checkpoint'];
    for (const m of sampleModels()) {
      for (const f of formats) {
        const c = makeDataCase(m, f, 3, inputRng(7, formats.indexOf(f)));
        const dir = join(tmp, `data-${m.name}-${f}`);
        mkdirSync(dir);
        writeFileSync(join(dir, c.name), encode(c));
        if (c.labels) writeFileSync(join(dir, c.labels.name), c.labels.bytes);
        const path = join(dir, c.name);
        const manifest = m.artifact.manifest;
        const probe = f === 'weights' || f === 'checkpoint'
          ? { kind: f, path, manifest }
          : { kind: 'samples' as const, path, manifest, opts: { ...c.opts, ...(c.opts.labels ? { labels: join(dir, c.opts.labels) } : {}) }, labelsOptional: false };
        const o = await sandbox.run(probe, probeLimits(10_000));
        expect([m.name, f, o.status, probeProblems(o, probeLimits(10_000))], JSON.stringify(o).slice(0, 600)).toEqual([m.name, f, 'ok', []]);
      }
    }
  }, 60_000);
  it('a valid artifact, weights and data run through dlc predict on the real adapter, writing only --out', async () => {
    const m = sampleModels().find((s) => s.name === 'blobs')!;
    const root = join(tmp, 'cli');
    writeArtifactFolder(join(root, 'artifact'), { manifestText: JSON.stringify(m.artifact.manifest), shaders: m.artifact.shaders });
    writeFileSync(join(root, 'data.npz'), encode(makeDataCase(m, 'npz', 40, inputRng(1, 1))));
    writeFileSync(join(root, 'w.safetensors'), m.weights);
    mkdirSync(join(root, 'out'));
    const args = ['predict', 'artifact', '--data', 'data.npz', '--weights', 'w.safetensors', '--out', 'out/p.csv'];
    expect(await checkedDlc(args, root, 'out', 60_000)).toBeNull();
    expect(readFileSync(join(root, 'out', 'p.csv'), 'utf8').split('\n')[0]).toBe('class,p0,p1,p2');
  }, 120_000);
});

describe('fuzz failure reports', () => {
  it('print one printable line and keep the input with the command that reruns it', () => {
    const f = { kind: 'data' as const, seed: 3, index: 17, class: 'message: raw control character U+001b', detail: 'x.csv: \u001b[2J', recipe: 'blobs, data.csv; "\\u001b[2J" in row 2', files: { 'data.csv': 'a,b\n\u001b[2J,1\n' } };
    expect(failureLine(f)).toBe('data seed 3 #17 [message: raw control character U+001b] blobs, data.csv; "\\u001b[2J" in row 2');
    const dir = writeFailure(join(tmp, 'failures'), f);
    expect(readFileSync(join(dir, 'input', 'data.csv'), 'utf8')).toBe(f.files['data.csv']);
    expect(readFileSync(join(dir, 'failure.txt'), 'utf8')).toContain('rerun: npm run fuzz -- --kind data --seed 3 --index 17\n');
  });
});
