// The train section's `tokenizer = words(min_count: n)` / `chars(...)`: written into the manifest for
// dlc train to build the vocabulary with, and refused where it cannot apply.
import { describe, expect, it } from 'vitest';
import { validateManifest } from '../../runtime/manifest-check.ts';
import { compiles, errors } from '../helpers/compile-source.ts';

const net = (setting: string, input = 'tokens[50, 6]', layers = 'embedding(4) -> global_avgpool1d'): string => `
model m {
  input text: ${input}
  input label: class[2]
  logits = text -> ${layers} -> dense(2)
  output logits
}
train m {
  loss = cross_entropy(logits, label)
  optimizer = adam(lr: 0.01)
  ${setting}
}`;

describe('train section tokenizer', () => {
  it('words and chars, with and without min_count, reach the manifest; no setting leaves none', () => {
    expect(compiles(net('tokenizer = words(min_count: 2)')).artifact!.manifest.train.tokenizer).toEqual({ level: 'word', minCount: 2 });
    expect(compiles(net('tokenizer = chars')).artifact!.manifest.train.tokenizer).toEqual({ level: 'character', minCount: 1 });
    expect(compiles(net('tokenizer = chars(3)')).artifact!.manifest.train.tokenizer).toEqual({ level: 'character', minCount: 3 });
    expect(compiles(net('')).artifact!.manifest.train.tokenizer).toBeUndefined();
  });

  it('the runtime\'s manifest check accepts it and refuses an unknown level or a count below 1', () => {
    const m = compiles(net('tokenizer = words(min_count: 2)')).artifact!.manifest;
    expect(() => validateManifest(JSON.parse(JSON.stringify(m)))).not.toThrow();
    const level = JSON.parse(JSON.stringify(m));
    level.train.tokenizer.level = 'bytes';
    expect(() => validateManifest(level)).toThrow(`train.tokenizer.level: "bytes" is not 'word' or 'character'`);
    const count = JSON.parse(JSON.stringify(m));
    count.train.tokenizer.minCount = 0;
    expect(() => validateManifest(count)).toThrow('train.tokenizer.minCount: 0 is not an integer in [1, ');
  });

  it('an unknown tokenizer, a count below 1, and a model without a token input', () => {
    expect(errors(net('tokenizer = word(min_count: 2)'))).toMatchInlineSnapshot(`
      "net.dl:11:15: error: unknown tokenizer 'word'; did you mean 'words'?
       11 |   tokenizer = word(min_count: 2)
          |               ^^^^"
    `);
    expect(errors(net('tokenizer = words(min_count: 0)'))).toMatchInlineSnapshot(`
      "net.dl:11:32: error: argument 'min_count' of words: expected a positive integer, got the integer 0
       11 |   tokenizer = words(min_count: 0)
          |                                ^"
    `);
    expect(errors(net('tokenizer = chars(max_tokens: 100)'))).toMatchInlineSnapshot(`
      "net.dl:11:21: error: unknown argument 'max_tokens' for chars: the vocabulary's size is the token input's V (tokens[V, T]), padding and unknown ids included (Keras max_tokens)
       11 |   tokenizer = chars(max_tokens: 100)
          |                     ^^^^^^^^^^"
    `);
    expect(errors(net('tokenizer = words', 'f32[6]', 'dense(4)'))).toMatchInlineSnapshot(`
      "net.dl:11:15: error: tokenizer applies to text data, for a model with a token input (tokens[vocab, length]); model 'm' has none
       11 |   tokenizer = words
          |               ^^^^^"
    `);
  });
});
