// Opening a WebGPU device in Node through Dawn (npm 'webgpu'), on Mesa's Vulkan or OpenGL ES drivers; says exactly what is missing.
import { existsSync, readdirSync } from 'node:fs';
import type { KernelTarget } from '../compiler/ir/kernel-spec.ts';
import { join } from 'node:path';
import {
  ADAPTER_CHOICES,
  describeAdapter,
  handleFor,
  isNullAdapter,
  requestDeviceFromAdapter,
  type AdapterChoice,
  type DeviceHandle,
} from './device.ts';

/** No usable adapter was found. The message is for the user: it names what to install or set. */
export class DeviceUnavailableError extends Error {
  override name = 'DeviceUnavailableError';
  constructor(message: string) {
    super(message);
    // A stack trace adds nothing to "install this package"; print the message alone.
    this.stack = `${this.name}: ${message}`;
  }
}

/** A Node device handle; it holds the Dawn instance so it is not collected while the device lives. */
export interface NodeDeviceHandle extends DeviceHandle {
  adapterKind: 'vulkan' | 'gles';
  gpu: GPU;
  /** True for a CPU rasteriser (Mesa's llvmpipe or lavapipe, SwiftShader): no GPU does the work. */
  software: boolean;
  /** The CPU rasteriser by the name people know it ('llvmpipe', 'lavapipe', 'softpipe', 'SwiftShader'), when it is a known one. */
  softwareDriver?: string;
  /** The API and driver for people, e.g. "OpenGL ES (llvmpipe, software rasteriser)". */
  summary: string;
}

type Kind = 'vulkan' | 'gles';
type Dawn = typeof import('webgpu');

const VULKAN_INSTALL =
  "install Mesa's lavapipe >= 25 (Debian: apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1) or run scripts/setup.sh";
const GLES_INSTALL =
  'install Mesa EGL/GLES (Debian: apt-get install libegl1 libgles2 libegl-mesa0) and set EGL_PLATFORM=surfaceless, or run scripts/setup.sh';

const LIB_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib'];
const ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];

let dawn: Promise<Dawn> | undefined;

/**
 * Loads Dawn once, after setting the environment Mesa reads when the first instance starts:
 * without XDG_RUNTIME_DIR Mesa prints errors, without EGL_PLATFORM=surfaceless EGL cannot
 * initialise on a machine with no display. Values the user set are kept.
 */
function loadDawn(): Promise<Dawn> {
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  process.env.EGL_PLATFORM ??= 'surfaceless';
  dawn ??= import('webgpu').then((mod) => {
    // GPUBufferUsage, GPUMapMode, ... are globals in a browser; Dawn exports them instead.
    Object.assign(globalThis, mod.globals);
    return mod;
  });
  return dawn;
}

/** Reads DLC_ADAPTER-style input and rejects anything but the three valid choices. */
function parseChoice(choice: string, fromEnv: boolean): AdapterChoice {
  if ((ADAPTER_CHOICES as readonly string[]).includes(choice)) return choice as AdapterChoice;
  const where = fromEnv ? 'DLC_ADAPTER' : 'adapter choice';
  throw new Error(`${where} "${choice}" is not valid: use one of ${ADAPTER_CHOICES.join(', ')}`);
}

/** Asks Dawn for one kind of adapter; returns it with its instance, or a reason it is unusable. */
async function findAdapter(kind: Kind): Promise<{ gpu: GPU; adapter: GPUAdapter } | { missing: string }> {
  const { create } = await loadDawn();
  const gpu = kind === 'vulkan' ? create([]) : create(['backend=opengles']);
  const adapter = await gpu.requestAdapter(kind === 'vulkan' ? {} : { featureLevel: 'compatibility' });
  if (adapter && !isNullAdapter(adapter.info)) return { gpu, adapter };
  if (adapter) {
    const [name, install] = kind === 'vulkan' ? ['Vulkan', VULKAN_INSTALL] : ['OpenGL ES', GLES_INSTALL];
    return { missing: `no ${name} adapter: Dawn offered only its null backend, which computes nothing; ${install}` };
  }
  return { missing: kind === 'vulkan' ? vulkanMissing() : glesMissing() };
}

/** The path of library `name` in a system library directory, or undefined. */
function findLib(name: string): string | undefined {
  return LIB_DIRS.map((dir) => join(dir, name)).find((path) => existsSync(path));
}

