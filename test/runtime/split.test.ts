// Validation splits: the last rows (Keras' validation_split, the default) or, with --stratify, a
// seeded random fraction of each class.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadData } from '../../cli/data.ts';
import { parseCommandLine } from '../../cli/options.ts';
import { compile } from '../../compiler/compile.ts';
import { classOfEach, splitStratified, splitTail } from '../../runtime/data/split.ts';
import type { Samples } from '../../runtime/fit.ts';

const manifestOf = (file: string) => compile(readFileSync(file, 'utf8'), { file }).artifact!.manifest;

/** 100 samples sorted by class (70 of class 0, 20 of class 1, 10 of class 2): the worst case for the last rows. */
function sorted(): Samples {
  const y = Int32Array.from({ length: 100 }, (_, i) => (i < 70 ? 0 : i < 90 ? 1 : 2));
  const x = Float32Array.from({ length: 200 }, (_, i) => i);
  return { count: 100, tensors: { x, y } };
}

const counts = (y: Int32Array): number[] => [0, 1, 2].map((c) => y.filter((v) => v === c).length);

describe('validation splits', () => {
  it('the default takes the last rows, as Keras: on sorted data only the last class', () => {
    const { held } = splitTail(sorted(), 0.2);
    expect(counts(held.tensors.y as Int32Array)).toEqual([0, 10, 10]);
  });

  it('stratified: each class in proportion, seeded, the rows copied whole and in file order', () => {
    const d = sorted();
    const a = splitStratified(d, d.tensors.y as Int32Array, 0.2, 1);
    expect(counts(a.held.tensors.y as Int32Array)).toEqual([14, 4, 2]);
    expect(counts(a.train.tensors.y as Int32Array)).toEqual([56, 16, 8]);
    const heldIds = Array.from({ length: a.held.count }, (_, i) => a.held.tensors.x![i * 2]! / 2);
    const trainIds = Array.from({ length: a.train.count }, (_, i) => a.train.tensors.x![i * 2]! / 2);
    // Every sample once, features and label together, both parts ascending.
    expect([...heldIds, ...trainIds].sort((p, q) => p - q)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    for (const ids of [heldIds, trainIds]) expect(ids).toEqual([...ids].sort((p, q) => p - q));
    heldIds.forEach((id, i) => expect(a.held.tensors.y![i]).toBe(id < 70 ? 0 : id < 90 ? 1 : 2));
    // Shuffled: not the first or last rows of each class; the same seed gives the same split, another seed another.
    expect(heldIds.filter((id) => id < 70)).not.toEqual(Array.from({ length: 14 }, (_, i) => i));
    expect(splitStratified(d, d.tensors.y as Int32Array, 0.2, 1).held.tensors.x).toEqual(a.held.tensors.x);
    expect(splitStratified(d, d.tensors.y as Int32Array, 0.2, 2).held.tensors.x).not.toEqual(a.held.tensors.x);
  });

  it('one-hot targets count as the class of their largest value', () => {
    expect([...classOfEach(Float32Array.from([0, 1, 0, 1, 0, 0, 0, 0.2, 0.7]), 3)]).toEqual([1, 0, 2]);
  });

  it('dlc train --val-split 0.2 --stratify on blobs.csv: a fifth of each class, said in the data line', () => {
    const m = manifestOf('samples/blobs.dl');
    const all = loadData('samples/blobs.csv', m);
    const d = loadData('samples/blobs.csv', m, { valSplit: 0.2, stratify: true });
    const per = counts(all.train.tensors.label as Int32Array);
    expect(counts(d.val!.tensors.label as Int32Array)).toEqual(per.map((n) => Math.round(n * 0.2)));
    expect(d.train.count + d.val!.count).toBe(600);
    expect(d.description).toBe(`samples/blobs.csv: ${d.train.count} training samples, ${d.val!.count} for validation (20%, stratified by class, chosen with seed 1)`);
  });

  it('refused: --stratify without --val-split, on a regression target, on text data', () => {
    expect(() => parseCommandLine(['train', 'n.dl', '--stratify'])).toThrow('--stratify chooses how --val-split holds out validation samples: give --val-split too');
    expect(parseCommandLine(['train', 'n.dl', '--val-split', '0.2', '--stratify']).opts.stratify).toBe(true);
    const rows = ['f1,f2,f3,f4,f5,f6,f7,f8,t1,t2,t3', ...Array.from({ length: 10 }, (_, i) => Array.from({ length: 11 }, (_, j) => i + j).join(','))].join('\n');
    const file = join(mkdtempSync(join(tmpdir(), 'dlc-split-')), 'r.csv');
    writeFileSync(file, `${rows}\n`);
    expect(() => loadData(file, manifestOf('samples/regression.dl'), { valSplit: 0.2, stratify: true, label: ['t1', 't2', 't3'] })).toThrow("--stratify splits by class: it needs class labels (class[K]) or the targets of a cross_entropy or binary_cross_entropy loss; 'target' is the target of a mse loss");
    expect(() => loadData('spam', manifestOf('samples/spam_gru.dl'), { valSplit: 0.2, stratify: true })).toThrow('--stratify applies to array, CSV and mnist data');
  });
});
