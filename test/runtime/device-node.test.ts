// Dawn devices on both adapters: a real compute shader round trip, limits, and the messages for missing drivers.
import { describe, it, expect } from 'vitest';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { adapterSummary, DeviceUnavailableError, isSoftwareAdapter, listAdapters, openDevice, type NodeDeviceHandle } from '../../runtime/device-node.ts';

const run = promisify(execFile);
const fixture = fileURLToPath(new URL('./fixtures/open-device.ts', import.meta.url));

// 256 invocations per workgroup is above compatibility mode's default of 128: it passes only
// if the device really got the adapter's limits.
const SHADER = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> out: array<u32>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x < arrayLength(&out)) { out[id.x] = id.x * 3u + 7u; }
}`;

/** Runs SHADER over n elements and reads the result back. */
async function computeOnce(device: GPUDevice, n: number): Promise<Uint32Array> {
  const size = n * 4;
  const storage = device.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const readback = device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  device.pushErrorScope('validation');
  const pipeline = device.createComputePipeline({
    layout: 'auto',
    compute: { module: device.createShaderModule({ code: SHADER }), entryPoint: 'main' },
  });
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [{ binding: 0, resource: { buffer: storage } }],
  });
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(Math.ceil(n / 256));
  pass.end();
  encoder.copyBufferToBuffer(storage, 0, readback, 0, size);
  device.queue.submit([encoder.finish()]);
  const error = await device.popErrorScope();
  if (error) throw new Error(`validation error: ${error.message}`);
  await readback.mapAsync(GPUMapMode.READ);
  const result = new Uint32Array(readback.getMappedRange().slice(0));
  readback.unmap();
  storage.destroy();
  readback.destroy();
  return result;
}

/** Opens `kind`, or skips with the reason; under CI a missing adapter fails instead. */
async function openOrSkip(kind: 'vulkan' | 'gles', skip: (note: string) => never): Promise<NodeDeviceHandle> {
  try {
    return await openDevice(kind);
  } catch (err) {
    if (err instanceof DeviceUnavailableError && !process.env.CI) {
      const reason = `skipped: ${err.message} (set CI=true to make this a failure)`;
      console.warn(reason);
      skip(reason);
    }
    throw err;
  }
}

for (const kind of ['vulkan', 'gles'] as const) {
  describe(`openDevice('${kind}')`, () => {
    it('runs a compute shader on a real adapter and reads the values back', async (ctx) => {
      const handle = await openOrSkip(kind, ctx.skip);
      try {
        expect(handle.adapterKind).toBe(kind);
        expect(handle.description.length).toBeGreaterThan(0);
        expect(handle.description).not.toMatch(/null/i);
        expect(handle.device.limits.maxComputeInvocationsPerWorkgroup).toBeGreaterThanOrEqual(256);
        const n = 1000;
        const got = await computeOnce(handle.device, n);
        const want = Uint32Array.from({ length: n }, (_, i) => i * 3 + 7);
        expect(got).toEqual(want);
      } finally {
        handle.destroy();
        handle.destroy(); // idempotent
      }
    });
  });
}

describe('openDevice choice', () => {
  it('rejects an invalid choice with the valid ones listed', async () => {
    await expect(openDevice('metal' as never)).rejects.toThrow('adapter choice "metal" is not valid: use one of vulkan, gles, auto');
  });

  it('names DLC_ADAPTER when the bad value came from it', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', fixture], {
      env: { ...process.env, DLC_ADAPTER: 'cuda' },
    });
    expect(JSON.parse(stdout.trim())).toEqual({
      ok: false,
      unavailable: false,
      message: 'DLC_ADAPTER "cuda" is not valid: use one of vulkan, gles, auto',
    });
  });

  it('lists the adapters it finds', async () => {
    const adapters = await listAdapters();
    for (const a of adapters) {
      expect(['vulkan', 'gles']).toContain(a.kind);
      expect(a.description).not.toMatch(/null/i);
    }
    if (process.env.CI) expect(adapters.length).toBeGreaterThan(0);
  });
});

describe("'auto' and the adapter's name", () => {
  // Adapter infos as Dawn reports them for Mesa's two drivers, and for a hardware GPU.
  const info = (fields: Record<string, unknown>) => ({ vendor: '', architecture: '', device: '', description: '', ...fields }) as unknown as GPUAdapterInfo;
  const lavapipe = info({ vendor: 'mesa', architecture: 'software', device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'llvmpipe: Mesa 25.0.7 (LLVM 15.0.6) 0.0.1', isFallbackAdapter: true });
  const llvmpipe = info({ device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'OpenGL version OpenGL ES 3.2 Mesa 25.0.7', isFallbackAdapter: false });
  const nvidia = info({ vendor: 'nvidia', architecture: 'ampere', device: 'NVIDIA GeForce RTX 3080', description: 'NVIDIA: 550.54' });

  it('names the API and the driver, and says when it is a software rasteriser', () => {
    expect([lavapipe, llvmpipe, nvidia].map(isSoftwareAdapter)).toEqual([true, true, false]);
    expect(adapterSummary('vulkan', lavapipe)).toBe('Vulkan (lavapipe, software rasteriser)');
    expect(adapterSummary('gles', llvmpipe)).toBe('OpenGL ES (llvmpipe, software rasteriser)');
    expect(adapterSummary('vulkan', nvidia)).toBe('Vulkan (NVIDIA: 550.54)');
  });

  /** Runs the fixture in a child, so each run loads the drivers afresh. */
  async function openInChild(choice: string, env: Record<string, string> = {}): Promise<{ ok: boolean; kind?: string; summary?: string; software?: boolean; softwareDriver?: string; message?: string }> {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', fixture, choice], { env: { ...process.env, ...env } });
    return JSON.parse(stdout.trim().split('\n').pop()!);
  }

  it('auto takes OpenGL ES when Vulkan is only a software rasteriser (llvmpipe is about 2.5x as fast as lavapipe)', async (ctx) => {
    const found = await listAdapters();
    const vulkan = found.find((a) => a.kind === 'vulkan');
    if (!found.some((a) => a.kind === 'gles') || !vulkan || !/llvmpipe|lavapipe/.test(vulkan.description)) {
      if (process.env.CI) throw new Error(`CI needs both of Mesa's software adapters; found ${JSON.stringify(found)}`);
      return ctx.skip();
    }
    expect(await openInChild('auto')).toMatchObject({ ok: true, kind: 'gles', software: true, softwareDriver: 'llvmpipe', summary: 'OpenGL ES (llvmpipe, software rasteriser)' });
    // Without a working OpenGL ES, auto still finds Vulkan.
    expect(await openInChild('auto', { EGL_PLATFORM: 'nonexistent' })).toMatchObject({ ok: true, kind: 'vulkan', software: true, softwareDriver: 'lavapipe', summary: 'Vulkan (lavapipe, software rasteriser)' });
  });
});

