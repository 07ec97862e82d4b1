// A folder of PNG images per class: labels by sorted folder name, pixels channels-first in [0, 1]
// (or times --scale), and every refusal naming the file and what the model expected.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG, type ColorType } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../runtime/data/data-error.ts';
import { readImageFolder } from '../../runtime/data/image-folder-node.ts';
import { compiles } from '../helpers/compile-source.ts';
import { messageOf } from '../helpers/errors.ts';

const err = (f: () => unknown): string => messageOf(f, DataError);

/** A model taking `input` images and class[k] labels. */
const model = (input: string, k: number) => compiles(`model m {
  input image: ${input}
  input label: class[${k}]
  logits = image -> flatten -> dense(${k})
  output logits
}
train m {
  loss = cross_entropy(logits, label)
  optimizer = sgd(lr: 0.1)
  batch = 4
  epochs = 1
}`).artifact!.manifest;

/** A PNG of `w`×`h` whose pixel p has value (p * step + base) mod 256 in every colour channel; alpha 255. */
function png(w: number, h: number, base: number, opts: { colorType?: ColorType; rgb?: [number, number, number] } = {}): Buffer {
  const img = new PNG({ width: w, height: h });
  for (let p = 0; p < w * h; p++) {
    const v = (p * 7 + base) % 256;
    const [r, g, b] = opts.rgb ?? [v, v, v];
    img.data.set([r, g, b, 255], p * 4);
  }
  return PNG.sync.write(img, { colorType: opts.colorType ?? 0 });
}

/** A fresh folder with `files`: path (relative) → bytes. */
function folder(files: Record<string, Buffer | string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dlc-images-'));
  for (const [rel, bytes] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), bytes);
  }
  return dir;
}

