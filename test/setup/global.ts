// Vitest's globalSetup: builds the CLI bundle the tests spawn (see cli-bundle.ts), again before
// each watch-mode rerun so that no test runs a stale CLI. DLC_TEST_CLI=bin skips it.
import type { TestProject } from 'vitest/node';
import { buildCliBundle, CLI_BUNDLE_ENV } from './cli-bundle.ts';

export default async function setup(project: TestProject): Promise<void> {
  // DLC_TEST_CLI=bin runs every test through bin/dlc.js instead (to test it, or to compare times).
  if (process.env.DLC_TEST_CLI === 'bin') return;
  process.env[CLI_BUNDLE_ENV] = await buildCliBundle();
  project.onTestsRerun(async () => { await buildCliBundle(); });
}
