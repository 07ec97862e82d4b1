// What `dlc/infer` costs a page: infer.ts bundled and minified for the browser by esbuild (a Node
// module in its graph fails the build). The README states the figure; this keeps it true (within
// 0.5 KiB) and keeps the compiler out of the bundle.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inferBundle } from '../../scripts/infer-bundle.ts';
import { ROOT } from '../helpers/cli.ts';

describe('the dlc/infer browser bundle', () => {
  it('builds for the browser, without the compiler, at the size the README states', async () => {
    const { js, bytes, gzipBytes } = await inferBundle();
    expect(js).not.toMatch(/from ["']node:|require\(["']node:|["']webgpu["']/);
    expect(js).toContain('createComputePipeline');
    // The compiler's parser (chevrotain) and WGSL templates are not in it.
    expect(js).not.toMatch(/chevrotain|@workgroup_size/);
    expect(bytes).toBeLessThan(32 * 1024);
    const stated = /`dlc\/infer`\s+bundled\s+and\s+minified\s+for\s+the\s+browser\s+is\s+([\d.]+)\s+KiB\s+\(([\d.]+)\s+KiB\s+gzipped\)/.exec(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    expect(stated, 'the README states the bundle size').not.toBeNull();
    expect(Math.abs(Number(stated![1]) * 1024 - bytes)).toBeLessThan(512);
    expect(Math.abs(Number(stated![2]) * 1024 - gzipBytes)).toBeLessThan(512);
  }, 60_000);
});