describe('a folder of PNG images per class', () => {
  it('labels each image by its class folder in sorted order and scales pixels to [0, 1], channels first', () => {
    // Folders given out of order: zebra sorts last, so its images are class 2.
    const dir = folder({ 'zebra/a.png': png(3, 2, 200), 'ant/x.png': png(3, 2, 0), 'ant/deep/y.PNG': png(3, 2, 10), 'bee/b.png': png(3, 2, 100), 'bee/notes.txt': 'ignored' });
    const s = readImageFolder(dir, model('f32[2, 3]', 3));
    expect(s.classes).toEqual(['ant', 'bee', 'zebra']);
    expect(s.count).toBe(4);
    const images = s.tensors.image as Float32Array, labels = s.tensors.label as Int32Array;
    // The files come in a seeded shuffle: find each by its first pixel (its base).
    const byBase = new Map<number, number>();
    for (let i = 0; i < s.count; i++) byBase.set(Math.round(images[i * 6]! * 255), labels[i]!);
    expect([...byBase.entries()].sort((a, b) => a[0] - b[0])).toEqual([[0, 0], [10, 0], [100, 1], [200, 2]]);
    const first = [...images.subarray(0, 6)].map((v) => Math.round(v * 255));
    const base = first[0]!;
    expect(first).toEqual([0, 1, 2, 3, 4, 5].map((p) => (p * 7 + base) % 256));
    expect(images.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(Math.max(...images)).toBeCloseTo(235 / 255, 6);
    // --scale multiplies the bytes instead (1 keeps Keras' 0–255).
    const raw = readImageFolder(dir, model('f32[1, 2, 3]', 3), { scale: 1 });
    expect(Math.max(...(raw.tensors.image as Float32Array))).toBe(235);
  });

  it('reads RGB images into f32[3, H, W] as three planes, and drops an alpha channel', () => {
    const dir = folder({ 'a/1.png': png(2, 2, 0, { colorType: 6, rgb: [255, 0, 51] }), 'b/2.png': png(2, 2, 0, { colorType: 2, rgb: [255, 0, 51] }) });
    const s = readImageFolder(dir, model('f32[3, 2, 2]', 2));
    const images = [...(s.tensors.image as Float32Array)];
    expect(images.slice(0, 12)).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 0.2, 0.2, 0.2, 0.2].map((v) => Math.fround(v)));
    expect(images.slice(12)).toEqual(images.slice(0, 12));
  });

  it('refuses an image of another size or channel count, naming the file and what the model takes', () => {
    const small = folder({ 'a/ok.png': png(3, 2, 0), 'b/big.png': png(4, 2, 0) });
    expect(err(() => readImageFolder(small, model('f32[2, 3]', 2)))).toBe(`${join(small, 'b/big.png')}: a 4×2 image, but the model's input takes 3×2 grayscale images (dlc does not resize or convert images)`);
    const colour = folder({ 'a/ok.png': png(3, 2, 0), 'b/rgb.png': png(3, 2, 0, { colorType: 2, rgb: [1, 2, 3] }) });
    expect(err(() => readImageFolder(colour, model('f32[1, 2, 3]', 2)))).toBe(`${join(colour, 'b/rgb.png')}: a 3×2 RGB image, but the model's input takes 3×2 grayscale images (dlc does not resize or convert images)`);
    expect(err(() => readImageFolder(colour, model('f32[3, 2, 3]', 2)))).toBe(`${join(colour, 'a/ok.png')}: a 3×2 grayscale image, but the model's input takes 3×2 RGB images (dlc does not resize or convert images)`);
  });

  it('refuses a file that is not a PNG, a corrupt PNG and other image formats, naming the file', () => {
    const fake = folder({ 'a/ok.png': png(2, 2, 0), 'b/fake.png': 'not an image' });
    expect(err(() => readImageFolder(fake, model('f32[2, 2]', 2)))).toBe(`${join(fake, 'b/fake.png')}: not a PNG file (no PNG signature and IHDR header)`);
    const good = png(2, 2, 0);
    const corrupt = Buffer.from(good);
    corrupt[corrupt.length - 20] ^= 0xff; // inside the image data: its CRC no longer matches
    const bad = folder({ 'a/ok.png': good, 'b/bad.png': corrupt });
    expect(err(() => readImageFolder(bad, model('f32[2, 2]', 2)))).toMatch(new RegExp(`^${join(bad, 'b/bad.png').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not a readable PNG file \\(.+\\)$`));
    const cut = folder({ 'a/ok.png': good, 'b/cut.png': good.subarray(0, good.length - 12) }); // no IEND
    expect(err(() => readImageFolder(cut, model('f32[2, 2]', 2)))).toMatch(/\/b\/cut\.png: not a readable PNG file \(.+\)$/);
    const jpeg = folder({ 'a/ok.png': good, 'b/photo.JPG': 'jpeg bytes' });
    expect(err(() => readImageFolder(jpeg, model('f32[2, 2]', 2)))).toBe(`${join(jpeg, 'b/photo.JPG')}: dlc reads PNG images only; convert it to .png (or move it out of the data folder)`);
  });

  it('refuses a class folder without images, a class count other than the label\'s, and a model the images cannot fill', () => {
    const empty = folder({ 'a/ok.png': png(2, 2, 0), 'b/readme.txt': 'no images' });
    expect(err(() => readImageFolder(empty, model('f32[2, 2]', 2)))).toBe(`${join(empty, 'b')}: the class folder 'b' holds no .png files`);
    const three = folder({ 'a/1.png': png(2, 2, 0), 'b/2.png': png(2, 2, 0), 'c/3.png': png(2, 2, 0) });
    expect(err(() => readImageFolder(three, model('f32[2, 2]', 2)))).toBe(`${three}: 3 class folders (a, b, c), but the model's label input is label: class[2]: a folder of images gives one class per folder; declare class[3]`);
    expect(err(() => readImageFolder(three, model('f32[4]', 3)))).toBe(`${three}: a folder of images fills an input f32[height, width] or f32[1, height, width] (grayscale) or f32[3, height, width] (RGB, channels first); the model's input is image: f32[4]`);
    const one = folder({ 'a/1.png': png(2, 2, 0) });
    expect(err(() => readImageFolder(one, model('f32[2, 2]', 2)))).toBe(`${one}: 1 class folder; an image data folder holds one folder per class (at least two), e.g. cats/ and dogs/ with .png files`);
  });
});
