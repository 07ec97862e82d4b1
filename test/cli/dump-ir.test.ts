// `dlc compile --dump-ir [PASS]`: the IR after every pass or after one, as compile() prints it; an
// unknown pass is a one-line user error.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { formatDumps, PASS_NAMES } from '../../compiler/pipeline.ts';
import { dlc, ROOT } from '../helpers/cli.ts';

const MLP = readFileSync(join(ROOT, 'samples', 'mnist_mlp.dl'), 'utf8');

describe('dlc compile --dump-ir', () => {
  it('prints the IR after every pass, in pass order, without -o', async () => {
    const r = await dlc(['compile', 'samples/mnist_mlp.dl', '--dump-ir']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('# ---- after '))).toEqual(PASS_NAMES.map((p) => `# ---- after ${p} ----`));
    expect(r.stdout).toBe(formatDumps(compile(MLP, { file: 'samples/mnist_mlp.dl', dumpIr: 'all' }).dumps!));
  });

  it('prints one pass, before the file or as --dump-ir=PASS, and writes the artifact when -o is given', async () => {
    const one = await dlc(['compile', '--dump-ir', 'fuse', 'samples/mnist_mlp.dl']);
    expect(one.code).toBe(0);
    expect(one.stdout.startsWith('# ---- after fuse ----\ninput %0 image: f32[128, 784]\n')).toBe(true);
    expect(one.stdout).toContain('= matmul_chain(');
    const out = join(mkdtempSync(join(tmpdir(), 'dlc-dump-')), 'art');
    const both = await dlc(['compile', 'samples/mnist_mlp.dl', '--dump-ir=fuse', '-o', out]);
    expect(both.stdout.startsWith(one.stdout)).toBe(true);
    expect(both.stdout.slice(one.stdout.length)).toMatch(/^wrote .*manifest\.json and \d+ kernels/);
    expect(existsSync(join(out, 'manifest.json'))).toBe(true);
  });

  it('an unknown pass is a user error naming the passes', async () => {
    const r = await dlc(['compile', 'samples/mnist_mlp.dl', '--dump-ir', 'fus']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`dlc: --dump-ir: unknown pass 'fus'; did you mean 'fuse'? (passes: ${PASS_NAMES.join(', ')})\n`);
    const eq = await dlc(['compile', 'samples/mnist_mlp.dl', '--dump-ir=\x1b[2Jx']);
    expect(eq.code).toBe(1);
    expect(eq.stderr).toBe(`dlc: --dump-ir: unknown pass '\\e[2Jx' (passes: ${PASS_NAMES.join(', ')})\n`);
  });
});
