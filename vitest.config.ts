// Tests run in forked processes: each owns its Dawn devices and destroys them before exiting.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// chevrotain's package entry loads ~650 lodash-es modules, 0.5 s of CPU in each of the ~150 test
// processes; the same release ships its API as one file, which its exports map does not name.
const chevrotainSingleFile = fileURLToPath(new URL('./node_modules/chevrotain/lib/chevrotain.mjs', import.meta.url));

export default defineConfig({
  resolve: { alias: { chevrotain: chevrotainSingleFile } },
  test: {
    include: ['test/**/*.test.ts'],
    // Bundles the CLI once for the tests that spawn it (test/setup/cli-bundle.ts).
    globalSetup: ['test/setup/global.ts'],
    pool: 'forks',
    // gc() lets memory tests measure what is retained, not garbage awaiting collection.
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
    testTimeout: 120_000,
    hookTimeout: 60_000,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
