// The MNIST loader: split sizes, value range, balance, determinism, and train/test disjointness.
import { describe, it, expect } from 'vitest';
import { datasetSlice, loadMnist, MNIST_PIXELS } from '../../runtime/data/mnist.ts';

const first = loadMnist();

/** A string key per image, to compare samples across splits and loads. */
/** Byte-wise equality; toEqual on millions of elements is far too slow. */
function sameBytes(a: Float32Array | Int32Array, b: Float32Array | Int32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function imageKey(images: Float32Array, i: number): string {
  return Array.from(images.subarray(i * MNIST_PIXELS, (i + 1) * MNIST_PIXELS), (v) => v.toFixed(4)).join(',');
}

describe('loadMnist', () => {
  it('splits 10,000 digits into 8,000 train and 2,000 test', () => {
    expect(first.train.count).toBe(8000);
    expect(first.train.images.length).toBe(8000 * 784);
    expect(first.train.labels.length).toBe(8000);
    expect(first.test.count).toBe(2000);
    expect(first.test.images.length).toBe(2000 * 784);
    expect(first.test.labels.length).toBe(2000);
  });

  it('has pixels in [0, 1] and labels in 0..9', () => {
    for (const ds of [first.train, first.test]) {
      let min = Infinity, max = -Infinity;
      for (const v of ds.images) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      expect(min).toBe(0);
      expect(max).toBeLessThanOrEqual(1);
      expect(max).toBeGreaterThan(0.9);
      expect(ds.labels.every((l) => l >= 0 && l <= 9)).toBe(true);
    }
  });

  it('shuffles so that both splits hold every digit in roughly equal shares', () => {
    for (const ds of [first.train, first.test]) {
      const histogram = new Array<number>(10).fill(0);
      for (const l of ds.labels) histogram[l]++;
      for (const n of histogram) {
        expect(n / ds.count).toBeGreaterThan(0.06);
        expect(n / ds.count).toBeLessThan(0.14);
      }
    }
    // Not sorted by digit: the first 100 train labels are mixed.
    expect(new Set(first.train.labels.subarray(0, 100)).size).toBe(10);
  });

  it('returns the same order on every load', () => {
    const second = loadMnist();
    expect(sameBytes(second.train.labels, first.train.labels)).toBe(true);
    expect(sameBytes(second.test.labels, first.test.labels)).toBe(true);
    expect(sameBytes(second.train.images, first.train.images)).toBe(true);
    expect(sameBytes(second.test.images, first.test.images)).toBe(true);
    // Fresh arrays each call (not.toBe would deep-compare 6M values on the way, so compare identity directly).
    expect(second.train.images === first.train.images).toBe(false);
  });

  it('keeps train and test disjoint', () => {
    const train = new Set<string>();
    for (let i = 0; i < first.train.count; i++) train.add(imageKey(first.train.images, i));
    let shared = 0;
    for (let i = 0; i < first.test.count; i++) if (train.has(imageKey(first.test.images, i))) shared++;
    // The package holds a handful of byte-identical digits; a leak of the split would show hundreds.
    expect(shared).toBeLessThanOrEqual(5);
  });
});

describe('datasetSlice', () => {
  it('returns views of the requested samples', () => {
    const s = datasetSlice(first.test, 10, 5);
    expect(s.count).toBe(5);
    expect(s.labels).toEqual(first.test.labels.subarray(10, 15));
    expect(s.images.length).toBe(5 * 784);
    expect(s.images[0]).toBe(first.test.images[10 * 784]);
  });

  it('rejects ranges outside the dataset', () => {
    expect(() => datasetSlice(first.test, 1999, 2)).toThrow('datasetSlice: samples [1999, 2001) are outside 0..2000');
  });
});
