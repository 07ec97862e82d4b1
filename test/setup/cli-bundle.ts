// The tests run the CLI hundreds of times. Through bin/dlc.js each run (and its supervised child)
// loads tsx and resolves ~100 TypeScript modules, about 1.5–2 s of CPU; one esbuild bundle of the
// same source, made when the test run starts (and again on a watch-mode rerun), loads in a fraction
// of that. Packages stay imports (webgpu is a native module), except the parser's: chevrotain's
// package entry loads ~650 lodash-es modules (0.5 s of CPU per start), bundled they load with the
// rest. bin/dlc.js keeps its own tests.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Inside the checkout, so that its packages resolve from node_modules, and ignored by git. */
export const CLI_BUNDLE = join(ROOT, 'test-output', 'cli', 'dlc.mjs');
/** Set for the test workers once the bundle is built: the path dlc() runs. */
export const CLI_BUNDLE_ENV = 'DLC_TEST_CLI_BUNDLE';

/** Bare imports stay imports, but chevrotain and what it imports are bundled. */
const externalPackagesButTheParser: Plugin = {
  name: 'external-packages-but-the-parser',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      /^(chevrotain|@chevrotain\/|lodash-es)/.test(args.path) ? undefined : { path: args.path, external: true });
  },
};

export async function buildCliBundle(): Promise<string> {
  mkdirSync(join(ROOT, 'test-output', 'cli'), { recursive: true });
  await build({
    entryPoints: [join(ROOT, 'test/setup/cli-entry.ts')],
    outfile: CLI_BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    plugins: [externalPackagesButTheParser],
    logLevel: 'warning',
  });
  return CLI_BUNDLE;
}
