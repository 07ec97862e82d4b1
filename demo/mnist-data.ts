// The MNIST digits the page trains on, fetched from the demo server (packed by server.ts), and keyed
// by a model's own input names through the check the CLI uses (runtime/data/mnist-fit.ts).
import type { Manifest } from '../compiler/artifact.ts';
import { mnistInputs } from '../runtime/data/mnist-fit.ts';
import type { Samples } from '../runtime/fit.ts';

/** One split: pixels in [0, 1] (count × 784) and labels. */
export interface Digits {
  count: number;
  images: Float32Array;
  labels: Int32Array;
}

/** The page's copy of the digits: 8,000 to train on, 2,000 held out (the CLI's split). */
export interface Mnist {
  train: Digits;
  test: Digits;
}

/** MNIST from the server: u32 counts, then per split the pixels (bytes) and the labels (see server.ts). */
export async function fetchMnist(url = '/mnist.bin'): Promise<Mnist> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot load the MNIST digits from ${url}: HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const [nTrain, nTest] = new Uint32Array(bytes.buffer.slice(0, 8));
  let o = 8;
  const split = (count: number): Digits => {
    const images = Float32Array.from(bytes.subarray(o, o + count * 784), (v) => v / 255);
    o += count * 784;
    const labels = Int32Array.from(bytes.subarray(o, o + count));
    o += count;
    return { count, images, labels };
  };
  const train = split(nTrain!);
  return { train, test: split(nTest!) };
}

/**
 * The digits keyed by the model's inputs, or the CLI's message for a model that does not take
 * MNIST (e.g. two features, as blobs.dl).
 */
export function samplesFor(m: Manifest, d: Digits): Samples | { error: string } {
  const fit = mnistInputs(m);
  if ('error' in fit) return fit;
  return { count: d.count, tensors: { [fit.image]: d.images, [fit.label]: d.labels } };
}
