// Tests run in forked processes: each owns its Dawn devices and destroys them before exiting.
import { defineConfig } from 'vitest/config';

export default defineConfig({
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
