// dlc export --precision f16 through the command: the artifact it writes (F16 dense kernels, f32
// biases, "features": ["shader-f16"]), dlc eval of it on an adapter with shader-f16 (Vulkan's
// lavapipe here; `--adapter auto` picks it), and the messages where the adapter lacks the feature
// (Mesa's OpenGL ES) or the command line is wrong.
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSafetensors } from '../../runtime/checkpoint-node.ts';
import { f16Value } from '../../runtime/half.ts';
import { encodeSafetensors } from '../../runtime/safetensors.ts';
import { dlc } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'dlc-f16-cli-'));
const RUN = join(dir, 'run');
const WEIGHTS = join(RUN, 'weights.safetensors');
const DATA = ['--data', 'samples/blobs.csv'];
const HALF = join(dir, 'half');

describe('dlc export --precision f16', () => {
  beforeAll(async () => {
    const r = await dlc(['train', 'samples/blobs.dl', ...DATA, '--epochs', '3', '--out', RUN], { env: { DLC_ADAPTER: 'gles' } });
    expect(r.code, r.stderr).toBe(0);
    const e = await dlc(['export', 'samples/blobs.dl', '--weights', WEIGHTS, '-o', HALF, '--precision', 'f16', '--max-batch', '16']);
    expect(e.stderr).toBe('');
    expect(e.code).toBe(0);
    expect(e.stdout).toContain('f16: dense_1.kernel, dense_2.kernel; f32: the other 2 (running it needs an adapter with shader-f16)\n');
    const bytes = statSync(join(HALF, 'weights.safetensors')).size;
    expect(e.stdout).toContain(`weights.safetensors: ${bytes.toLocaleString('en-US')} bytes (`);
  }, 300_000);

  it('writes the kernels as F16 (the f32 weights rounded to nearest) and asks for shader-f16', async () => {
    const { tensors } = await loadSafetensors(join(HALF, 'weights.safetensors'));
    expect([...tensors].map(([name, t]) => `${name} ${t.dtype} ${t.shape.join('x')}`)).toEqual(['dense_1.kernel F16 2x16', 'dense_1.bias F32 16', 'dense_2.kernel F16 16x3', 'dense_2.bias F32 3']);
    const trained = (await loadSafetensors(WEIGHTS)).tensors;
    const half = tensors.get('dense_2.kernel')!.data as Uint16Array;
    const full = trained.get('dense_2.kernel')!.data as Float32Array;
    // Each f16 value is within half an f16 step (2^-11 relative) of the f32 one.
    full.forEach((v, i) => expect(Math.abs(f16Value(half[i]!) - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 2 ** -25));
    expect([...tensors.get('dense_2.bias')!.data]).toEqual([...trained.get('dense_2.bias')!.data]);
    const m = JSON.parse(readFileSync(join(HALF, 'manifest.json'), 'utf8')) as { features: string[]; shaders: Record<string, string> };
    expect(m.features).toEqual(['shader-f16']);
    expect(Object.values(m.shaders).every((s) => s.includes('enable f16;'))).toBe(true);
  });

  it('dlc eval runs it where the adapter offers shader-f16 (auto picks that adapter), scoring as the f32 weights do', async () => {
    const full = await dlc(['eval', 'samples/blobs.dl', '--weights', WEIGHTS, ...DATA], { env: { DLC_ADAPTER: 'gles' } });
    expect(full.code, full.stderr).toBe(0);
    const r = await dlc(['eval', 'samples/blobs.dl', '--weights', HALF, ...DATA], { env: { DLC_ADAPTER: 'auto' } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ values f16 \(2 kernels\), the other 19 f32; /);
    // blobs are well separated: the rounding changes no prediction.
    expect(/accuracy (\d+\.\d+%)/.exec(r.stdout)?.[1]).toBe(/accuracy (\d+\.\d+%)/.exec(full.stdout)?.[1]);
  }, 300_000);

  it('an adapter without shader-f16: one message naming the adapter and the feature, exit 1', async () => {
    const r = await dlc(['eval', 'samples/blobs.dl', '--weights', HALF, ...DATA, '--adapter', 'gles']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`dlc: ${HALF} holds f16 weights (dlc export --precision f16), which need the WebGPU feature shader-f16: the OpenGL ES (llvmpipe, software rasteriser) adapter does not offer the WebGPU feature shader-f16; choose an adapter that offers it with --adapter, or export the model again without --precision f16\n`);
  }, 120_000);

  it('a kernel value beyond f16\'s range: one message naming the tensor, exit 1, nothing written', async () => {
    const { tensors, metadata } = await loadSafetensors(WEIGHTS);
    const big = [...tensors].map(([name, t]) => ({ name, dtype: 'F32' as const, shape: t.shape, data: Float32Array.from(t.data as Float32Array) }));
    big.find((t) => t.name === 'dense_2.kernel')!.data[4] = -70000;
    const file = join(dir, 'big.safetensors');
    writeFileSync(file, encodeSafetensors(big, metadata));
    const out = join(dir, 'big');
    const r = await dlc(['export', 'samples/blobs.dl', '--weights', file, '-o', out, '--precision', 'f16']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`dlc: ${file}: 'dense_2.kernel' holds -70000 (element 4), beyond f16's range (magnitude at most 65504); export it with f32 weights\n`);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a precision it does not know, and f16 for ONNX', async () => {
    const bad = await dlc(['export', 'samples/blobs.dl', '--weights', WEIGHTS, '-o', join(dir, 'x'), '--precision', 'bf16']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe("dlc: --precision must be f32 or f16, got 'bf16'\n");
    const onnx = await dlc(['export', 'samples/blobs.dl', '--weights', WEIGHTS, '-o', join(dir, 'm.onnx'), '--format', 'onnx', '--precision', 'f16']);
    expect(onnx.code).toBe(1);
    expect(onnx.stderr).toBe('dlc: --precision f16 applies to --format native; the onnx model is written with f32 weights\n');
  });
});
