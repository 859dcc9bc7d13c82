import { invalidArgument } from '../../core/errors.js';
import { sameSize, type Image } from '../../core/image/image.js';

/**
 * Peak signal-to-noise ratio, PSNR = 10·log10(MAX² / MSE), over all three channels of two
 * same-size images, with MAX = 1: the data range of filterlab's float images. It equals
 * scikit-image's peak_signal_noise_ratio(a, b, data_range=1) on the float pixels, and its
 * data_range=255 value on the 8-bit encodings up to quantisation. Pixels are compared as they
 * are, without clamping to [0, 1].
 */

export interface PsnrResult {
  /**
   * In decibels; Infinity for identical images. JSON has no Infinity (JSON.stringify writes
   * null), so a stored result keeps `mse` beside it: mse 0 says "identical".
   */
  psnr: number;
  /** Mean squared error per channel sample, on the [0, 1] scale. */
  mse: number;
}

export function psnr(a: Image, b: Image): PsnrResult {
  if (!sameSize(a, b)) {
    throw invalidArgument(
      `an image of ${a.width}x${a.height} like a`,
      'b',
      `${b.width}x${b.height}`,
    );
  }
  const x = a.data;
  const y = b.data;
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i]! - y[i]!;
    sum += d * d;
  }
  const mse = sum / x.length;
  return { psnr: mse === 0 ? Infinity : 10 * Math.log10(1 / mse), mse };
}
