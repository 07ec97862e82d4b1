// Finding a WebGPU device: the browser-safe part (types, limits to request, navigator.gpu). Node's Dawn lives in device-node.ts.
/// <reference types="@webgpu/types" preserve="true" />
// preserve: declaration files keep the reference, so a consumer's tsc knows GPUDevice without configuring it.

/** Which adapter to use in Node: Vulkan (core), OpenGL ES (compatibility), or the first that works. */
export type AdapterChoice = 'vulkan' | 'gles' | 'auto';

/** The valid values of AdapterChoice, for messages and for checking DLC_ADAPTER. */
export const ADAPTER_CHOICES: readonly AdapterChoice[] = ['vulkan', 'gles', 'auto'];

/** An open device and what it runs on; call destroy() when done so Dawn can shut down cleanly. */
export interface DeviceHandle {
  device: GPUDevice;
  adapterKind: 'vulkan' | 'gles' | 'browser';
  /** Human-readable adapter name, e.g. "llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)". */
  description: string;
  destroy(): void;
}

/** Options for requestDeviceFrom. */
export interface RequestDeviceOptions {
  /** 'compatibility' for OpenGL ES-class adapters; default 'core'. */
  featureLevel?: 'core' | 'compatibility';
  /** Limits the caller needs; they override the adapter maximums requested by default. */
  requiredLimits?: Record<string, number>;
}

/**
 * Limits always requested at the adapter's maximum. The defaults a device gets are far lower
 * than what the adapter allows (in compatibility mode: 128 invocations per workgroup, 4 storage
 * buffers per stage), and compiled artifacts are planned against the adapter's real capacity.
 */
export const MAX_LIMITS = [
  'maxStorageBuffersPerShaderStage',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupStorageSize',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupsPerDimension',
] as const;

/** What requestDeviceFrom returns: the device, its adapter, and a name for the adapter. */
export interface RequestedDevice {
  adapter: GPUAdapter;
  device: GPUDevice;
  description: string;
}

/** Software rasterisers by the names adapters report for them, and how to show them. */
const SOFTWARE: [RegExp, string][] = [[/swiftshader/i, 'SwiftShader'], [/llvmpipe/i, 'llvmpipe'], [/lavapipe/i, 'lavapipe'], [/\bwarp\b|basic render/i, 'WARP']];

/**
 * A readable adapter name from GPUAdapterInfo; Dawn's fields vary by backend, so fall back in
 * order: description, device, then vendor and architecture, which are all a browser reports by
 * default (Chrome: 'google' and 'swiftshader', shown as "SwiftShader (software)").
 */
export function describeAdapter(info: GPUAdapterInfo): string {
  const named = [info.description, info.device].find((s) => s && s.length > 0);
  if (named) return named;
  const both = [info.vendor, info.architecture].filter((s) => s && s.length > 0).join(' ');
  const software = SOFTWARE.find(([re]) => re.test(both));
  if (software) return `${software[1]} (software)`;
  if ((info as { isFallbackAdapter?: boolean }).isFallbackAdapter) return `${both || 'fallback adapter'} (software)`;
  return both || 'unknown adapter';
}

/** True for Dawn's null backend, which accepts work and computes nothing: never usable. */
export function isNullAdapter(info: GPUAdapterInfo): boolean {
  return /null/i.test(info.device ?? '') || /null backend/i.test(info.description ?? '');
}

/**
 * Requests a device from `adapter` with the adapter's maximum MAX_LIMITS, overridden by
 * `requiredLimits`. Rejects (as WebGPU does) when a required limit exceeds the adapter's.
 */
export async function requestDeviceFromAdapter(
  adapter: GPUAdapter,
  requiredLimits?: Record<string, number>,
  requiredFeatures: readonly GPUFeatureName[] = [],
): Promise<GPUDevice> {
  const limits: Record<string, number> = {};
  const available = adapter.limits as unknown as Record<string, number | undefined>;
  for (const name of MAX_LIMITS) {
    const value = available[name];
    if (typeof value === 'number') limits[name] = value;
  }
  Object.assign(limits, requiredLimits);
  return adapter.requestDevice({ requiredLimits: limits, ...(requiredFeatures.length ? { requiredFeatures: [...requiredFeatures] } : {}) });
}

/**
 * Requests an adapter of `opts.featureLevel` (default 'core') from `gpu`, then a device as
 * requestDeviceFromAdapter does. Returns null when `gpu` offers no such adapter.
 */
export async function requestDeviceFrom(gpu: GPU, opts: RequestDeviceOptions = {}): Promise<RequestedDevice | null> {
  const adapter = await gpu.requestAdapter({ featureLevel: opts.featureLevel ?? 'core' });
  if (!adapter) return null;
  const device = await requestDeviceFromAdapter(adapter, opts.requiredLimits);
  return { adapter, device, description: describeAdapter(adapter.info) };
}

/**
 * Opens a device in the browser through navigator.gpu: core first, then compatibility (which
 * is what some browsers offer on OpenGL-only drivers). Throws when WebGPU is absent.
 */
export async function browserDevice(requiredLimits?: Record<string, number>): Promise<DeviceHandle> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) throw new Error('WebGPU is not available: navigator.gpu is missing (use a browser with WebGPU enabled)');
  const got =
    (await requestDeviceFrom(gpu, { featureLevel: 'core', requiredLimits })) ??
    (await requestDeviceFrom(gpu, { featureLevel: 'compatibility', requiredLimits }));
  if (!got) throw new Error('WebGPU is available but the browser offered no adapter (core or compatibility)');
  return handleFor(got.device, 'browser', got.description);
}

/** Wraps a device as a DeviceHandle whose destroy() may be called more than once. */
export function handleFor(device: GPUDevice, adapterKind: DeviceHandle['adapterKind'], description: string): DeviceHandle {
  let destroyed = false;
  return {
    device,
    adapterKind,
    description,
    destroy() {
      if (destroyed) return;
      destroyed = true;
      device.destroy();
    },
  };
}
