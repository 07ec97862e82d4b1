// dlc as a user gets it: `npm pack`, the tarball installed offline into a fresh project, then
// (a) a plain .mjs compiles a program and trains 3 steps on the Dawn adapter, (b) strict TypeScript
// consumers of `dlc` and `dlc/browser` type-check against the published declarations, (c) esbuild
// bundles `dlc/browser` for a page with no Node module, (d) `npx dlc` runs from the installed package,
// (e) `dlc/infer` type-checks and bundles without the compiler.
// One pack and one install serve the four tests.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, run, type CliRun } from '../helpers/cli.ts';

interface LockEntry { version: string; dev?: boolean; devOptional?: boolean; [field: string]: unknown }
interface PackInfo { filename: string; size: number; unpackedSize: number; entryCount: number }

const TIMEOUT = 240_000;
let dir = '';
let app = '';
let pack: PackInfo;

/** Fails with the command's output, so a failing step shows why. */
function ok(r: CliRun, what: string): CliRun {
  if (r.code !== 0) throw new Error(`${what} exited with ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

/**
 * The consumer's lockfile: dlc from the tarball, its dependencies at the versions the repo's lockfile
 * holds (the entries not marked dev), with their registry URLs. `npm ci --offline` then takes every
 * tarball from the npm cache that installing this repo filled, with no registry metadata needed.
 */
function consumerLock(tarball: string): object {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  const repo = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const integrity = `sha512-${createHash('sha512').update(readFileSync(join(app, tarball))).digest('base64')}`;
  const packages: Record<string, object> = {
    '': { name: 'consumer', dependencies: { dlc: `file:${tarball}` } },
    'node_modules/dlc': {
      version: pkg.version, resolved: `file:${tarball}`, integrity, license: pkg.license, bin: pkg.bin, engines: pkg.engines,
      dependencies: pkg.dependencies, peerDependencies: pkg.peerDependencies, peerDependenciesMeta: pkg.peerDependenciesMeta,
    },
  };
  for (const [path, entry] of Object.entries(repo.packages)) {
    if (path === '' || entry.dev || entry.devOptional) continue;
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    packages[path] = { ...entry, resolved: `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${entry.version}.tgz` };
  }
  return { name: 'consumer', lockfileVersion: 3, requires: true, packages };
}

/** Bytes under a folder, symlinks not followed. */
function folderBytes(path: string): number {
  let total = 0;
  for (const name of readdirSync(path)) {
    const p = join(path, name);
    const s = statSync(p, { throwIfNoEntry: false });
    if (!s) continue;
    total += s.isDirectory() ? folderBytes(p) : s.size;
  }
  return total;
}

const TRAIN_MJS = `import { compile, formatDiagnostics, openDevice, DeviceUnavailableError, Session } from 'dlc';

const source = \`model tiny {
  input x: f32[4]
  input label: class[3]
  logits = x -> dense(8) -> relu -> dense(3)
  output logits
}
train tiny {
  loss = cross_entropy(logits, label)
  optimizer = adam(lr: 0.01)
  batch = 8
  seed = 1
}\`;
const { artifact, diagnostics } = compile(source, { file: 'tiny.dl' });
if (!artifact) throw new Error(formatDiagnostics(diagnostics, source));
let gpu;
try {
  gpu = await openDevice();
} catch (err) {
  if (!(err instanceof DeviceUnavailableError)) throw err;
  console.log(JSON.stringify({ unavailable: err.message }));
}
if (gpu) {
  try {
    const session = await Session.create(artifact, gpu.device);
    const x = new Float32Array(8 * 4).map((_, i) => Math.sin(i));
    const label = new Int32Array(8).map((_, i) => i % 3);
    const losses = [];
    for (let step = 0; step < 3; step++) losses.push(await session.trainStep({ x, label }, { readLoss: true }));
    session.dispose();
    console.log(JSON.stringify({ adapter: gpu.adapterKind, losses }));
  } finally {
    gpu.destroy();
  }
}
`;

const NODE_CONSUMER = `import { compile, loadMnist, MnistMissingError, openDevice, Session, type Artifact, type Diagnostic, type EpochResult } from 'dlc';

const result = compile('model m {\\n input x: f32[2]\\n output x\\n}', { file: 'm.dl' });
const artifact: Artifact | undefined = result.artifact;
const diagnostics: Diagnostic[] = result.diagnostics;
export async function step(): Promise<number | undefined> {
  if (!artifact) return undefined;
  const gpu = await openDevice('auto');
  const session = await Session.create(artifact, gpu.device);
  return session.trainStep({ x: new Float32Array(2) }, { readLoss: true });
}
export const data = (): number => { try { return loadMnist().train.count; } catch (e) { if (e instanceof MnistMissingError) return 0; throw e; } };
export const firstLine = diagnostics[0]?.message;
export type Epoch = EpochResult;
`;

const BROWSER_CONSUMER = `import { browserDevice, compile, decodeSafetensors, Session, trainEpochs, type DeviceHandle } from 'dlc/browser';

const { artifact } = compile('model m {\\n input x: f32[2]\\n output x\\n}', { file: 'm.dl' });
export async function open(): Promise<DeviceHandle | undefined> {
  const gpu = await browserDevice();
  if (artifact) await Session.create(artifact, gpu.device);
  return gpu;
}
export const train = trainEpochs;
export const weights = (bytes: Uint8Array): number => decodeSafetensors(bytes).tensors.size;
`;

const INFER_CONSUMER = `import { fetchInferenceFiles, InferenceModel, type InferenceManifest } from 'dlc/infer';

export async function run(device: GPUDevice, url: string): Promise<number> {
  const model = await InferenceModel.create(device, await fetchInferenceFiles(url));
  const m: InferenceManifest = model.manifest;
  const out = await model.predict({ [m.inputs[0]!.name]: new Float32Array(m.inputs[0]!.shape.reduce((a, b) => a * b, 1)) }, 1);
  model.dispose();
  return Object.keys(out).length;
}
`;

/** The flags a strict consumer uses; declarations must pass them without skipLibCheck. */
const STRICT = { strict: true, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, skipLibCheck: false, noEmit: true, target: 'ES2022' };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dlc-package-'));
  app = join(dir, 'app');
  mkdirSync(app);
  const packed = ok(await run('npm', ['pack', '--json', '--pack-destination', app], { timeoutMs: TIMEOUT }), 'npm pack');
  const json = packed.stdout.slice(packed.stdout.search(/^\[/m));
  pack = (JSON.parse(json) as PackInfo[])[0]!;
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { dlc: `file:${pack.filename}` } }, null, 2));
  writeFileSync(join(app, 'package-lock.json'), JSON.stringify(consumerLock(pack.filename), null, 2));
  ok(await run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: app, timeoutMs: TIMEOUT }), 'npm ci --offline (the consumer)');
  console.log(`package: ${pack.filename}, ${pack.entryCount} files, ${(pack.size / 1e3).toFixed(0)} kB packed, ${(pack.unpackedSize / 1e3).toFixed(0)} kB unpacked; installed node_modules ${(folderBytes(join(app, 'node_modules')) / 1e6).toFixed(0)} MB`);
}, TIMEOUT);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.concurrent('the packed package, installed in a fresh project', () => {
  it('holds compiled JavaScript and declarations, no TypeScript source, and no dev-only package', () => {
    const dlc = join(app, 'node_modules', 'dlc');
    const files = (function walk(d: string): string[] {
      return readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [relative(dlc, join(d, n))]));
    })(dlc);
    expect(files).toContain(join('dist', 'index.js'));
    expect(files).toContain(join('dist', 'browser.d.ts'));
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('test') || f.startsWith('demo') || f.startsWith('bench'))).toEqual([]);
    for (const dev of ['tsx', 'mnist', 'typescript', 'vitest']) expect(existsSync(join(app, 'node_modules', dev)), dev).toBe(false);
    // The parser's chevrotain is bundled into one file with only the lodash functions it calls: it imports nothing.
    const parserLib = readFileSync(join(dlc, 'dist', 'dsl', 'chevrotain.js'), 'utf8');
    expect(parserLib).toMatch(/export ?\{CstParser, ?EOF, ?Lexer, ?createToken, ?tokenLabel\w* as tokenLabel, ?tokenMatcher\}/);
    expect(parserLib.match(/^import\b|\bfrom\s*["'][^."']|\bimport\(/gm)).toBeNull();
  });

  it('(a) a plain .mjs imports dlc, compiles a program and trains 3 steps on the Dawn adapter', async () => {
    writeFileSync(join(app, 'train.mjs'), TRAIN_MJS);
    const r = ok(await run(process.execPath, ['train.mjs'], { cwd: app, timeoutMs: TIMEOUT }), 'node train.mjs');
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { unavailable?: string; adapter?: string; losses?: number[] };
    if (out.unavailable !== undefined) {
      if (process.env.CI) throw new Error(`no adapter under CI: ${out.unavailable}`);
      console.warn(`package GPU test skipped: ${out.unavailable}`);
      return;
    }
    expect(out.losses).toHaveLength(3);
    for (const loss of out.losses!) expect(Number.isFinite(loss)).toBe(true);
    expect(out.losses![2]).toBeLessThan(out.losses![0]!);
  }, TIMEOUT);

  it('(b) strict TypeScript consumers of dlc (Node) and dlc/browser (no Node types) type-check', async () => {
    writeFileSync(join(app, 'node-consumer.ts'), NODE_CONSUMER);
    writeFileSync(join(app, 'page-consumer.ts'), BROWSER_CONSUMER);
    const node = { compilerOptions: { ...STRICT, lib: ['ES2022', 'DOM'], module: 'NodeNext', moduleResolution: 'NodeNext', types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')] }, files: ['node-consumer.ts'] };
    const page = { compilerOptions: { ...STRICT, lib: ['ES2022', 'DOM'], module: 'ESNext', moduleResolution: 'Bundler', types: [] }, files: ['page-consumer.ts'] };
    writeFileSync(join(app, 'tsconfig.node.json'), JSON.stringify(node, null, 2));
    writeFileSync(join(app, 'tsconfig.page.json'), JSON.stringify(page, null, 2));
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const [n, p] = await Promise.all(['tsconfig.node.json', 'tsconfig.page.json'].map((c) => run(process.execPath, [tsc, '-p', c], { cwd: app, timeoutMs: TIMEOUT })));
    ok(n!, 'tsc (Node consumer)');
    ok(p!, 'tsc (browser consumer)');
  }, TIMEOUT);

  it('(c) esbuild bundles dlc/browser for a page, with no Node module and no Dawn', async () => {
    writeFileSync(join(app, 'page.mjs'), "export { compile, Session, browserDevice, trainEpochs, evaluate } from 'dlc/browser';\n");
    const result = await build({ absWorkingDir: app, entryPoints: ['page.mjs'], bundle: true, platform: 'browser', format: 'esm', minify: true, write: false, metafile: true, logLevel: 'silent' });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((f) => f.startsWith('node_modules/dlc/dist/runtime/session.js'))).toBe(true);
    expect(inputs.filter((f) => f.startsWith('node:') || f.includes('node_modules/webgpu/') || f.includes('-node.js'))).toEqual([]);
    const imports = Object.values(result.metafile.inputs).flatMap((i) => i.imports.filter((x) => x.external).map((x) => x.path));
    expect(imports).toEqual([]);
    const bytes = result.outputFiles[0]!.contents.length;
    console.log(`dlc/browser bundle (compile, Session, browserDevice, trainEpochs, evaluate), minified: ${(bytes / 1e3).toFixed(0)} kB`);
  }, TIMEOUT);

  it('(e) dlc/infer: a strict consumer type-checks against its declarations, and esbuild bundles it with no compiler and no Node module', async () => {
    writeFileSync(join(app, 'infer-consumer.ts'), INFER_CONSUMER);
    writeFileSync(join(app, 'tsconfig.infer.json'), JSON.stringify({ compilerOptions: { ...STRICT, lib: ['ES2022', 'DOM'], module: 'ESNext', moduleResolution: 'Bundler', types: [] }, files: ['infer-consumer.ts'] }, null, 2));
    ok(await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.infer.json'], { cwd: app, timeoutMs: TIMEOUT }), 'tsc (dlc/infer consumer)');
    writeFileSync(join(app, 'infer-page.mjs'), "export { InferenceModel, fetchInferenceFiles } from 'dlc/infer';\n");
    const result = await build({ absWorkingDir: app, entryPoints: ['infer-page.mjs'], bundle: true, platform: 'browser', format: 'esm', minify: true, write: false, metafile: true, logLevel: 'silent' });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((f) => f.startsWith('node_modules/dlc/dist/runtime/inference.js'))).toBe(true);
    expect(inputs.filter((f) => f.startsWith('node:') || f.includes('/dist/compiler/') || f.includes('-node.js') || f.includes('node_modules/webgpu/'))).toEqual([]);
    console.log(`dlc/infer bundle (InferenceModel, fetchInferenceFiles), minified: ${(result.outputFiles[0]!.contents.length / 1024).toFixed(1)} KiB`);
  }, TIMEOUT);

  it('(d) npx dlc --version and npx dlc check run the installed command; --data mnist explains the optional package', async () => {
    writeFileSync(join(app, 'blobs.dl'), readFileSync(join(ROOT, 'samples', 'blobs.dl')));
    const npx = (...args: string[]): Promise<CliRun> => run('npx', ['--no', '--', 'dlc', ...args], { cwd: app, timeoutMs: TIMEOUT });
    const [version, check, train] = await Promise.all([npx('--version'), npx('check', 'blobs.dl'), npx('train', 'node_modules/dlc/samples/mnist_mlp.dl')]);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(ok(version!, 'dlc --version').stdout.trim()).toBe(`dlc ${pkg.version}`);
    expect(ok(check!, 'dlc check').stdout).toContain('Total params: 99');
    expect(train!.code).toBe(1);
    expect(train!.stderr).toContain("optional package 'mnist'");
    expect(train!.stderr).not.toMatch(/\n\s+at /);
  }, TIMEOUT);
});
