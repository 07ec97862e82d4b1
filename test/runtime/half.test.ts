// f16 on the host (runtime/half.ts) and F16 in safetensors: every f16 value round-trips, midpoints
// round to even, overflow goes to infinity, and a file's F16 tensor keeps its bits.
import { describe, expect, it } from 'vitest';
import { f16Bits, f16Value, roundToF16 } from '../../runtime/half.ts';
import { decodeSafetensors, encodeSafetensors } from '../../runtime/safetensors.ts';

describe('f16 rounding', () => {
  it('every finite f16 value converts to its own bits', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00) continue;
      expect(f16Bits(f16Value(h))).toBe(h);
    }
  });

  it('a midpoint between neighbours rounds to the even one; a little past it, to the farther one', () => {
    for (const h of [0x0000, 0x0001, 0x03ff, 0x3c00, 0x3c01, 0x7bfe, 0x8001, 0xbc00]) {
      const [a, b] = [f16Value(h), f16Value(h + 1)];
      expect(f16Bits((a + b) / 2)).toBe(h & 1 ? h + 1 : h);
      expect(f16Bits(Math.fround((a + b) / 2 + (b - a) / 8))).toBe(h + 1);
    }
    expect(roundToF16(0.1)).toBe(0.0999755859375);
    expect(roundToF16(1 / 3)).toBe(0.333251953125);
  });

  it('the largest f16 is 65504; beyond 65520 (its midpoint with 2^16) is infinity; tiny values go to ±0', () => {
    expect(roundToF16(65519)).toBe(65504);
    expect(roundToF16(65520)).toBe(Infinity);
    expect(roundToF16(-1e6)).toBe(-Infinity);
    expect(Object.is(roundToF16(-1e-9), -0)).toBe(true);
    expect(roundToF16(2 ** -24)).toBe(2 ** -24);
    expect(roundToF16(2 ** -25)).toBe(0);
    expect(Number.isNaN(roundToF16(NaN))).toBe(true);
  });
});

describe('F16 in safetensors', () => {
  it('round-trips the bits; a non-finite F16 value is refused, naming the element', () => {
    const bits = Uint16Array.from([0x3c00, 0xc000, 0x0001, 0x7bff, 0x8000]);
    const file = encodeSafetensors([{ name: 'k', dtype: 'F16', shape: [5], data: bits }]);
    const t = decodeSafetensors(file).tensors.get('k')!;
    expect(t.dtype).toBe('F16');
    expect([...t.data]).toEqual([...bits]);
    const inf = encodeSafetensors([{ name: 'k', dtype: 'F16', shape: [2], data: Uint16Array.from([0x3c00, 0x7c00]) }]);
    expect(() => decodeSafetensors(inf, 'w.safetensors')).toThrow(/tensor "k" element \[1\]: infinity is not a finite number/);
  });
});