/** Why no Vulkan adapter came back, as precisely as a few file checks allow. */
function vulkanMissing(): string {
  if (process.platform !== 'linux') return 'no core WebGPU adapter: Dawn found no Vulkan, Metal or D3D12 driver';
  if (!findLib('libvulkan.so.1')) return `no Vulkan adapter: the Vulkan loader libvulkan.so.1 is not installed; ${VULKAN_INSTALL}`;
  const icd = ICD_DIRS.flatMap((dir) => {
    try {
      return readdirSync(dir).filter((f) => /^lvp_icd.*\.json$/.test(f)).map((f) => join(dir, f));
    } catch {
      return [];
    }
  })[0];
  // The Vulkan loader honours these over the installed ICDs; a stale value hides every driver.
  const override = process.env.VK_DRIVER_FILES ?? process.env.VK_ICD_FILENAMES;
  if (override) {
    return `no Vulkan adapter: VK_DRIVER_FILES/VK_ICD_FILENAMES="${override}" names no driver that loads; unset it, or ${VULKAN_INSTALL}`;
  }
  if (!icd) return `no Vulkan adapter: Mesa's lavapipe driver (lvp_icd*.json under /usr/share/vulkan/icd.d) is not installed; ${VULKAN_INSTALL}`;
  // lavapipe is there but Dawn refused it: Mesa 22.3 (bookworm's own) lacks features Dawn requires.
  return `no Vulkan adapter: lavapipe is installed (${icd}) but Dawn rejected it, most likely because Mesa is older than 25; ${VULKAN_INSTALL}`;
}

/** Why no OpenGL ES adapter came back, as precisely as a few file checks allow. */
function glesMissing(): string {
  if (process.platform !== 'linux') return 'no OpenGL ES adapter: Dawn found no EGL/OpenGL ES driver';
  const libs: [string, string][] = [
    ['libEGL.so.1', 'libegl1'],
    ['libGLESv2.so.2', 'libgles2'],
    ['libEGL_mesa.so.0', 'libegl-mesa0'],
  ];
  const absent = libs.filter(([lib]) => !findLib(lib));
  if (absent.length > 0) {
    const names = absent.map(([lib, pkg]) => `${lib} (${pkg})`).join(', ');
    return `no OpenGL ES adapter: missing ${names}; ${GLES_INSTALL}`;
  }
  const platform = process.env.EGL_PLATFORM;
  if (platform !== 'surfaceless') {
    return `no OpenGL ES adapter: EGL could not initialise with EGL_PLATFORM="${platform}"; without a display set EGL_PLATFORM=surfaceless (or leave it unset)`;
  }
  return `no OpenGL ES adapter: libegl1, libgles2 and libegl-mesa0 are installed but EGL could not create an OpenGL ES 3.1 context; ${GLES_INSTALL}`;
}

/** CPU rasterisers by the names their adapters report, and the name people know each driver by. */
const SOFTWARE_DRIVERS: { pattern: RegExp; vulkan: string; gles: string }[] = [
  // Mesa's Vulkan driver lavapipe reports its rasteriser's name, llvmpipe.
  { pattern: /llvmpipe|lavapipe/i, vulkan: 'lavapipe', gles: 'llvmpipe' },
  { pattern: /softpipe/i, vulkan: 'softpipe', gles: 'softpipe' },
  { pattern: /swiftshader/i, vulkan: 'SwiftShader', gles: 'SwiftShader' },
];

/** The kernels for an opened adapter: Mesa's llvmpipe and lavapipe get 'llvmpipe' (its matmul workgroups), every other adapter the default 'cpu'. */
export function kernelTargetFor(handle: Pick<NodeDeviceHandle, 'softwareDriver'>): KernelTarget {
  return handle.softwareDriver === 'llvmpipe' || handle.softwareDriver === 'lavapipe' ? 'llvmpipe' : 'cpu';
}

/** True when the adapter is a CPU rasteriser: Dawn's fallback flag, a software architecture, or a known driver name. */
export function isSoftwareAdapter(info: GPUAdapterInfo): boolean {
  const fields = info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  return fields.isFallbackAdapter === true || info.architecture === 'software' || SOFTWARE_DRIVERS.some((d) => d.pattern.test(`${info.device} ${info.description}`));
}

/** "OpenGL ES (llvmpipe, software rasteriser)", "Vulkan (lavapipe, software rasteriser)", or "Vulkan (<GPU name>)". */
export function adapterSummary(kind: Kind, info: GPUAdapterInfo): string {
  const api = kind === 'vulkan' ? 'Vulkan' : 'OpenGL ES';
  if (!isSoftwareAdapter(info)) return `${api} (${describeAdapter(info)})`;
  const known = SOFTWARE_DRIVERS.find((d) => d.pattern.test(`${info.device} ${info.description}`));
  return `${api} (${known ? known[kind] : describeAdapter(info)}, software rasteriser)`;
}

/** Device options beyond the maximum limits: more limits, and WebGPU features the device must have. */
export interface DeviceNeeds {
  requiredLimits?: Record<string, number>;
  requiredFeatures?: readonly GPUFeatureName[];
}

/** The features of `needs` that the adapter lacks. */
const lacking = (adapter: GPUAdapter, needs: DeviceNeeds): GPUFeatureName[] => (needs.requiredFeatures ?? []).filter((f) => !adapter.features.has(f));

