import { describe, expect, it } from 'vitest';
import { createImage, createMask, fillMask, imageFromRgb8 } from '../../core/image/image.js';
import { buildMetricCases } from '../../../test/reference/metric-cases.js';
import { ciede2000, meanCiede2000 } from './ciede2000.js';
import { imageToLab, srgbToLab } from './color.js';
import { skinShift } from './skin-shift.js';

const uniform = (w: number, h: number, v: number) =>
  createImage(w, h, new Float32Array(w * h * 3).fill(v));

describe('skinShift', () => {
  it('measures a uniform lightening of grey: ΔE00 of the two greys, ΔL positive', () => {
    const input = uniform(8, 6, 128 / 255);
    const output = uniform(8, 6, 140 / 255);
    const shift = skinShift(input, output, fillMask(8, 6, 1));
    const lab128 = srgbToLab(128 / 255, 128 / 255, 128 / 255);
    const lab140 = srgbToLab(140 / 255, 140 / 255, 140 / 255);
    expect(shift.pixels).toBe(48);
    expect(shift.deltaL!).toBeCloseTo(lab140[0] - lab128[0], 4);
    expect(shift.deltaL!).toBeGreaterThan(0);
    expect(shift.deltaE!).toBeCloseTo(ciede2000(lab128, lab140), 4);
  });

  it('is negative ΔL when the filter darkens, and 0 / 0 for an unchanged image', () => {
    const input = uniform(4, 4, 0.6);
    expect(skinShift(input, uniform(4, 4, 0.5), fillMask(4, 4, 1)).deltaL!).toBeLessThan(0);
    expect(skinShift(input, uniform(4, 4, 0.6), fillMask(4, 4, 1))).toEqual({
      deltaE: 0,
      deltaL: 0,
      pixels: 16,
    });
  });

  it('weights pixels by the mask and ignores pixels outside it', () => {
    // Left half unchanged, right half changed; a mask on the left only sees no change.
    const input = uniform(4, 2, 0.5);
    const output = uniform(4, 2, 0.5);
    for (const p of [2, 3, 6, 7]) output.data.fill(0.9, 3 * p, 3 * p + 3);
    const left = createMask(4, 2, Float32Array.from([1, 1, 0, 0, 1, 1, 0, 0]));
    expect(skinShift(input, output, left)).toEqual({ deltaE: 0, deltaL: 0, pixels: 4 });

    // Soft mask: weight 0.25 on one changed pixel and 0.75 on one unchanged one.
    const soft = createMask(4, 2, Float32Array.from([0.75, 0, 0, 0, 0, 0, 0.25, 0]));
    const lab = (v: number) => srgbToLab(v, v, v);
    const shift = skinShift(input, output, soft);
    expect(shift.pixels).toBe(1);
    expect(shift.deltaE!).toBeCloseTo(0.25 * ciede2000(lab(0.5), lab(0.9)), 4);
    expect(shift.deltaL!).toBeCloseTo(0.25 * (lab(0.9)[0] - lab(0.5)[0]), 4);
  });

  it('equals meanCiede2000 over imageToLab with the mask as weights, on a real portrait', async () => {
    const c = (await buildMetricCases()).find((k) => k.name === 'portrait-vs-edit')!;
    const input = imageFromRgb8(c.width, c.height, c.a);
    const output = imageFromRgb8(c.width, c.height, c.b);
    // An elliptical soft mask around the face region of the 225x275 portrait.
    const mask = createMask(c.width, c.height);
    for (let y = 0; y < c.height; y++) {
      for (let x = 0; x < c.width; x++) {
        const d = ((x - 112) / 60) ** 2 + ((y - 120) / 80) ** 2;
        mask.data[y * c.width + x] = Math.max(0, Math.min(1, 1.5 - d));
      }
    }
    const shift = skinShift(input, output, mask);
    const whole = meanCiede2000(imageToLab(input), imageToLab(output), { weights: mask.data });
    expect(shift.deltaE!).toBeCloseTo(whole.mean, 9);
    expect(shift.pixels).toBeCloseTo(whole.weightSum, 6);
    // The edit is round(0.85 v + 25) ± noise: it lifts the dark and mid tones of a face.
    expect(shift.deltaL!).toBeGreaterThan(0);
    expect(shift.deltaE!).toBeGreaterThan(1);
  });

  it('reports null, not a number it did not measure, when the mask selects nothing', () => {
    expect(skinShift(uniform(3, 3, 0.2), uniform(3, 3, 0.8), createMask(3, 3))).toEqual({
      deltaE: null,
      deltaL: null,
      pixels: 0,
    });
  });

  it('asks for a mask and an output of the input size', () => {
    const input = uniform(4, 4, 0.5);
    expect(() => skinShift(input, uniform(4, 4, 0.5), fillMask(2, 2, 1))).toThrow(
      /Expected a mask of 4x4 like the input \(resize it with resizeMask\) for skin but received "2x2"/,
    );
    expect(() => skinShift(input, uniform(4, 5, 0.5), fillMask(4, 4, 1))).toThrow(/for output/);
  });
});
