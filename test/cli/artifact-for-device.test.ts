// dlc train on a hardware GPU recompiles a .dl file with kernels for GPUs (workgroup-memory tiled
// matmuls); on a software rasteriser it keeps the artifact it has.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { artifactFor, artifactForDevice } from '../../cli/setup.ts';
import type { CliOptions } from '../../cli/options.ts';
import type { NodeDeviceHandle } from '../../runtime/device-node.ts';

const SOURCE = 'model m {\n  input x: f32[784]\n  input y: class[10]\n  logits = x -> dense(128) -> relu -> dense(10)\n  output logits\n}\ntrain m { loss = cross_entropy(logits, y); optimizer = sgd(lr: 0.1); batch = 128 }\n';
const tiled = (shaders: Record<string, string>): number => Object.values(shaders).filter((w) => w.includes('var<workgroup> As')).length;

describe('artifactForDevice', () => {
  it('recompiles for a hardware adapter and keeps the artifact for a software one', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dlc-target-')), 'm.dl');
    writeFileSync(file, SOURCE);
    const opts = {} as CliOptions;
    const artifact = await artifactFor(file, opts);
    expect(tiled(artifact.shaders)).toBe(0);
    expect(await artifactForDevice(file, opts, artifact, { software: true } as NodeDeviceHandle)).toBe(artifact);
    const gpu = await artifactForDevice(file, opts, artifact, { software: false } as NodeDeviceHandle);
    expect(tiled(gpu.shaders)).toBe(2);
    // The same program: the same buffers and parameters, only kernels differ.
    expect(gpu.manifest.params).toEqual(artifact.manifest.params);
    expect(gpu.manifest.buffers).toEqual(artifact.manifest.buffers);
  });
});
