import { describe, expect, it } from 'vitest';
import { createImage, type Image } from '../../core/image/image.js';
import { srgbToLab } from './color.js';
import { TONE_BANDS, toneGap } from './tone-gap.js';

const DARK = [0.45, 0.3, 0.22] as const;
const LIGHT = [0.85, 0.68, 0.58] as const;

/** 20x10: left half darker skin, right half lighter skin. */
function twoTones(map: (rgb: readonly number[], dark: boolean) => readonly number[] = (c) => c) {
  const image = createImage(20, 10);
  for (let p = 0; p < 200; p++) {
    const dark = p % 20 < 10;
    image.data.set(map(dark ? DARK : LIGHT, dark), p * 3);
  }
  return image;
}

const fade = (rgb: readonly number[]) => rgb.map((v) => 0.12 + 0.88 * v);

describe('toneGap', () => {
  it('the two test tones fall in the darker and lighter bands', () => {
    const [dl] = srgbToLab(...DARK);
    const [ll] = srgbToLab(...LIGHT);
    expect(dl).toBeGreaterThan(TONE_BANDS.darker[0]);
    expect(dl).toBeLessThan(TONE_BANDS.darker[1]);
    expect(ll).toBeGreaterThan(TONE_BANDS.lighter[0]);
    expect(ll).toBeLessThan(TONE_BANDS.lighter[1]);
  });

  it('is 0 for an unchanged photo', () => {
    expect(toneGap(twoTones(), twoTones())).toMatchObject({ deltaL: 0, deltaE: 0, darker: 100 });
  });

  it('a fade (lifted blacks) lightens darker skin more: positive gap, the L* difference', () => {
    const gap = toneGap(twoTones(), twoTones(fade))!;
    const dL = srgbToLab(...(fade(DARK) as [number, number, number]))[0] - srgbToLab(...DARK)[0];
    const lL = srgbToLab(...(fade(LIGHT) as [number, number, number]))[0] - srgbToLab(...LIGHT)[0];
    expect(gap.deltaL).toBeCloseTo(dL - lL, 3);
    expect(gap.deltaL).toBeGreaterThan(2);
    expect(gap.deltaE).toBeGreaterThan(1);
  });

  it('lightening only the lighter skin is a negative gap', () => {
    const gap = toneGap(
      twoTones(),
      twoTones((c, dark) => (dark ? c : c.map((v) => Math.min(1, v * 1.1)))),
    )!;
    expect(gap.deltaL).toBeLessThan(-2);
  });

  it('does not apply without skin-coloured pixels in both bands, and checks sizes', () => {
    const grey: Image = createImage(20, 10, new Float32Array(600).fill(0.5));
    expect(toneGap(grey, grey)).toBeUndefined();
    expect(() => toneGap(grey, createImage(2, 2))).toThrow(/20x10/);
  });
});
