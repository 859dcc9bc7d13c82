import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createImage, imageFromRgb8 } from '../../core/image/image.js';
import { buildMetricCases } from '../../../test/reference/metric-cases.js';
import { gaussianKernel, ssim, ssimLuma } from './ssim.js';

/** Written by test/reference/ssim_reference.py (a numpy/scipy transcription of scikit-image). */
interface SsimReference {
  cases: {
    name: string;
    width: number;
    height: number;
    sha256A: string;
    sha256B: string;
    ssim: number;
    fullMapMean: number;
    mapCorners: [number, number, number, number];
  }[];
}

const reference = JSON.parse(
  readFileSync(new URL('./__fixtures__/ssim-reference.json', import.meta.url), 'utf8'),
) as SsimReference;
const cases = await buildMetricCases();
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('ssim against scikit-image structural_similarity (gaussian, sigma 1.5, data_range 255)', () => {
  it.each(reference.cases)('$name: $ssim', (want) => {
    const c = cases.find((k) => k.name === want.name)!;
    // The pixels must be the ones the reference saw (same formulas, same sharp decode).
    expect({ a: sha256(c.a), b: sha256(c.b) }).toEqual({ a: want.sha256A, b: want.sha256B });
    const a = imageFromRgb8(c.width, c.height, c.a);
    const b = imageFromRgb8(c.width, c.height, c.b);

    expect(Math.abs(ssim(a, b).ssim - want.ssim)).toBeLessThan(1e-4);

    const full = ssim(a, b, { map: true });
    expect(Math.abs(full.ssim - want.ssim)).toBeLessThan(1e-4);
    const map = full.map!;
    expect(map).toHaveLength(c.width * c.height);
    const mapMean = map.reduce((s, v) => s + v, 0) / map.length;
    expect(Math.abs(mapMean - want.fullMapMean)).toBeLessThan(1e-4);
    const corners = [0, c.width - 1, (c.height - 1) * c.width, c.width * c.height - 1].map(
      (i) => map[i]!,
    );
    corners.forEach((v, i) => expect(Math.abs(v - want.mapCorners[i]!)).toBeLessThan(1e-4));
  });

  it('covers every reference case', () => {
    expect(reference.cases.map((c) => c.name).sort()).toEqual(cases.map((c) => c.name).sort());
  });
});

describe('ssim', () => {
  it('is exactly 1 for identical images', () => {
    const c = cases[0]!;
    const a = imageFromRgb8(c.width, c.height, c.a);
    expect(ssim(a, a).ssim).toBe(1);
  });

  it('uses scipy gaussian_filter weights: radius int(3.5 sigma + 0.5), normalised', () => {
    const k = gaussianKernel(1.5);
    expect(k).toHaveLength(6); // 11 taps
    expect(k[0]! + 2 * (k[1]! + k[2]! + k[3]! + k[4]! + k[5]!)).toBeCloseTo(1, 15);
    expect(k[1]! / k[0]!).toBeCloseTo(Math.exp(-1 / 4.5), 15);
    expect(gaussianKernel(1)).toHaveLength(5); // radius int(3.5 + 0.5) = 4
  });

  it('averages the map over the crop that skimage uses', () => {
    const c = cases[1]!;
    const x = Float64Array.from({ length: c.width * c.height }, (_, i) => c.a[3 * i]!);
    const y = Float64Array.from({ length: c.width * c.height }, (_, i) => c.b[3 * i]!);
    const { ssim: mean, map } = ssimLuma(x, y, c.width, c.height, { map: true });
    let sum = 0;
    for (let row = 5; row < c.height - 5; row++) {
      for (let col = 5; col < c.width - 5; col++) sum += map![row * c.width + col]!;
    }
    expect(mean).toBeCloseTo(sum / ((c.width - 10) * (c.height - 10)), 6);
    expect(ssimLuma(x, y, c.width, c.height).ssim).toBeCloseTo(mean, 12);
  });

  it('explains images that are too small, of different sizes, or bad options', () => {
    expect(() => ssim(createImage(10, 20), createImage(10, 20))).toThrow(
      /Expected an image at least 11x11 for sigma 1.5 for size but received "10x20"/,
    );
    expect(() => ssim(createImage(20, 20), createImage(20, 21))).toThrow(
      /Expected an image of 20x20 like a for b but received "20x21"/,
    );
    expect(() => ssim(createImage(20, 20), createImage(20, 20), { sigma: 0 })).toThrow(/sigma/);
    expect(() => ssimLuma(new Float64Array(4), new Float64Array(4), 3, 3)).toThrow(/9 samples/);
  });
});
