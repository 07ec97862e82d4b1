// The subgroup-broadcast matmul that scripts/matmul-bench.ts measures (subgroups:G/WG) computes the
// product: every output on lavapipe (Vulkan, subgroups of 8) against float64, at sizes where a
// workgroup covers several subgroups and the grid several workgroups each way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceUnavailableError, openDevice, type NodeDeviceHandle } from '../../runtime/device-node.ts';
import { Rng } from '../../runtime/random.ts';
import { subgroupMatmulGrid, subgroupMatmulWgsl } from '../../scripts/matmul-subgroups.ts';
import { relError } from '../helpers/gpu.ts';

describe('subgroup matmul (bench kernel) on vulkan', () => {
  let handle: NodeDeviceHandle | undefined;
  beforeAll(async () => {
    try {
      handle = await openDevice('vulkan', undefined, { requiredFeatures: ['subgroups' as GPUFeatureName] });
    } catch (err) {
      if (err instanceof DeviceUnavailableError && !process.env.CI) return void console.warn(`skipped: ${err.message}`);
      throw err;
    }
  });
  afterAll(() => handle?.destroy());

  it.each([[64, 1, 8], [96, 2, 8], [128, 2, 16], [64, 1, 16]])('n %i, %i row group(s), %i invocations', async (n, g, wg) => {
    if (!handle) return;
    const device = handle.device;
    // The kernel broadcasts rows from lanes 0-7: lavapipe's subgroups are exactly 8 wide.
    expect([device.adapterInfo.subgroupMinSize, device.adapterInfo.subgroupMaxSize]).toEqual([8, 8]);
    const rng = new Rng(n + g);
    const a = Float32Array.from({ length: n * n }, () => rng.normal());
    const b = Float32Array.from({ length: n * n }, () => rng.normal());
    const ref = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) ref[i * n + j] += a[i * n + k]! * b[k * n + j]!;
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const [gc, ga, gb] = [0, 1, 2].map(() => device.createBuffer({ size: n * n * 4, usage }));
    device.queue.writeBuffer(ga!, 0, a);
    device.queue.writeBuffer(gb!, 0, b);
    // NaN in C first: an output the kernel never writes fails the comparison.
    device.queue.writeBuffer(gc!, 0, new Float32Array(n * n).fill(NaN));
    const module = device.createShaderModule({ code: subgroupMatmulWgsl(n, g, wg) });
    const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    const bind = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [gc!, ga!, gb!].map((buffer, binding) => ({ binding, resource: { buffer } })) });
    const read = device.createBuffer({ size: n * n * 4, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(...subgroupMatmulGrid(n, g, wg));
    pass.end();
    enc.copyBufferToBuffer(gc!, 0, read, 0, n * n * 4);
    device.queue.submit([enc.finish()]);
    await read.mapAsync(GPUMapMode.READ);
    const c = new Float32Array(read.getMappedRange().slice(0));
    read.unmap();
    for (const buf of [gc, ga, gb, read]) buf!.destroy();
    expect(relError(c, ref)).toBeLessThan(1e-5);
  }, 120_000);
});
