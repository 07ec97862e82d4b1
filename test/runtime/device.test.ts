// The browser-safe device helpers: adapter naming and null-backend detection, on adapter infos Dawn really reports.
import { describe, it, expect } from 'vitest';
import { describeAdapter, isNullAdapter } from '../../runtime/device.ts';

const info = (fields: Partial<Record<'vendor' | 'architecture' | 'device' | 'description', string>>) =>
  ({ vendor: '', architecture: '', device: '', description: '', ...fields }) as unknown as GPUAdapterInfo;

describe('adapter info', () => {
  const lavapipe = info({ vendor: 'mesa', architecture: 'software', device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'llvmpipe: Mesa 25.0.7 (LLVM 15.0.6) 0.0.1' });
  const gles = info({ device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'OpenGL version OpenGL ES 3.2 Mesa 25.0.7' });
  const dawnNull = info({ device: 'null-backend' });

  it('names an adapter by description, then device, then vendor', () => {
    expect(describeAdapter(lavapipe)).toBe('llvmpipe: Mesa 25.0.7 (LLVM 15.0.6) 0.0.1');
    expect(describeAdapter(info({ device: 'dev', vendor: 'v' }))).toBe('dev');
    expect(describeAdapter(info({}))).toBe('unknown adapter');
  });

  it("names a browser's adapter from vendor and architecture, saying when it is a software one", () => {
    // What Chromium reports by default for SwiftShader: the page showed only "google".
    expect(describeAdapter(info({ vendor: 'google', architecture: 'swiftshader' }))).toBe('SwiftShader (software)');
    expect(describeAdapter(info({ vendor: 'nvidia', architecture: 'ampere' }))).toBe('nvidia ampere');
    expect(describeAdapter(info({ vendor: 'apple' }))).toBe('apple');
    expect(describeAdapter({ ...info({ vendor: 'x' }), isFallbackAdapter: true } as GPUAdapterInfo)).toBe('x (software)');
  });

  it("recognises Dawn's null backend and nothing else", () => {
    expect(isNullAdapter(dawnNull)).toBe(true);
    expect(isNullAdapter(lavapipe)).toBe(false);
    expect(isNullAdapter(gles)).toBe(false);
  });
});
