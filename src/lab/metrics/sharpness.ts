import type { Image } from '../../core/image/image.js';
import { imageLuma } from './color.js';

/**
 * Sharpness as the variance of the Laplacian (J. L. Pech-Pacheco et al., "Diatom autofocusing
 * in brightfield microscopy: a comparative study", ICPR 2000), the focus measure usually
 * written `cv2.Laplacian(gray, cv2.CV_64F).var()`: OpenCV's Laplacian with ksize 1 is the
 * 3×3 kernel [0 1 0; 1 −4 1; 0 1 0] with its default border BORDER_REFLECT_101 (gfedcb|abcdefgh|
 * gfedcba, the edge sample not repeated), and numpy's var() is the population variance.
 *
 * The gray image is the unrounded BT.601 luma on the 0-255 scale, so values match OpenCV's on
 * the same luma up to the rounding that cvtColor applies to 8-bit output. Higher is sharper;
 * the value depends on content and resolution, so compare an output with its own input.
 */
export function sharpness(image: Image): number {
  return laplacianVariance(imageLuma(image), image.width, image.height);
}

/** Population variance of the 5-point Laplacian of a row-major single-channel image. */
export function laplacianVariance(gray: Float64Array, width: number, height: number): number {
  let sum = 0;
  let sumSq = 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const up = reflect101(y - 1, height) * width;
    const down = reflect101(y + 1, height) * width;
    for (let x = 0; x < width; x++) {
      const left = x > 0 ? x - 1 : reflect101(-1, width);
      const right = x < width - 1 ? x + 1 : reflect101(width, width);
      const v =
        gray[up + x]! +
        gray[down + x]! +
        gray[row + left]! +
        gray[row + right]! -
        4 * gray[row + x]!;
      sum += v;
      sumSq += v * v;
    }
  }
  const n = width * height;
  const mean = sum / n;
  return Math.max(0, sumSq / n - mean * mean);
}

/** OpenCV's borderInterpolate for BORDER_REFLECT_101 (one sample: itself). */
function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  if (i < 0) return -i;
  if (i >= n) return 2 * n - 2 - i;
  return i;
}
