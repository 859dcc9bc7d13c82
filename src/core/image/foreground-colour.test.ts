import { describe, expect, it } from 'vitest';
import { foregroundColour } from './foreground-colour.js';
import { createImage, createMask } from './image.js';

const RED = [0.8, 0.1, 0.1];
const GREEN = [0.1, 0.7, 0.1];

/** A red person (left) over a green background (right), mixed over a 10 px ramp of alphas. */
function redOverGreen(w: number, h: number, ramp = 10) {
  const alpha = new Float32Array(w * h);
  const data = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const a = Math.min(1, Math.max(0, (w / 2 + ramp / 2 - x) / ramp));
      alpha[i] = a;
      for (let c = 0; c < 3; c++) data[i * 3 + c] = a * RED[c]! + (1 - a) * GREEN[c]!;
    }
  }
  return { image: createImage(w, h, data), alpha: createMask(w, h, alpha) };
}

describe('foregroundColour', () => {
  it('recovers the red foreground where the alpha is fractional, other pixels unchanged', () => {
    const { image, alpha } = redOverGreen(256, 16);
    const out = foregroundColour(image, alpha);
    let fractional = 0;
    for (let i = 0; i < alpha.data.length; i++) {
      const a = alpha.data[i]!;
      const px = out.data.subarray(i * 3, i * 3 + 3);
      const photo = image.data.subarray(i * 3, i * 3 + 3);
      if (a <= 0 || a >= 1) {
        expect(Array.from(px)).toEqual(Array.from(photo));
        continue;
      }
      fractional++;
      // The photo is up to 0.6 off the person's red and green; the estimate keeps at most a
      // third of that error (and is within 0.16 of red everywhere).
      for (let c = 0; c < 3; c++)
        expect(Math.abs(px[c]! - RED[c]!)).toBeLessThan(Math.abs(photo[c]! - RED[c]!) / 3 + 0.02);
      expect(Math.abs(px[0]! - RED[0]!)).toBeLessThan(0.16);
    }
    expect(fractional).toBe(9 * 16);
  });

  it('refuses an alpha of another size', () => {
    const { image } = redOverGreen(10, 10);
    expect(() => foregroundColour(image, createMask(5, 5))).toThrow(/alpha/);
  });
});
