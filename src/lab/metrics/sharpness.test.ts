import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createImage, imageFromRgb8 } from '../../core/image/image.js';
import { buildMetricCases } from '../../../test/reference/metric-cases.js';
import { laplacianVariance, sharpness } from './sharpness.js';

/** Written by test/reference/sharpness_reference.py (numpy/scipy, OpenCV's definition). */
interface SharpnessReference {
  images: {
    name: string;
    width: number;
    height: number;
    sha256: string;
    laplacianVariance: number;
  }[];
}

const reference = JSON.parse(
  readFileSync(new URL('./__fixtures__/sharpness-reference.json', import.meta.url), 'utf8'),
) as SharpnessReference;
const cases = await buildMetricCases();

describe('sharpness against the variance of cv2.Laplacian (numpy/scipy reference)', () => {
  it.each(reference.images)('$name: $laplacianVariance', (want) => {
    const [caseName, side] = want.name.split('.') as [string, 'a' | 'b'];
    const c = cases.find((k) => k.name === caseName)!;
    const rgb = c[side];
    expect(createHash('sha256').update(rgb).digest('hex')).toBe(want.sha256);
    const got = sharpness(imageFromRgb8(c.width, c.height, rgb));
    // Float32 pixels move luma by ~1e-5 of 255; relative 1e-6 is far inside that.
    expect(Math.abs(got - want.laplacianVariance) / want.laplacianVariance).toBeLessThan(1e-6);
  });
});

describe('laplacianVariance', () => {
  it('mirrors the border without repeating the edge sample (BORDER_REFLECT_101)', () => {
    // A lone 1 in the centre of 3x3: Laplacian -4 there, 2 at the four edge midpoints (the
    // reflected neighbour is the centre), 0 at the corners. Mean 4/9, E[v²] 32/9.
    const gray = Float64Array.from([0, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(laplacianVariance(gray, 3, 3)).toBeCloseTo(32 / 9 - 16 / 81, 14);
  });

  it('is 0 for a flat or linear-ramp image and handles one-pixel-wide images', () => {
    expect(laplacianVariance(new Float64Array(12).fill(7), 4, 3)).toBe(0);
    // A horizontal ramp 0..4 has Laplacian 0 inside; the mirrored edges fold it: 1 + 1 - 0 = 2
    // on the left, 3 + 3 - 8 = -2 on the right. Mean 0, variance 8/5.
    const ramp = Float64Array.from({ length: 20 }, (_, i) => i % 5);
    expect(laplacianVariance(ramp, 5, 4)).toBeCloseTo(1.6, 12);
    // One column: the lone sample is its own horizontal neighbour; vertically [2, 1, -4].
    expect(laplacianVariance(Float64Array.from([1, 2, 4]), 1, 3)).toBeCloseTo(7 - 1 / 9, 12);
  });

  it('scores a white dot on black by luma on the 0-255 scale', () => {
    const image = createImage(3, 3);
    image.data.fill(1, 12, 15);
    expect(sharpness(image)).toBeCloseTo((32 / 9 - 16 / 81) * 255 * 255, 6);
  });
});
