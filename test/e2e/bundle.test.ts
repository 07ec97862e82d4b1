// The browser bundle builds from the same compiler and runtime, with no Node module in it.
import { describe, expect, it } from 'vitest';
import { bundle } from '../../demo/bundle.ts';

describe('the browser bundle', () => {
  it('builds for platform browser and imports nothing from Node', async () => {
    const js = await bundle();
    expect(js.length).toBeGreaterThan(100_000);
    expect(js).not.toMatch(/from ["']node:|require\(["']node:|["']node:(fs|path|module|zlib|crypto)["']/);
    expect(js).toContain('dlcDemo');
    expect(js).toContain('navigator'); // the device comes from navigator.gpu
  });
});
