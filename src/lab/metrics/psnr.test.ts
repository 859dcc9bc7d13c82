import { describe, expect, it } from 'vitest';
import { createImage } from '../../core/image/image.js';
import { psnr } from './psnr.js';

const uniform = (w: number, h: number, v: number) =>
  createImage(w, h, new Float32Array(w * h * 3).fill(v));

describe('psnr', () => {
  it('is 10·log10(1 / MSE) over every channel sample, data range 1', () => {
    // One sample of 300 off by the full range: MSE = 1/300, PSNR = 10·log10(300).
    const a = uniform(10, 10, 0);
    const b = uniform(10, 10, 0);
    b.data[137] = 1;
    const result = psnr(a, b);
    expect(result.mse).toBeCloseTo(1 / 300, 15);
    expect(result.psnr).toBeCloseTo(10 * Math.log10(300), 12);
    expect(result.psnr).toBeCloseTo(24.771212547196626, 12);
  });

  it('gives 20 dB for a uniform error of 0.1 (25.5 levels of 255)', () => {
    expect(psnr(uniform(4, 3, 0.5), uniform(4, 3, 0.6)).psnr).toBeCloseTo(20, 5);
  });

  it('is Infinity for identical images, with mse 0 to tell so once written as JSON', () => {
    const a = uniform(3, 3, 0.25);
    const result = psnr(a, uniform(3, 3, 0.25));
    expect(result).toEqual({ psnr: Infinity, mse: 0 });
    expect(JSON.stringify(result)).toBe('{"psnr":null,"mse":0}');
  });

  it('rejects images of different sizes', () => {
    expect(() => psnr(uniform(3, 3, 0), uniform(3, 4, 0))).toThrow(
      /Expected an image of 3x3 like a for b but received "3x4"/,
    );
  });
});
