// dlc train compiles a .dl file again for the opened adapter's kernels: Mesa's llvmpipe and lavapipe
// get the 'llvmpipe' target (matmuls in 4×4-invocation workgroups); a hardware GPU, SwiftShader or
// a compiled folder keep the artifact as it is.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { artifactFor, artifactForDevice } from '../../cli/setup.ts';
import type { CliOptions } from '../../cli/options.ts';
import { kernelTargetFor } from '../../runtime/device-node.ts';

const SOURCE = 'model m {\n  input x: f32[784]\n  input y: class[10]\n  logits = x -> dense(128) -> relu -> dense(10)\n  output logits\n}\ntrain m { loss = cross_entropy(logits, y); optimizer = sgd(lr: 0.1); batch = 128 }\n';
const small = (shaders: Record<string, string>): number => Object.values(shaders).filter((w) => w.includes('@workgroup_size(4, 4)')).length;

describe('artifactForDevice', () => {
  it('picks the llvmpipe target for llvmpipe and lavapipe only', () => {
    expect(kernelTargetFor({ softwareDriver: 'llvmpipe' })).toBe('llvmpipe');
    expect(kernelTargetFor({ softwareDriver: 'lavapipe' })).toBe('llvmpipe');
    expect(kernelTargetFor({ softwareDriver: 'SwiftShader' })).toBe('cpu');
    expect(kernelTargetFor({})).toBe('cpu');
  });

  it('recompiles a .dl file for llvmpipe with the same buffers and parameters; keeps it for other adapters', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dlc-target-')), 'm.dl');
    writeFileSync(file, SOURCE);
    const opts = {} as CliOptions;
    const artifact = await artifactFor(file, opts);
    expect(small(artifact.shaders)).toBe(0);
    expect(await artifactForDevice(file, opts, artifact, {})).toBe(artifact);
    expect(await artifactForDevice(file, opts, artifact, { softwareDriver: 'SwiftShader' })).toBe(artifact);
    const lp = await artifactForDevice(file, opts, artifact, { softwareDriver: 'llvmpipe' });
    // Forward of both layers, both weight gradients, the second layer's input gradient.
    expect(small(lp.shaders)).toBe(5);
    expect(lp.manifest.params).toEqual(artifact.manifest.params);
    expect(lp.manifest.buffers).toEqual(artifact.manifest.buffers);
  });
});
