// The compiler's own SHA-256 (kernel hashes in the manifest) against FIPS vectors and node:crypto.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../compiler/sha256.ts';
import { Rng } from '../../runtime/random.ts';

describe('sha256Hex', () => {
  it('matches the FIPS 180-4 / NIST test vectors', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
    expect(sha256Hex('a'.repeat(1_000_000))).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  });
  it('hashes strings as UTF-8, like node:crypto', () => {
    const text = 'fn main() { // ünïcödé ✓ 𝔸 }\n';
    expect(sha256Hex(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
  });
  it('agrees with node:crypto on 500 random inputs of 0..300 bytes (every padding boundary)', () => {
    const rng = new Rng(19);
    for (let n = 0; n < 500; n++) {
      const len = n < 300 ? n : Math.floor(rng.next() * 5000);
      const bytes = Uint8Array.from({ length: len }, () => Math.floor(rng.next() * 256));
      expect(sha256Hex(bytes), `length ${len}`).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });
});
