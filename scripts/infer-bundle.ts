// The size a page pays for `dlc/infer`: infer.ts and everything it imports bundled and minified by
// esbuild for the browser (a Node module in that graph fails the build). `npx tsx scripts/infer-bundle.ts`
// prints the figure the README quotes; test/package/infer-bundle.test.ts checks it.
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The minified browser bundle of infer.ts, its bytes and gzip-compressed bytes. */
export async function inferBundle(): Promise<{ js: string; bytes: number; gzipBytes: number }> {
  const out = await build({
    entryPoints: [join(ROOT, 'infer.ts')], bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent',
  });
  const js = out.outputFiles[0]!.text;
  const bytes = out.outputFiles[0]!.contents.byteLength;
  return { js, bytes, gzipBytes: gzipSync(out.outputFiles[0]!.contents, { level: 9 }).byteLength };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { bytes, gzipBytes } = await inferBundle();
  process.stdout.write(`dlc/infer minified browser bundle: ${bytes} bytes (${(bytes / 1024).toFixed(1)} KiB), ${gzipBytes} bytes gzipped (${(gzipBytes / 1024).toFixed(1)} KiB)\n`);
}
