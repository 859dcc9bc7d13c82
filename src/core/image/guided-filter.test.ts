import { describe, expect, it } from 'vitest';
import { createImage, type Image } from './image.js';
import { guidedFilter } from './guided-filter.js';

/** A 40x20 image: grey 0.2 on the left half, 0.8 on the right, plus +-amp checkerboard texture. */
function edgeWithTexture(amp: number): Image {
  const image = createImage(40, 20);
  for (let y = 0; y < 20; y++) {
    for (let x = 0; x < 40; x++) {
      const v = (x < 20 ? 0.2 : 0.8) + ((x + y) % 2 ? amp : -amp);
      image.data.fill(v, (y * 40 + x) * 3, (y * 40 + x + 1) * 3);
    }
  }
  return image;
}

const at = (image: Image, x: number, y: number) => image.data[(y * image.width + x) * 3]!;

describe('guidedFilter', () => {
  it('flattens weak texture and keeps a strong edge', () => {
    const out = guidedFilter(edgeWithTexture(0.02), 3, 0.05 ** 2);
    // Neighbours 0.04 apart (texture variance 4e-4, eps 2.5e-3) end up ~ a = 0.14 of that apart.
    expect(Math.abs(at(out, 8, 10) - at(out, 9, 10))).toBeLessThan(0.008);
    expect(at(out, 8, 10)).toBeCloseTo(0.2, 2);
    expect(at(out, 30, 10)).toBeCloseTo(0.8, 2);
    // The edge stays a step: the pixels beside it keep most of the 0.6 jump.
    expect(at(out, 20, 10) - at(out, 19, 10)).toBeGreaterThan(0.45);
  });

  it('keeps texture stronger than the threshold', () => {
    const out = guidedFilter(edgeWithTexture(0.2), 3, 0.02 ** 2);
    expect(Math.abs(at(out, 8, 10) - at(out, 9, 10))).toBeGreaterThan(0.3);
  });

  it('leaves a flat image flat, keeps the size and copies for radius 0', () => {
    const flat = createImage(7, 5);
    flat.data.fill(0.4);
    const out = guidedFilter(flat, 2, 1e-3);
    expect([out.width, out.height]).toEqual([7, 5]);
    for (const v of out.data) expect(v).toBeCloseTo(0.4, 6);
    const same = guidedFilter(flat, 0, 1e-3);
    expect(same.data).not.toBe(flat.data);
    expect(Array.from(same.data)).toEqual(Array.from(flat.data));
  });

  it('rejects a bad radius or eps', () => {
    const image = createImage(4, 4);
    expect(() => guidedFilter(image, 1.5, 0.01)).toThrow(/non-negative integer for radius/);
    expect(() => guidedFilter(image, 1, 0)).toThrow(/positive number for eps/);
  });
});
