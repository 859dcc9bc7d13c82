import { describe, expect, it } from 'vitest';
import { blurImage, blurMask, gaussianBlur } from './blur.js';
import { createImage, createMask } from './image.js';

/** Total weight and the variance along x and y of a blurred one-channel impulse. */
function moments(data: Float32Array, width: number, height: number) {
  let sum = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const w = data[y * width + x]!;
      sum += w;
      mx += w * x;
      my += w * y;
    }
  mx /= sum;
  my /= sum;
  let vx = 0;
  let vy = 0;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const w = data[y * width + x]!;
      vx += w * (x - mx) ** 2;
      vy += w * (y - my) ** 2;
    }
  return { sum, mx, my, vx: vx / sum, vy: vy / sum };
}

function impulse(size: number): Float32Array {
  const data = new Float32Array(size * size);
  data[((size - 1) / 2) * size + (size - 1) / 2] = 1;
  return data;
}

describe('gaussianBlur', () => {
  // 1.5 and 3 take the exact kernel; 6 and 12 the three-box approximation
  for (const sigma of [1.5, 3, 6, 12]) {
    it(`sigma ${sigma}: an impulse spreads to weight 1 and variance sigma^2`, () => {
      const size = 121;
      const out = gaussianBlur(impulse(size), 1, size, size, sigma);
      const m = moments(out, size, size);
      expect(m.sum).toBeCloseTo(1, 4);
      expect(m.mx).toBeCloseTo(60, 3);
      expect(m.my).toBeCloseTo(60, 3);
      // 3-sigma truncation costs the exact kernel ~1.6% of variance; odd box widths cannot
      // hit every variance, so three boxes land within ~6% of it (~3% of sigma)
      const tolerance = sigma <= 4 ? 0.02 : 0.06;
      expect(Math.abs(m.vx / sigma ** 2 - 1)).toBeLessThan(tolerance);
      expect(Math.abs(m.vy / sigma ** 2 - 1)).toBeLessThan(tolerance);
      expect(Math.min(...out)).toBeGreaterThanOrEqual(0);
    });
  }

  it('leaves a flat image flat, at the edges too', () => {
    for (const sigma of [2, 8]) {
      const out = gaussianBlur(new Float32Array(30 * 20 * 3).fill(0.25), 3, 30, 20, sigma);
      for (const v of out) expect(v).toBeCloseTo(0.25, 5);
    }
  });

  it('returns a copy for tiny sigmas and rejects negative ones', () => {
    const data = new Float32Array([0, 1, 0, 1]);
    const out = gaussianBlur(data, 1, 4, 1, 0.1);
    expect(out).toEqual(data);
    expect(out).not.toBe(data);
    expect(() => gaussianBlur(data, 1, 4, 1, -1)).toThrow(/non-negative number for sigma/);
    expect(() => gaussianBlur(data, 1, 4, 1, Number.NaN)).toThrow(/sigma/);
  });

  it('blurs the channels of an image independently', () => {
    const image = createImage(15, 15);
    image.data[(7 * 15 + 7) * 3 + 1] = 1; // green impulse only
    const out = blurImage(image, 1);
    let red = 0;
    let green = 0;
    for (let i = 0; i < out.data.length; i += 3) {
      red += out.data[i]!;
      green += out.data[i + 1]!;
    }
    expect(red).toBe(0);
    expect(green).toBeCloseTo(1, 5);
  });

  it('blurs masks', () => {
    const mask = createMask(9, 9, impulse(9));
    const out = blurMask(mask, 1);
    expect(moments(out.data, 9, 9).sum).toBeCloseTo(1, 5);
    expect(out.data[40]!).toBeLessThan(0.2);
  });
});
