import { describe, expect, it } from 'vitest';
import { float16ToFloat32, float32ToFloat16, fromFloat16Bits, toFloat16Bits } from './float16.js';

describe('float16 conversion', () => {
  // Bit patterns from the IEEE 754 binary16 tables (e.g. Wikipedia, "Half-precision
  // floating-point format", Exponent encoding examples).
  const known: [number, number][] = [
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.333251953125, 0x3555],
    [65504, 0x7bff],
    [6.103515625e-5, 0x0400], // smallest normal
    [5.960464477539063e-8, 0x0001], // smallest subnormal
    [6.097555160522461e-5, 0x03ff], // largest subnormal
    [Infinity, 0x7c00],
    [-Infinity, 0xfc00],
  ];

  it('encodes and decodes the reference values exactly', () => {
    for (const [value, bits] of known) {
      expect(toFloat16Bits(value), String(value)).toBe(bits);
      expect(Object.is(fromFloat16Bits(bits), value), String(value)).toBe(true);
    }
    expect(toFloat16Bits(NaN) & 0x7e00).toBe(0x7e00);
    expect(fromFloat16Bits(0x7e00)).toBeNaN();
  });

  it('rounds to nearest, ties to even, and overflows to infinity', () => {
    // 1 + 2^-11 lies halfway between 1 and 1 + 2^-10: ties go to the even mantissa (1).
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00);
    // 1 + 3 * 2^-11 lies halfway between 1 + 2^-10 (odd) and 1 + 2^-9 (even).
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(toFloat16Bits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01);
    expect(toFloat16Bits(65520)).toBe(0x7c00); // halfway to 2^16 rounds up, to infinity
    expect(toFloat16Bits(65519)).toBe(0x7bff);
    // subnormal ties: 1.5 * 2^-24 goes to 2 * 2^-24 (even), 2.5 * 2^-24 to 2 * 2^-24
    expect(toFloat16Bits(1.5 * 2 ** -24)).toBe(0x0002);
    expect(toFloat16Bits(2.5 * 2 ** -24)).toBe(0x0002);
  });

  it('round-trips every finite float16 value through float32', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const back = float32ToFloat16(float16ToFloat32(all));
    for (let h = 0; h < 65536; h++) {
      const isNaN = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
      if (!isNaN && back[h] !== h) expect(back[h], `0x${h.toString(16)}`).toBe(h);
    }
  });

  it('matches the nearest float16 for random values', () => {
    const values = Float32Array.from(
      { length: 5000 },
      (_, i) => Math.sin((i + 1) * 12.9898) * 3000,
    );
    const halves = float32ToFloat16(values);
    const decoded = float16ToFloat32(halves);
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      const err = Math.abs(decoded[i]! - v);
      // neighbours one unit in the last place away are never closer
      const up = Math.abs(fromFloat16Bits(halves[i]! + 1) - v);
      const down = Math.abs(fromFloat16Bits(halves[i]! - 1) - v);
      expect(err).toBeLessThanOrEqual(Math.min(up, down));
    }
  });

  it('writes into a given buffer and checks its length', () => {
    const out = new Uint16Array(2);
    expect(float32ToFloat16(new Float32Array([1, -2]), out)).toBe(out);
    expect(Array.from(out)).toEqual([0x3c00, 0xc000]);
    expect(() => float32ToFloat16(new Float32Array(3), out)).toThrow(/Uint16Array of 3 values/);
    expect(() => float16ToFloat32(out, new Float32Array(1))).toThrow(/Float32Array of 2 values/);
  });

  it('reads a Float32Array view at an offset', () => {
    const buffer = new Float32Array([7, 1, 2]);
    expect(Array.from(float32ToFloat16(buffer.subarray(1)))).toEqual([0x3c00, 0x4000]);
  });
});
