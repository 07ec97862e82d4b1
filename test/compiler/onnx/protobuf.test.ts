// The protobuf writer against encodings worked out in the protocol-buffers encoding guide: varints
// (150 → 96 01), a negative int64 as ten bytes, a length-delimited string, a little-endian float and
// a nested message.
import { describe, expect, it } from 'vitest';
import { ProtoWriter } from '../../../compiler/onnx/protobuf.ts';

const hex = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');

describe('ProtoWriter', () => {
  it('writes varints, negative int64s, strings, floats and nested messages', () => {
    expect(hex(new ProtoWriter().int(1, 150).finish())).toBe('08 96 01');
    expect(hex(new ProtoWriter().int(1, 0).finish())).toBe('08 00');
    expect(hex(new ProtoWriter().int(3, -1).finish())).toBe('18 ff ff ff ff ff ff ff ff ff 01');
    expect(hex(new ProtoWriter().int(1, 2 ** 35).finish())).toBe('08 80 80 80 80 80 01');
    expect(hex(new ProtoWriter().string(2, 'testing').finish())).toBe('12 07 74 65 73 74 69 6e 67');
    expect(hex(new ProtoWriter().float(2, 1).finish())).toBe('15 00 00 80 3f');
    expect(hex(new ProtoWriter().message(3, (w) => w.int(1, 150)).finish())).toBe('1a 03 08 96 01');
  });

  it('refuses a number that is not a safe integer', () => {
    expect(() => new ProtoWriter().int(1, 1.5)).toThrow(/internal error/);
  });
});
