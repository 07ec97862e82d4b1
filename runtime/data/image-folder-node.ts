// An image data set as a folder of class folders (data/cats/*.png, data/dogs/*.png), as Keras's
// image_dataset_from_directory indexes one (class-folders-node.ts lists and checks the files; class
// id = the folder's position in sorted order). Each .png is decoded with pngjs and must already have
// the model's size and channel count (nothing is resized or converted): an input f32[H, W] or
// f32[1, H, W] takes grayscale images, f32[3, H, W] colour ones (dlc's channels-first layout); an
// alpha channel is dropped, as Keras' color_mode "grayscale" and "rgb" drop it. Pixels are the bytes
// times `scale` (1/255 unless given: [0, 1], as the mnist data set). Node only.
import { PNG } from 'pngjs';
import type { InputSpec, Manifest } from '../../compiler/artifact.ts';
import { printable } from '../../dsl/printable.ts';
import type { Samples } from '../fit.ts';
import { classFolderFiles } from './class-folders-node.ts';
import { DataError, shownFile } from './data-error.ts';
import { checkF32 } from './f32.ts';
import { MAX_ARRAY_FILE_BYTES, MAX_VALUES } from './limits.ts';
import { describeInput, featureAndLabel } from './model-inputs.ts';
import { readFileBounded } from './read-bounded-node.ts';

/** Most bytes all the .png files of one folder may hold together: the bound of one array file. */
export const MAX_IMAGE_FOLDER_BYTES = MAX_ARRAY_FILE_BYTES;

/** Image formats (Keras reads some of them) that dlc does not: refused by name rather than silently left out. */
const OTHER_IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.bmp', '.gif', '.webp', '.tif', '.tiff'];

/** The image every file must be: channels, height, width. */
interface ImageShape {
  channels: 1 | 3;
  height: number;
  width: number;
}

/** An image folder's samples, with the class names in label order. */
export interface ImageFolderSamples extends Samples {
  classes: string[];
}

const CHANNEL_WORDS = { 1: 'grayscale', 3: 'RGB' } as const;
const describeImage = (s: ImageShape): string => `${s.width}×${s.height} ${CHANNEL_WORDS[s.channels]}`;

/** The image shape an input takes: f32[H, W] or f32[1, H, W] grayscale, f32[3, H, W] RGB; else a DataError. */
function imageShapeOf(feature: InputSpec, dir: string): ImageShape {
  const dims = feature.shape.slice(1);
  if (feature.dtype === 'f32' && dims.length === 2) return { channels: 1, height: dims[0]!, width: dims[1]! };
  if (feature.dtype === 'f32' && dims.length === 3 && (dims[0] === 1 || dims[0] === 3)) return { channels: dims[0], height: dims[1]!, width: dims[2]! };
  throw new DataError(`${shownFile(dir)}: a folder of images fills an input f32[height, width] or f32[1, height, width] (grayscale) or f32[3, height, width] (RGB, channels first); the model's input is ${describeInput({ ...feature, name: printable(feature.name) })}`);
}

/** PNG's 8-byte signature. */
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * The width and height of a PNG from its IHDR chunk (always the first), read before decoding so an
 * image of the wrong size, even one claiming billions of pixels, is refused without inflating it.
 */
function pngSize(bytes: Uint8Array, file: string): { width: number; height: number } {
  const isPng = bytes.length >= 24 && PNG_SIGNATURE.every((b, i) => bytes[i] === b) && String.fromCharCode(...bytes.subarray(12, 16)) === 'IHDR';
  if (!isPng) throw new DataError(`${shownFile(file)}: not a PNG file (no PNG signature and IHDR header)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16, false), height: view.getUint32(20, false) };
}

/** The pixels of one PNG file as channels-first bytes (channels × height × width), checked against `want`. */
function decodePng(bytes: Uint8Array, file: string, want: ImageShape): Uint8Array {
  const size = pngSize(bytes, file);
  const wrongSize = (got: string): DataError => new DataError(`${shownFile(file)}: a ${got} image, but the model's input takes ${describeImage(want)} images (dlc does not resize or convert images)`);
  if (size.width !== want.width || size.height !== want.height) throw wrongSize(`${size.width}×${size.height}`);
  let png;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    throw new DataError(`${shownFile(file)}: not a readable PNG file (${printable((err as Error).message)})`);
  }
  const channels = png.color ? 3 : 1;
  if (channels !== want.channels) throw wrongSize(describeImage({ ...size, channels }));
  // pngjs gives RGBA bytes, row by row, whatever the file's colour type and depth (16 bits rescaled to 8).
  const plane = want.height * want.width;
  const out = new Uint8Array(channels * plane);
  for (let p = 0; p < plane; p++) for (let c = 0; c < channels; c++) out[c * plane + p] = png.data[p * 4 + c]!;
  return out;
}

/**
 * The images under `dir` (see the file comment), each label the index of its class folder in sorted
 * order, for the model's one image input and its class[N] label input, N the number of class folders.
 * @throws DataError naming the folder or file: a model the images do not fit, a class count other
 *   than the label's, a file that is not a PNG or is corrupt, an image of another size or channel count.
 */
export function readImageFolder(dir: string, m: Manifest, opts: { scale?: number } = {}): ImageFolderSamples {
  const { feature, target, weight } = featureAndLabel(m, 'a folder of images');
  if (weight) throw new DataError(`${shownFile(dir)}: the loss weighs samples by the input '${printable(weight.name)}' (sample_weight), which a folder of images does not give; use a .csv or .npz file`);
  const want = imageShapeOf(feature, dir);
  const { classes, files } = classFolderFiles(dir, {
    extension: '.png', what: 'image', example: 'cats/ and dogs/', maxBytes: MAX_IMAGE_FOLDER_BYTES,
    refused: { extensions: OTHER_IMAGE_EXTENSIONS, why: 'dlc reads PNG images only; convert it to .png (or move it out of the data folder)' },
  });
  if (target.classes !== classes.length) {
    const names = classes.map((c) => printable(c)).join(', ');
    throw new DataError(`${shownFile(dir)}: ${classes.length} class folders (${names}), but the model's label input is ${describeInput({ ...target, name: printable(target.name) })}: a folder of images gives one class per folder; declare class[${classes.length}]`);
  }
  const per = want.channels * want.height * want.width;
  if (files.length * per > MAX_VALUES) throw new DataError(`${shownFile(dir)}: ${files.length} images of ${per} values hold more than dlc reads (${MAX_VALUES} values)`);
  const scale = opts.scale ?? 1 / 255;
  checkF32(255 * scale, `${shownFile(dir)}: the brightest pixel, 255 × ${scale}`);
  const images = new Float32Array(files.length * per);
  // readFileBounded stats again on the open file: one swapped for a FIFO, or grown past what is
  // left of the folder's bound since, is refused.
  let left = MAX_IMAGE_FOLDER_BYTES;
  files.forEach((f, i) => {
    const bytes = readFileBounded(f.path, { what: 'data file', limit: left });
    left -= bytes.length;
    const pixels = decodePng(bytes, f.path, want);
    for (let j = 0; j < per; j++) images[i * per + j] = pixels[j]! * scale;
  });
  return { count: files.length, tensors: { [feature.name]: images, [target.name]: Int32Array.from(files, (f) => f.label) }, classes };
}