// The messages name Mesa packages and Linux driver paths; elsewhere Dawn uses Metal or D3D12.
describe.skipIf(process.platform !== 'linux')('DeviceUnavailableError messages', () => {
  /** Runs the fixture in a child so a broken driver environment cannot leak into this process. */
  async function openInChild(choice: string, env: Record<string, string>): Promise<{ ok: boolean; unavailable?: boolean; message?: string }> {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', fixture, choice], { env: { ...process.env, ...env } });
    return JSON.parse(stdout.trim().split('\n').pop()!);
  }

  it('says how to install lavapipe when no Vulkan driver loads', async () => {
    const got = await openInChild('vulkan', { VK_ICD_FILENAMES: '/nonexistent/icd.json', VK_DRIVER_FILES: '/nonexistent/icd.json' });
    expect(got.ok).toBe(false);
    expect(got.unavailable).toBe(true);
    expect(got.message).toBe(
      'no Vulkan adapter: VK_DRIVER_FILES/VK_ICD_FILENAMES="/nonexistent/icd.json" names no driver that loads; unset it, ' +
        "or install Mesa's lavapipe >= 25 (Debian: apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1) or run scripts/setup.sh",
    );
  });

  it('says to set EGL_PLATFORM=surfaceless when EGL cannot start', async () => {
    const got = await openInChild('gles', { EGL_PLATFORM: 'nonexistent' });
    expect(got.ok).toBe(false);
    expect(got.unavailable).toBe(true);
    expect(got.message).toBe(
      'no OpenGL ES adapter: EGL could not initialise with EGL_PLATFORM="nonexistent"; without a display set EGL_PLATFORM=surfaceless (or leave it unset)',
    );
  });

  it('lists both reasons under auto', async () => {
    const got = await openInChild('auto', { VK_ICD_FILENAMES: '/nonexistent/icd.json', VK_DRIVER_FILES: '/nonexistent/icd.json', EGL_PLATFORM: 'nonexistent' });
    expect(got.ok).toBe(false);
    expect(got.message).toMatch(/^no WebGPU adapter \(tried Vulkan, then OpenGL ES\):\n {2}- no Vulkan adapter: .+\n {2}- no OpenGL ES adapter: /);
  });
});
