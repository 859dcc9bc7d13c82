import { describe, expect, it } from 'vitest';
import { createImage, createMask, type Image } from './image.js';
import {
  cropImage,
  fitSize,
  resample,
  resizeImage,
  resizeMask,
  type ResizeKernel,
} from './resize.js';

const KERNELS: ResizeKernel[] = ['nearest', 'bilinear', 'bicubic', 'lanczos3'];

function filled(width: number, height: number, f: (x: number, y: number, c: number) => number) {
  const image = createImage(width, height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++) image.data[(y * width + x) * 3 + c] = f(x, y, c);
  return image;
}

const at = (image: Image, x: number, y: number, c = 0) =>
  image.data[(y * image.width + x) * 3 + c]!;

describe('resizeImage', () => {
  for (const kernel of KERNELS) {
    it(`${kernel}: the same size is an exact copy`, () => {
      const image = filled(7, 5, (x, y, c) => (x * 13 + y * 7 + c) / 100);
      const out = resizeImage(image, 7, 5, kernel);
      expect(out.data).toEqual(image.data);
      expect(out.data).not.toBe(image.data);
    });

    it(`${kernel}: keeps a flat colour flat, down and up`, () => {
      const image = filled(20, 12, (_x, _y, c) => [0.2, 0.5, 0.9][c]!);
      for (const [w, h] of [
        [7, 5],
        [53, 31],
        [1, 1],
      ] as const) {
        const out = resizeImage(image, w, h, kernel);
        expect([out.width, out.height]).toEqual([w, h]);
        for (let i = 0; i < out.data.length; i++)
          expect(out.data[i]).toBeCloseTo([0.2, 0.5, 0.9][i % 3]!, 5);
      }
    });
  }

  it('averages when shrinking instead of skipping pixels (antialiasing)', () => {
    const stripes = filled(64, 8, (x) => x % 2);
    for (const kernel of KERNELS) {
      const out = resizeImage(stripes, 16, 2, kernel);
      for (let x = 2; x < 14; x++) expect(at(out, x, 1)).toBeCloseTo(0.5, 2);
    }
  });

  it('nearest doubles each pixel when upscaling 2x', () => {
    const image = filled(3, 2, (x, y) => x + 10 * y);
    const out = resizeImage(image, 6, 4, 'nearest');
    expect(Array.from({ length: 6 }, (_, x) => at(out, x, 3))).toEqual([10, 10, 11, 11, 12, 12]);
  });

  it('bilinear and bicubic reproduce a linear ramp inside the image when upscaling', () => {
    const ramp = filled(10, 4, (x) => x / 9);
    for (const [kernel, tolerance] of [
      ['bilinear', 1e-5],
      ['bicubic', 1e-5],
      ['lanczos3', 5e-3],
    ] as const) {
      const out = resizeImage(ramp, 40, 4, kernel);
      // output sample x sits at input coordinate (x + 0.5) / 4 - 0.5
      for (let x = 12; x < 28; x++)
        expect(Math.abs(at(out, x, 2) - ((x + 0.5) / 4 - 0.5) / 9)).toBeLessThan(tolerance);
    }
  });

  it('resamples any channel count', () => {
    const two = new Float32Array([0, 1, 0, 1, 0, 1, 0, 1]); // 4x1, 2 channels
    const out = resample(two, 2, 4, 1, 2, 1, 'bilinear');
    expect(Array.from(out)).toEqual([0, 1, 0, 1]);
  });

  it('rejects sizes that are not positive integers', () => {
    const image = filled(4, 4, () => 0);
    for (const [w, h] of [
      [0, 4],
      [4, -1],
      [2.5, 4],
    ] as const) {
      expect(() => resizeImage(image, w, h)).toThrow(
        /Expected positive integer for (width|height)/,
      );
    }
  });
});

describe('resizeMask', () => {
  it('clamps overshoot to [0, 1]', () => {
    const edge = createMask(8, 1, new Float32Array([0, 0, 0, 0, 1, 1, 1, 1]));
    const out = resizeMask(edge, 32, 1, 'lanczos3');
    expect(Math.min(...out.data)).toBe(0);
    expect(Math.max(...out.data)).toBe(1);
  });
});

describe('fitSize and cropImage', () => {
  it('fits inside a box keeping the aspect ratio, upscaling only when asked', () => {
    expect(fitSize(400, 200, 100, 100)).toEqual({ width: 100, height: 50 });
    expect(fitSize(40, 20, 100, 100)).toEqual({ width: 40, height: 20 });
    expect(fitSize(40, 20, 100, 100, true)).toEqual({ width: 100, height: 50 });
    expect(fitSize(1000, 1, 10, 10)).toEqual({ width: 10, height: 1 });
  });

  it('crops the right pixels and refuses crops outside the image', () => {
    const image = filled(5, 4, (x, y) => x + 10 * y);
    const out = cropImage(image, 1, 2, 3, 2);
    expect([out.width, out.height]).toEqual([3, 2]);
    expect(at(out, 0, 0)).toBe(21);
    expect(at(out, 2, 1)).toBe(33);
    expect(() => cropImage(image, 3, 0, 3, 2)).toThrow(/Expected a crop inside 5x4/);
  });
});
