// Text goldens: the IR after each pass and every kernel's WGSL, for each sample, as checked in
// under test/golden/. A change to the compiler's output fails here until `npm run golden --
// --update` rewrites the files and a reviewer reads their diff; stale files fail too.
import { describe, expect, it } from 'vitest';
import { PASS_NAMES } from '../../compiler/pipeline.ts';
import { checkedInGoldens, goldenDifferences, goldenFiles } from '../../scripts/golden-files.ts';

describe('text goldens', () => {
  const want = goldenFiles();
  const have = checkedInGoldens();

  it('hold, for every sample, the IR after every pass and at least one kernel', () => {
    const samples = [...new Set([...want.keys()].map((p) => p.split('/')[0]!))];
    expect(samples).toEqual(['binary', 'blobs', 'mnist_cnn', 'mnist_cnn_augment', 'mnist_cnn_pruned', 'mnist_lstm', 'mnist_mlp', 'regression', 'residual_mlp', 'resnet_mini', 'spam_gru', 'spam_transformer', 'transfer_base', 'transfer_finetune']);
    for (const s of samples) {
      const passes = [...want.keys()].filter((p) => p.startsWith(`${s}/ir/`)).map((p) => p.split('/').pop()!.replace(/^\d\d-|\.txt$/g, ''));
      expect(passes, s).toEqual(PASS_NAMES);
      expect([...want.keys()].filter((p) => p.startsWith(`${s}/kernels/`)).length, s).toBeGreaterThan(0);
    }
  });

  it('match the compiler byte for byte (update with npm run golden -- --update and review the diff)', () => {
    expect(goldenDifferences(want, have)).toEqual({ changed: [], missing: [], stale: [] });
  });

  it('the comparison sees a one-character change, a missing file and a stale one', () => {
    const [first, second] = [...want.keys()];
    const edited = new Map(want);
    edited.set(first!, `${want.get(first!)!.slice(0, -1)}!`);
    edited.delete(second!);
    edited.set('old/ir/01-lower.txt', '');
    expect(goldenDifferences(want, edited)).toEqual({ changed: [first], missing: [second], stale: ['old/ir/01-lower.txt'] });
  });
});
