// The demo in headless Chromium (Debian's package, WebGPU on SwiftShader): train the MLP for an epoch
// in the page, classify digits drawn on the canvas, show a diagnostic for broken text; and the same
// artifact from `dlc compile` trains the same in the page as in Node.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '../../runtime/data/mnist.ts';
import { loadArtifact } from '../../runtime/artifact-node.ts';
import { openDevice } from '../../runtime/device-node.ts';
import { Session } from '../../runtime/session.ts';
import { ROOT } from '../helpers/cli.ts';

const CHROMIUM = '/usr/lib/chromium/chromium';
const available = existsSync(CHROMIUM);
// In CI the browser is part of the setup: a missing one is a failure, not a skip.
const run = available || process.env.CI ? describe : describe.skip;
const OUT = join(ROOT, 'test-output', 'browser');

type Page = import('playwright-core').Page;
type Context = import('playwright-core').BrowserContext;

run('the demo page in headless Chromium', () => {
  let server: ChildProcess;
  let url = '';
  let ctx: Context;
  let page: Page;
  const pageErrors: string[] = [];
  const artifact = join(mkdtempSync(join(tmpdir(), 'dlc-web-')), 'mlp');
  const profile = mkdtempSync(join(tmpdir(), 'dlc-chromium-'));

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: run bash scripts/setup.sh --browser`).toBe(true);
    const c = spawnSync(process.execPath, [join(ROOT, 'bin/dlc.js'), 'compile', 'samples/mnist_mlp.dl', '-o', artifact], { cwd: ROOT, encoding: 'utf8' });
    expect(c.status, c.stderr).toBe(0);
    server = spawn(process.execPath, ['--import', 'tsx', 'demo/server.ts', '--port', '0', '--artifact', artifact], { cwd: ROOT });
    url = await new Promise<string>((resolve, reject) => {
      let text = '';
      server.stdout!.on('data', (d: Buffer) => {
        text += d.toString();
        const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(text);
        if (m) resolve(m[0]);
      });
      server.on('exit', (code) => reject(new Error(`demo server exited with ${code}`)));
    });
    const { chromium } = await import('playwright-core');
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--enable-unsafe-webgpu'],
    });
    page = ctx.pages()[0] ?? (await ctx.newPage());
    page.on('pageerror', (e) => { pageErrors.push(e.message); });
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { dlcDemo?: { status: { state: string } } }).dlcDemo?.status.state === 'ready', null, { timeout: 120_000 });
  }, 180_000);

  afterAll(async () => {
    expect(pageErrors).toEqual([]);
    await ctx?.close();
    server?.kill();
    rmSync(profile, { recursive: true, force: true });
  });

  it('trains the MLP for one epoch: the loss falls and held-out accuracy passes 85%; drawn test digits are classified', async () => {
    await page.click('#train');
    await page.waitForFunction(() => ['trained', 'failed'].includes((window as any).dlcDemo.status.state), null, { timeout: 600_000 });
    const status = await page.evaluate(() => (window as any).dlcDemo.status) as { state: string; losses: number[]; heldout: number; error?: string };
    expect(status.error).toBeUndefined();
    expect(status.state).toBe('trained');
    expect(status.losses.length).toBeGreaterThan(5);
    expect(status.losses[status.losses.length - 1]!).toBeLessThan(status.losses[0]! * 0.7);
    expect(status.heldout).toBeGreaterThan(0.85);
    // Ten digits of the test set drawn on the canvas (each pixel a 10×10 block) and classified.
    let right = 0;
    for (let k = 0; k < 10; k++) {
      const label = await page.evaluate((i) => (window as any).dlcDemo.drawTestDigit(i), k);
      const predicted = await page.evaluate(() => (window as any).dlcDemo.predictPad());
      expect(await page.textContent('#prediction')).toBe(`prediction: ${predicted}`);
      if (predicted === label) right++;
    }
    expect(right).toBeGreaterThanOrEqual(8);
    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: join(OUT, 'demo.png'), fullPage: true });
    expect(existsSync(join(OUT, 'demo.png'))).toBe(true);
  }, 620_000);

  it('an error in the network text shows in the page as the CLI prints it (line, column, caret)', async () => {
    await page.evaluate(() => (window as any).dlcDemo.setSource('model m {\n  input x: f32[4]\n  y = x -> dens(3)\n  output y\n}\n'));
    const text = await page.textContent('#errors');
    expect(text).toBe("net.dl:3:12: error: unknown layer 'dens'; did you mean 'dense'?\n 3 |   y = x -> dens(3)\n   |            ^^^^");
    expect(await page.isDisabled('#train')).toBe(true);
  });

  it('the artifact from dlc compile trains the same 20 steps in the page (SwiftShader) as in Node (Mesa), to 1e-3', async () => {
    const inPage = await page.evaluate(() => (window as any).dlcDemo.trainServedArtifact(20)) as number[];
    const a = loadArtifact(artifact);
    const h = await openDevice('gles');
    const s = await Session.create(await a, h.device);
    const { train } = loadMnist();
    const B = (await a).manifest.batch;
    const inNode: number[] = [];
    for (let k = 0; k < 20; k++) {
      inNode.push((await s.trainStep({ image: train.images.slice(k * B * 784, (k + 1) * B * 784), label: train.labels.slice(k * B, (k + 1) * B) }, { readLoss: true }))!);
    }
    s.dispose();
    h.destroy();
    expect(inPage).toHaveLength(20);
    for (let k = 0; k < 20; k++) expect(Math.abs(inPage[k]! - inNode[k]!) / Math.abs(inNode[k]!), `step ${k + 1}: page ${inPage[k]}, node ${inNode[k]}`).toBeLessThan(1e-3);
  }, 300_000);
});
