import { describe, expect, it } from 'vitest';
import {
  FLOAT16_MAX,
  fromFloat16Array,
  fromFloat16Bits,
  toFloat16Array,
  toFloat16Bits,
} from './float16-bits.js';

describe('float16 bits', () => {
  it('encodes known values (IEEE 754 binary16 patterns, as numpy.float16 writes them)', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [0.1, 0x2e66],
      [1 / 3, 0x3555],
      [65504, 0x7bff],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [Infinity, 0x7c00],
      [-Infinity, 0xfc00],
    ];
    for (const [value, bits] of cases) expect(toFloat16Bits(value), String(value)).toBe(bits);
    expect(toFloat16Bits(NaN) & 0x7c00).toBe(0x7c00);
    expect(Number.isNaN(fromFloat16Bits(toFloat16Bits(NaN)))).toBe(true);
  });

  it('rounds half to even, and saturates at ±65504 instead of overflowing', () => {
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // halfway, to even (down)
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // halfway, to even (up)
    expect(toFloat16Bits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01); // past halfway
    expect(toFloat16Bits(2 ** -25)).toBe(0); // halfway between 0 and the smallest subnormal
    expect(toFloat16Bits(1.5 * 2 ** -25)).toBe(1);
    expect(toFloat16Bits(1e6)).toBe(FLOAT16_MAX);
    expect(toFloat16Bits(-1e6)).toBe(0x8000 | FLOAT16_MAX);
    expect(toFloat16Bits(65520)).toBe(FLOAT16_MAX); // would round to infinity
  });

  it('round-trips every finite float16 exactly', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) === 0x7c00) continue; // inf and NaN
      const back = toFloat16Bits(fromFloat16Bits(bits));
      if (back !== bits) expect(back, `0x${bits.toString(16)}`).toBe(bits);
    }
  });

  it('keeps relative error within 2^-11 for normal values', () => {
    const values = Float32Array.from({ length: 1000 }, (_, i) => (i - 500) * 0.0137 + 1e-3);
    const back = fromFloat16Array(toFloat16Array(values));
    values.forEach((v, i) => {
      expect(Math.abs(back[i]! - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 2 ** -25);
    });
  });
});
