// Batches from samples read one after another from a file (a streamed CSV or .npy): in file order,
// or shuffled through a seeded buffer (as tf.data's shuffle(buffer_size)), each epoch seeded by
// (seed, epoch), so a resumed run reads the same batches as an uninterrupted one. The buffer and
// a ring of batches are the only memory it holds, whatever the file's size.
import type { TensorData } from '../session.ts';
import { Rng } from '../random.ts';

/** How a streamed reader sizes its buffers; tests make them small to show the bounds on small files. */
export interface StreamBuffers {
  /** Bytes read from disk at a time (a chunk grows to hold a longer row). */
  chunkBytes?: number;
  /** Bytes of samples the shuffle buffer holds (its rows: at least 16 batches). */
  shuffleBytes?: number;
}

/** Bytes read from disk at a time by default. */
export const CHUNK_BYTES = 2 ** 20;

/** Bytes of samples the shuffle buffer holds by default (its rows: at least 16 batches). */
export const SHUFFLE_BUFFER_BYTES = 32 * 2 ** 20;

/**
 * Batches whose arrays are filled in turn: a batch handed out is refilled three batches later (the
 * trainer holds two: the one on the GPU and the next), so batches make no garbage.
 */
const BATCH_RING = 4;

/** The bytes a streamed reader holds: its largest read buffer and shuffle buffer so far (the batches it hands out aside). */
export interface StreamMemory {
  readBuffer: number;
  shuffleBuffer: number;
}

/** The file's current sample, written where the batcher asks. */
export interface SampleCursor {
  /** Writes the current sample as sample `j` of `to`. */
  put(to: Record<string, TensorData>, j: number): void;
}

/** What the batcher needs of a reader. */
export interface BatchSource {
  count: number;
  /** Arrays for `n` samples, by input name. */
  alloc(n: number): Record<string, TensorData>;
  /** Each sample of the file in order: the cursor (one object, reused) is on it until the next. */
  samples(): Iterable<SampleCursor>;
  shuffleBytes: number;
  memory: StreamMemory;
}

/**
 * A function copying sample `i` of `from` to sample `j` of `to`, arrays shaped as `one` (a sample's):
 * value by value, as a subarray per sample would be garbage per sample.
 */
export function sampleCopier(one: Record<string, TensorData>): (from: Record<string, TensorData>, i: number, to: Record<string, TensorData>, j: number) => void {
  const perSample = Object.entries(one).map(([name, v]) => [name, v.length] as const);
  return (from, i, to, j) => {
    for (let p = 0; p < perSample.length; p++) {
      const [name, n] = perSample[p]!;
      const a = from[name]!, b = to[name]!;
      for (let q = 0; q < n; q++) b[j * n + q] = a[i * n + q]!;
    }
  };
}

/** One epoch's batches of `batch` samples from `src` (the last one shorter), shuffled through the buffer or in file order. */
export function* bufferedBatches(src: BatchSource, epoch: number, seed: number, batch: number, shuffle: boolean): Generator<Record<string, TensorData>> {
  const one = src.alloc(1);
  const copy = sampleCopier(one);
  const bytesPerSample = Object.values(one).reduce((a, v) => a + v.length, 0) * 4;
  const size = shuffle ? Math.min(src.count, Math.max(16 * batch, Math.floor(src.shuffleBytes / bytesPerSample))) : 0;
  const buffer = src.alloc(Math.max(size, 1));
  src.memory.shuffleBuffer = Math.max(src.memory.shuffleBuffer, Math.max(size, 1) * bytesPerSample);
  const rng = new Rng((Math.imul(seed, 1_000_003) + epoch) >>> 0);
  let held = 0;
  const ring = Array.from({ length: BATCH_RING }, () => src.alloc(batch));
  let turn = 0;
  let out = ring[0]!;
  let inBatch = 0;
  for (const sample of src.samples()) {
    if (!shuffle) {
      sample.put(out, inBatch++);
    } else if (held < size) {
      sample.put(buffer, held++);
      continue;
    } else {
      // A full buffer: a random sample of it goes out, the new one takes its place.
      const j = rng.int(size);
      copy(buffer, j, out, inBatch++);
      sample.put(buffer, j);
    }
    if (inBatch === batch) {
      yield out;
      out = ring[++turn % BATCH_RING]!;
      inBatch = 0;
    }
  }
  // The buffer's rest, in random order.
  for (const j of rng.shuffle(Array.from({ length: held }, (_, i) => i))) {
    copy(buffer, j, out, inBatch++);
    if (inBatch === batch) {
      yield out;
      out = ring[++turn % BATCH_RING]!;
      inBatch = 0;
    }
  }
  if (inBatch > 0) yield Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.subarray(0, inBatch * one[k]!.length)]));
}
