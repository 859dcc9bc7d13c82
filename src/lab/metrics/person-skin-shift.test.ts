import { describe, expect, it } from 'vitest';
import { createImage, fillMask } from '../../core/image/image.js';
import { srgbToLab } from './color.js';
import { skinHueChroma } from './person-skin-shift.js';

const uniform = (rgb: number[]) => {
  const image = createImage(6, 4);
  for (let p = 0; p < 24; p++) image.data.set(rgb, p * 3);
  return image;
};
const SKIN = [0.8, 0.62, 0.5];
const mask = fillMask(6, 4, 1);

describe('skinHueChroma', () => {
  it('is 0 and 0 for unchanged skin', () => {
    expect(skinHueChroma(uniform(SKIN), uniform(SKIN), mask)).toEqual({
      deltaH: 0,
      chromaChange: 0,
    });
  });

  it('greyscale removes chroma (-100%) without turning the hue (ΔH 0)', () => {
    const [L] = srgbToLab(0.8, 0.62, 0.5);
    // The grey of the same L*: find it by bisection on the sRGB grey level.
    let lo = 0;
    let hi = 1;
    for (let i = 0; i < 40; i++) {
      const mid = (lo + hi) / 2;
      if (srgbToLab(mid, mid, mid)[0] < L) lo = mid;
      else hi = mid;
    }
    const r = skinHueChroma(uniform(SKIN), uniform([lo, lo, lo]), mask)!;
    expect(r.deltaH).toBeLessThan(0.1);
    expect(r.chromaChange).toBeCloseTo(-100, 1);
  });

  it('orange skin is more chroma; a green cast is a hue turn', () => {
    const orange = skinHueChroma(uniform(SKIN), uniform([0.92, 0.55, 0.3]), mask)!;
    expect(orange.chromaChange).toBeGreaterThan(40);
    const green = skinHueChroma(uniform(SKIN), uniform([0.72, 0.66, 0.48]), mask)!;
    expect(green.deltaH).toBeGreaterThan(5);
    expect(Math.abs(green.chromaChange)).toBeLessThan(30);
  });

  it('does not apply without skin pixels', () => {
    expect(skinHueChroma(uniform(SKIN), uniform(SKIN), fillMask(6, 4, 0))).toBeUndefined();
  });
});
