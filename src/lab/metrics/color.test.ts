import { describe, expect, it } from 'vitest';
import { createImage } from '../../core/image/image.js';
import {
  imageLuma,
  imageToLab,
  srgbToLab,
  srgbToLinear,
  srgbToLinearFast,
  type Lab,
} from './color.js';

/**
 * CIELAB (D65, 2°) of 8-bit sRGB colours from Bruce Lindbloom's colour calculator
 * (http://www.brucelindbloom.com/, sRGB, reference white D65), four decimals.
 */
const LINDBLOOM: readonly { name: string; rgb: readonly [number, number, number]; lab: Lab }[] = [
  { name: 'red', rgb: [255, 0, 0], lab: [53.2408, 80.0925, 67.2032] },
  { name: 'green', rgb: [0, 255, 0], lab: [87.7347, -86.1827, 83.1793] },
  { name: 'blue', rgb: [0, 0, 255], lab: [32.297, 79.1875, -107.8602] },
  { name: 'yellow', rgb: [255, 255, 0], lab: [97.1393, -21.5537, 94.478] },
  { name: 'cyan', rgb: [0, 255, 255], lab: [91.1132, -48.0875, -14.1312] },
  { name: 'magenta', rgb: [255, 0, 255], lab: [60.3242, 98.2343, -60.8249] },
  { name: 'white', rgb: [255, 255, 255], lab: [100, 0, 0] },
  { name: 'black', rgb: [0, 0, 0], lab: [0, 0, 0] },
  { name: 'mid grey', rgb: [128, 128, 128], lab: [53.585, 0, 0] },
];

describe('srgbToLab and imageToLab', () => {
  it.each(LINDBLOOM)('$name matches Lindbloom to 1e-4', ({ rgb, lab }) => {
    const got = srgbToLab(rgb[0] / 255, rgb[1] / 255, rgb[2] / 255);
    for (let c = 0; c < 3; c++) expect(Math.abs(got[c]! - lab[c]!)).toBeLessThan(1e-4);
  });

  it('converts every pixel of an image the same way (float32 out, interpolated curve)', () => {
    const image = createImage(LINDBLOOM.length, 1);
    LINDBLOOM.forEach(({ rgb }, p) => rgb.forEach((v, c) => (image.data[3 * p + c] = v / 255)));
    const lab = imageToLab(image);
    LINDBLOOM.forEach(({ lab: want }, p) => {
      for (let c = 0; c < 3; c++) expect(Math.abs(lab[3 * p + c]! - want[c]!)).toBeLessThan(1e-4);
    });
  });

  it('stays within 2e-5 of the exact conversion on 100k arbitrary colours', () => {
    const n = 100_000;
    let seed = 12345;
    const next = (): number => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const image = createImage(n, 1, Float32Array.from({ length: 3 * n }, next));
    const lab = imageToLab(image);
    let worst = 0;
    for (let p = 0; p < n; p++) {
      const d = image.data;
      const exact = srgbToLab(d[3 * p]!, d[3 * p + 1]!, d[3 * p + 2]!);
      for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(lab[3 * p + c]! - exact[c]!));
    }
    expect(worst).toBeLessThan(2e-5);
  });

  it('clamps channels outside [0, 1] as encoding would', () => {
    const image = createImage(2, 1, Float32Array.from([1.5, -0.2, 0, 1, 0, 0]));
    const lab = imageToLab(image);
    expect(Array.from(lab.subarray(0, 3))).toEqual(Array.from(lab.subarray(3, 6)));
  });

  it('reuses an output buffer of the right length and rejects a wrong one', () => {
    const image = createImage(2, 2);
    const out = new Float32Array(12).fill(7);
    expect(imageToLab(image, out)).toBe(out);
    expect(out[0]).toBe(0);
    expect(() => imageToLab(image, new Float32Array(3))).toThrow(
      /Expected a Float32Array of 12 values for out/,
    );
  });
});

describe('srgbToLinearFast', () => {
  it('stays within 3e-8 of the exact IEC 61966-2-1 curve over [0, 1] and all 8-bit codes', () => {
    let worst = 0;
    for (let i = 0; i <= 100_000; i++) {
      const v = i / 100_000;
      worst = Math.max(worst, Math.abs(srgbToLinearFast(v) - srgbToLinear(v)));
    }
    for (let code = 0; code <= 255; code++) {
      const v = Math.fround(code / 255);
      worst = Math.max(worst, Math.abs(srgbToLinearFast(v) - srgbToLinear(v)));
    }
    expect(worst).toBeLessThan(3e-8);
  });

  it('follows the curve: linear toe, 2.4 power above 0.04045, clamped ends', () => {
    expect(srgbToLinear(0.04)).toBeCloseTo(0.04 / 12.92, 15);
    expect(srgbToLinear(0.5)).toBeCloseTo(0.21404114048223255, 15);
    expect(srgbToLinear(1)).toBe(1);
    expect(srgbToLinear(-1)).toBe(0);
    expect(srgbToLinearFast(2)).toBe(1);
    expect(srgbToLinearFast(-2)).toBe(0);
  });
});

describe('imageLuma', () => {
  it('is BT.601 luma on the 0-255 scale', () => {
    const image = createImage(4, 1, Float32Array.from([1, 1, 1, 1, 0, 0, 0, 1, 0, 0.2, 0.4, 0.6]));
    const luma = imageLuma(image);
    expect(luma).toBeInstanceOf(Float64Array);
    const want = [255, 0.299 * 255, 0.587 * 255, (0.299 * 0.2 + 0.587 * 0.4 + 0.114 * 0.6) * 255];
    want.forEach((v, i) => expect(luma[i]).toBeCloseTo(v, 4));
  });
});
