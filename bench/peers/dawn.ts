// Gives browser-only WebGPU libraries (TF.js, jax-js) a `navigator.gpu` backed by Dawn's Node
// bindings (npm `webgpu`), pointed at one of the two software adapters, and the WebGPU
// constant globals (GPUBufferUsage, GPUMapMode, GPUShaderStage, ...) they expect.
import { availableParallelism } from 'node:os';
import { create, globals } from 'webgpu';

export type AdapterKind = 'gles' | 'vulkan';

// One Dawn instance per adapter kind, kept for the life of the process: if an instance is
// garbage-collected, Dawn tears down its backend under any device made from it.
const instances = new Map<AdapterKind, GPU>();
let target: AdapterKind = 'gles';

function instance(kind: AdapterKind): GPU {
  let gpu = instances.get(kind);
  if (!gpu) {
    gpu = kind === 'vulkan' ? create([]) : create(['backend=opengles']);
    instances.set(kind, gpu);
  }
  return gpu;
}

/**
 * A `GPU` object whose requestAdapter goes to the adapter chosen by `pointNavigatorGpu`. The
 * OpenGL ES adapter is WebGPU's compatibility feature level, so `featureLevel: 'compatibility'`
 * is added to whatever options the library passes; without it Dawn returns no GLES adapter.
 */
const shim = {
  requestAdapter(options?: GPURequestAdapterOptions): Promise<GPUAdapter | null> {
    const opts = target === 'gles' ? { ...options, featureLevel: 'compatibility' } : { ...options };
    return instance(target).requestAdapter(opts as GPURequestAdapterOptions);
  },
  getPreferredCanvasFormat(): GPUTextureFormat {
    return 'rgba8unorm';
  },
  get wgslLanguageFeatures() {
    return instance(target).wgslLanguageFeatures;
  },
};

/**
 * Installs the WebGPU globals and `navigator.gpu` (once), then points navigator.gpu at `kind`.
 * Must run before importing TF.js's webgpu backend (it registers itself only when navigator.gpu
 * exists at import time) and before jax-js initialises its webgpu backend.
 * Node 20 has no `navigator`; Node 21+ has one without `gpu`, which gets `gpu` added.
 */
export function pointNavigatorGpu(kind: AdapterKind): void {
  process.env.EGL_PLATFORM ??= 'surfaceless';
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  const g = globalThis as Record<string, unknown>;
  if (!g.GPUBufferUsage) Object.assign(globalThis, globals);
  const nav = g.navigator as Record<string, unknown> | undefined;
  if (!nav) {
    Object.defineProperty(globalThis, 'navigator', {
      value: { userAgent: `Node.js/${process.version}`, hardwareConcurrency: availableParallelism(), gpu: shim },
      configurable: true,
      writable: true,
    });
  } else if (nav.gpu !== shim) {
    Object.defineProperty(nav, 'gpu', { value: shim, configurable: true });
  }
  target = kind;
}

/** Copies the rows of global step `k`'s batch (samples (k*batch + i) mod count) into `dst`. */
export function gatherBatch<T extends Float32Array | Int32Array>(src: T, rowSize: number, count: number, batch: number, k: number, dst: T): T {
  let start = (k * batch) % count;
  let filled = 0;
  while (filled < batch) {
    const n = Math.min(batch - filled, count - start);
    dst.set(src.subarray(start * rowSize, (start + n) * rowSize), filled * rowSize);
    filled += n;
    start = 0;
  }
  return dst;
}

/** The adapter in a few words, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)". */
export function describe(info: GPUAdapterInfo | undefined): string {
  if (!info) return 'unknown adapter';
  const text = info.description || [info.vendor, info.architecture, info.device].filter(Boolean).join(' ');
  return text || 'unknown adapter';
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** OIHW (PyTorch/jax layout) → HWIO (TF.js layout). */
export function oihwToHwio(k: Float32Array, o: number, i: number, h: number, w: number): Float32Array {
  const out = new Float32Array(k.length);
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) out[((y * w + x) * i + b) * o + a] = k[((a * i + b) * h + y) * w + x]!;
  return out;
}

/**
 * Reorders the rows of a dense kernel that follows a flatten of C×H×W features so that it
 * follows a flatten of H×W×C (NHWC) features instead; the product is unchanged.
 */
export function chwRowsToHwc(k: Float32Array, c: number, h: number, w: number, cols: number): Float32Array {
  const out = new Float32Array(k.length);
  for (let ci = 0; ci < c; ci++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const from = (ci * h + y) * w + x;
        const to = (y * w + x) * c + ci;
        out.set(k.subarray(from * cols, from * cols + cols), to * cols);
      }
  return out;
}
