// A model that needs more than the device allows is refused at load time, before any allocation,
// with a message naming the kernel, its layer and source line, and the limit.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.ts';
import { checkLimits } from '../../runtime/session-checks.ts';
import { Session } from '../../runtime/session.ts';
import { useDevice } from '../helpers/gpu.ts';

describe('device limits', () => {
  const device = useDevice('gles');
  it('a dense layer whose weights exceed maxStorageBufferBindingSize is named with the limit', async (t) => {
    const h = device();
    if (!h) return t.skip();
    const limit = h.device.limits.maxStorageBufferBindingSize;
    // Enough units that the kernel matrix alone passes the per-binding limit.
    const units = Math.ceil(limit / 4 / 512) + 1;
    const src = `model big {
  input x: f32[512]
  y = x -> dense(${units}, use_bias: false)
  output y
}`;
    const art = compile(src, { file: 'big.dl' }).artifact!;
    await expect(Session.create(art, h.device)).rejects.toThrow(new RegExp(`^kernel '[^']*matmul[^']*' \\(big\\.dl:3:\\d+\\) binds \\d+ bytes of '[^']+'; this device allows ${limit} per binding \\(maxStorageBufferBindingSize\\)`));
  });
  it('too many workgroups or storage bindings are named too', () => {
    const m = compile(`model m {
  input x: f32[4]
  y = x -> dense(3)
  output y
}`, { file: 'm.dl' }).artifact!.manifest;
    const limits = { maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 30, maxStorageBuffersPerShaderStage: 1, maxComputeWorkgroupsPerDimension: 65535 } as GPUSupportedLimits;
    expect(() => checkLimits(m, limits)).toThrow(/^kernel '[^']+' \(m\.dl:3:\d+\) binds \d storage buffers; this device allows 1 \(maxStorageBuffersPerShaderStage\)$/);
    const few = { ...limits, maxStorageBuffersPerShaderStage: 8, maxComputeWorkgroupsPerDimension: 0 } as GPUSupportedLimits;
    expect(() => checkLimits(m, few)).toThrow(/dispatches 1 workgroups in one dimension; this device allows 0 \(maxComputeWorkgroupsPerDimension\)$/);
  });
});
