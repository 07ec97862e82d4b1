// The demo server answers only what a page it served would ask: GET or HEAD, with a Host naming
// 127.0.0.1, localhost or [::1] and its port. A DNS-rebinding page (another Host) and other methods
// are refused before any file is read. Real HTTP requests to the real server on 127.0.0.1.
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dlc, ROOT } from '../helpers/cli.ts';

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: string }

let server: ChildProcess;
let port = 0;

/** One request to the server with the given method and Host header (forged at will). */
function ask(method: string, path: string, host: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** An HTTP/1.0 request without any Host header, over a raw socket; resolves to the status line. */
function askWithoutHost(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`GET ${path} HTTP/1.0\r\n\r\n`));
    let text = '';
    socket.on('data', (d) => { text += d.toString(); });
    socket.on('end', () => resolve(text.split('\r\n')[0]!));
    socket.on('error', reject);
  });
}

beforeAll(async () => {
  const artifact = join(mkdtempSync(join(tmpdir(), 'dlc-demo-')), 'art');
  expect((await dlc(['compile', 'samples/blobs.dl', '-o', artifact])).code).toBe(0);
  server = spawn(process.execPath, ['--import', 'tsx', 'demo/server.ts', '--port', '0', '--artifact', artifact], { cwd: ROOT });
  port = await new Promise<number>((resolve, reject) => {
    let text = '';
    server.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(text);
      if (m) resolve(Number(m[1]));
    });
    server.on('exit', (code) => reject(new Error(`demo server exited with ${code}`)));
  });
}, 120_000);

afterAll(async () => {
  server?.kill();
});

describe('demo server', () => {
  it('answers GET for its own Host names: 127.0.0.1, localhost and [::1] with its port', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      const r = await ask('GET', '/samples/blobs.dl', host);
      expect(r.status, host).toBe(200);
      expect(r.body).toContain('model blobs');
    }
    expect((await ask('GET', '/artifact/manifest.json', `127.0.0.1:${port}`)).body).toContain('"dlc-artifact"');
  });

  it('refuses any other Host (a DNS-rebinding page) with 421, showing no file', async () => {
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1:${port + 1}`, '127.0.0.1', `127.0.0.1.evil.example:${port}`]) {
      for (const path of ['/samples/blobs.dl', '/artifact/manifest.json', '/']) {
        const r = await ask('GET', path, host);
        expect(r.status, `${host} ${path}`).toBe(421);
        expect(r.body).toBe(`this server answers only http://127.0.0.1:${port}/`);
      }
    }
    expect(await askWithoutHost('/samples/blobs.dl')).toBe('HTTP/1.1 421 Misdirected Request');
  });

  it('answers HEAD without a body, and refuses other methods with 405 and Allow: GET, HEAD', async () => {
    const head = await ask('HEAD', '/samples/blobs.dl', `127.0.0.1:${port}`);
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('text/plain');
    expect(head.body).toBe('');
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const r = await ask(method, '/samples/blobs.dl', `127.0.0.1:${port}`);
      expect(r.status, method).toBe(405);
      expect(r.headers.allow).toBe('GET, HEAD');
      expect(r.body).not.toContain('model blobs');
    }
  });
});

describe('demo server, malformed requests', () => {
  it('answers a request target that is not a URL with 400 and keeps serving', async () => {
    const socket = connect(port, '127.0.0.1');
    const status = await new Promise<string>((resolve, reject) => {
      let text = '';
      socket.on('connect', () => socket.write(`GET http://[ HTTP/1.0\r\nHost: 127.0.0.1:${port}\r\n\r\n`));
      socket.on('data', (d) => { text += d.toString(); });
      socket.on('end', () => resolve(text.split('\r\n')[0]!));
      socket.on('error', reject);
    });
    expect(status).toMatch(/^HTTP\/1\.[01] 400/);
    expect((await ask('GET', '/samples/blobs.dl', `127.0.0.1:${port}`)).status).toBe(200);
  });
});
