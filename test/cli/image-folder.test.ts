// dlc train / eval --data FOLDER: a folder of PNG images per class trains and evaluates a model;
// a bad image stops the run before anything is written.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../runtime/random.ts';
import { dlc } from '../helpers/cli.ts';

const ENV = { DLC_ADAPTER: 'gles' };

const NET = `model shades {
  input image: f32[1, 8, 8]
  input label: class[3]
  logits = image -> flatten -> dense(3)
  output logits
}
train shades {
  loss = cross_entropy(logits, label)
  optimizer = adam(lr: 0.05)
  batch = 8
  epochs = 1
  metrics = [accuracy]
  seed = 1
}`;

/** An 8×8 grayscale PNG around `level` (± 20 of seeded noise). */
function shade(level: number, rng: Rng): Buffer {
  const img = new PNG({ width: 8, height: 8 });
  for (let p = 0; p < 64; p++) {
    const v = Math.max(0, Math.min(255, level + rng.int(41) - 20));
    img.data.set([v, v, v, 255], p * 4);
  }
  return PNG.sync.write(img, { colorType: 0 });
}

/** A folder of 12 images in each of dark/, light/ and mid/ (labels 0, 1, 2: sorted names), and the model. */
function setUp(): { dir: string; data: string; net: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dlc-image-folder-'));
  const data = join(dir, 'shades');
  const rng = new Rng(7);
  for (const [name, level] of [['dark', 30], ['mid', 128], ['light', 225]] as const) {
    mkdirSync(join(data, name), { recursive: true });
    for (let i = 0; i < 12; i++) writeFileSync(join(data, name, `${i}.png`), shade(level, rng));
  }
  writeFileSync(join(dir, 'net.dl'), NET);
  return { dir, data, net: join(dir, 'net.dl') };
}

describe('--data FOLDER of PNG images', () => {
  it('trains a model for an epoch and evaluates it on the folder', async () => {
    const { dir, data, net } = setUp();
    const out = join(dir, 'run');
    const t = await dlc(['train', net, '--data', data, '--val-split', '0.25', '--out', out], { env: ENV });
    expect(t.stderr).toBe('');
    expect(t.code).toBe(0);
    expect(t.stdout).toContain(`${data}: 27 training samples, 9 for validation (the last 25%)`);
    expect(existsSync(join(out, 'weights.safetensors'))).toBe(true);
    const e = await dlc(['eval', net, '--weights', join(out, 'weights.safetensors'), '--data', data], { env: ENV });
    expect(e.stderr).toBe('');
    expect(e.code).toBe(0);
    expect(e.stdout).toMatch(new RegExp(`^${data.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: .*accuracy .* on 36 samples`, 'm'));
  }, 240_000);

  it('refuses an image of the wrong size with its path, exit 1, nothing written', async () => {
    const { dir, data, net } = setUp();
    const odd = new PNG({ width: 9, height: 8 });
    writeFileSync(join(data, 'mid', 'odd.png'), PNG.sync.write(odd));
    const out = join(dir, 'run');
    const t = await dlc(['train', net, '--data', data, '--out', out], { env: ENV });
    expect(t.stderr).toBe(`dlc: ${join(data, 'mid', 'odd.png')}: a 9×8 image, but the model's input takes 8×8 grayscale images (dlc does not resize or convert images)\n`);
    expect(t.code).toBe(1);
    expect(existsSync(out)).toBe(false);
  }, 120_000);
});
