// The page's script: demo/app.ts and everything it imports (compiler, runtime), bundled for the
// browser by esbuild. A Node module anywhere in that graph fails the build (platform: browser).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export async function bundle(): Promise<string> {
  const out = await build({
    entryPoints: [join(ROOT, 'demo/app.ts')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}
