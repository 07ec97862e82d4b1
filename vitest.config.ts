// Tests run in forked processes: each owns its Dawn devices and destroys them before exiting.
import { availableParallelism } from 'node:os';
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
    setupFiles: ['test/setup/yield.ts'],
    pool: 'forks',
    // At least two test processes, also on 2 cores (vitest's default there is one): much of a GPU test
    // is waiting on a child process or a fence, and the suite took 22 min with one, 14.7 with two.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    minWorkers: 1,
    // gc() lets memory tests measure what is retained, not garbage awaiting collection.
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
    testTimeout: 120_000,
    hookTimeout: 60_000,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