/** Opens a device on an adapter found by findAdapter; an adapter without a required feature is refused, by name. */
async function openFound(kind: Kind, found: { gpu: GPU; adapter: GPUAdapter }, needs: DeviceNeeds = {}): Promise<NodeDeviceHandle> {
  const info = found.adapter.info;
  const missing = lacking(found.adapter, needs);
  if (missing.length) throw new DeviceUnavailableError(`the ${adapterSummary(kind, info)} adapter does not offer the WebGPU feature ${missing.join(', ')}`);
  const device = await requestDeviceFromAdapter(found.adapter, needs.requiredLimits, needs.requiredFeatures);
  // The handle keeps `gpu` reachable: if the instance is collected, Dawn tears down its backend.
  const driver = SOFTWARE_DRIVERS.find((d) => d.pattern.test(`${info.device} ${info.description}`));
  return {
    ...handleFor(device, kind, describeAdapter(info)), adapterKind: kind, gpu: found.gpu, software: isSoftwareAdapter(info), summary: adapterSummary(kind, info),
    ...(driver ? { softwareDriver: driver[kind] } : {}),
  };
}

/** Opens one kind of adapter, or throws DeviceUnavailableError naming what is missing. */
async function openKind(kind: Kind, needs: DeviceNeeds): Promise<NodeDeviceHandle> {
  const found = await findAdapter(kind);
  if ('missing' in found) throw new DeviceUnavailableError(found.missing);
  return openFound(kind, found, needs);
}

/** GPU device files a hardware Vulkan driver opens on Linux (DRM render nodes, NVIDIA's, WSL's, Arm's); always true elsewhere. */
function gpuDeviceNodes(): boolean {
  if (process.platform !== 'linux') return true;
  if (['/dev/nvidiactl', '/dev/nvidia0', '/dev/dxg', '/dev/kgsl-3d0', '/dev/mali0'].some((path) => existsSync(path))) return true;
  try {
    return readdirSync('/dev/dri').some((name) => name.startsWith('renderD') || name.startsWith('card'));
  } catch {
    return false;
  }
}

/**
 * 'auto': Vulkan on a real GPU. When Vulkan is only a software rasteriser (lavapipe), the OpenGL
 * ES adapter if there is one: Mesa's llvmpipe behind it trains about 2.5× as fast as lavapipe on
 * the same CPU (the MNIST CNN: 73 s against 191 s on 2 cores). Otherwise whichever exists. An
 * adapter without a required feature is passed over (lavapipe offers shader-f16, llvmpipe's OpenGL
 * ES does not).
 */
async function openAuto(needs: DeviceNeeds): Promise<NodeDeviceHandle> {
  const fits = (f: Awaited<ReturnType<typeof findAdapter>>): f is { gpu: GPU; adapter: GPUAdapter } => !('missing' in f) && lacking(f.adapter, needs).length === 0;
  // With no GPU device node, Vulkan can only be a CPU rasteriser: OpenGL ES is taken without
  // starting a Vulkan instance, whose lavapipe holds about 6 MiB more for the whole run.
  const early = gpuDeviceNodes() ? undefined : await findAdapter('gles');
  if (early && fits(early)) return openFound('gles', early, needs);
  const vulkan = await findAdapter('vulkan');
  if (fits(vulkan) && !isSoftwareAdapter(vulkan.adapter.info)) return openFound('vulkan', vulkan, needs);
  const gles = early ?? await findAdapter('gles');
  if (fits(gles)) return openFound('gles', gles, needs);
  if (fits(vulkan)) return openFound('vulkan', vulkan, needs);
  // Nothing fits: the first adapter there is says which feature it lacks.
  if (!('missing' in vulkan)) return openFound('vulkan', vulkan, needs);
  if (!('missing' in gles)) return openFound('gles', gles, needs);
  throw new DeviceUnavailableError(`no WebGPU adapter (tried Vulkan, then OpenGL ES):\n  - ${vulkan.missing}\n  - ${gles.missing}`);
}

/**
 * Opens a WebGPU device through Dawn. 'vulkan' is the core adapter (Mesa lavapipe or a real
 * GPU), 'gles' the OpenGL ES compatibility adapter; 'auto' takes Vulkan on a real GPU and
 * prefers OpenGL ES when Vulkan is a software rasteriser (see openAuto).
 * The adapter's maximum limits are requested (see MAX_LIMITS), then `requiredLimits`, and the
 * features of `needs.requiredFeatures`.
 * @param choice defaults to $DLC_ADAPTER, else 'auto'.
 * @throws DeviceUnavailableError when no adapter of that kind exists, or it lacks a required feature; Error for an invalid choice.
 */
export async function openDevice(
  choice: AdapterChoice = (process.env.DLC_ADAPTER || 'auto') as AdapterChoice,
  requiredLimits?: Record<string, number>,
  needs: Omit<DeviceNeeds, 'requiredLimits'> = {},
): Promise<NodeDeviceHandle> {
  const kind = parseChoice(choice, choice === process.env.DLC_ADAPTER);
  const all: DeviceNeeds = { ...needs, ...(requiredLimits ? { requiredLimits } : {}) };
  return kind === 'auto' ? openAuto(all) : openKind(kind, all);
}

/** Lists the usable adapters Dawn finds, for `dlc` diagnostics; opens no device. */
export async function listAdapters(): Promise<{ kind: Kind; description: string }[]> {
  const out: { kind: Kind; description: string }[] = [];
  for (const kind of ['vulkan', 'gles'] as const) {
    const found = await findAdapter(kind);
    if (!('missing' in found)) out.push({ kind, description: describeAdapter(found.adapter.info) });
  }
  return out;
}
