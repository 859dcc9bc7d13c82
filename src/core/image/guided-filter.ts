import { invalidArgument } from '../errors.js';
import type { Image } from './image.js';

/**
 * Edge-preserving smoothing: the guided filter of He, Sun and Tang ("Guided Image Filtering",
 * ECCV 2010 / TPAMI 2013), each channel guided by itself. In a window where the channel varies
 * less than sqrt(eps) it is replaced by its local mean; across stronger edges it is kept. Cost
 * is O(pixels) for any radius (box filters by running sums).
 *
 * @param radius window radius in pixels (window side 2r + 1)
 * @param eps regularisation: variances well below it are smoothed, well above it kept
 */
export function guidedFilter(image: Image, radius: number, eps: number): Image {
  if (!Number.isInteger(radius) || radius < 0)
    throw invalidArgument('non-negative integer', 'radius', radius);
  if (!(eps > 0) || !Number.isFinite(eps)) throw invalidArgument('positive number', 'eps', eps);
  const { width: w, height: h, data } = image;
  const out = new Float32Array(data.length);
  if (radius === 0) return { width: w, height: h, data: data.slice() };
  const n = w * h;
  const p = new Float32Array(n);
  const pp = new Float32Array(n);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < n; i++) {
      const v = data[i * 3 + c]!;
      p[i] = v;
      pp[i] = v * v;
    }
    const mean = boxMean(p, w, h, radius);
    const meanSq = boxMean(pp, w, h, radius);
    // Reuse the buffers: mean becomes a, meanSq becomes b.
    for (let i = 0; i < n; i++) {
      const m = mean[i]!;
      const variance = Math.max(0, meanSq[i]! - m * m);
      const a = variance / (variance + eps);
      mean[i] = a;
      meanSq[i] = m - a * m;
    }
    const meanA = boxMean(mean, w, h, radius);
    const meanB = boxMean(meanSq, w, h, radius);
    for (let i = 0; i < n; i++) out[i * 3 + c] = meanA[i]! * p[i]! + meanB[i]!;
  }
  return { width: w, height: h, data: out };
}

/** Mean over the (2r+1)^2 window clipped to the image, by running sums along rows then columns. */
export function boxMean(src: Float32Array, w: number, h: number, r: number): Float32Array {
  const rows = new Float32Array(src.length);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let sum = 0;
    for (let x = 0; x <= Math.min(r, w - 1); x++) sum += src[row + x]!;
    for (let x = 0; x < w; x++) {
      const lo = x - r;
      const hi = x + r;
      rows[row + x] = sum / (Math.min(w - 1, hi) - Math.max(0, lo) + 1);
      if (hi + 1 < w) sum += src[row + hi + 1]!;
      if (lo >= 0) sum -= src[row + lo]!;
    }
  }
  const out = new Float32Array(src.length);
  const sums = new Float64Array(w);
  for (let y = 0; y <= Math.min(r, h - 1); y++) {
    for (let x = 0; x < w; x++) sums[x]! += rows[y * w + x]!;
  }
  for (let y = 0; y < h; y++) {
    const count = Math.min(h - 1, y + r) - Math.max(0, y - r) + 1;
    const next = y + r + 1;
    const prev = y - r;
    for (let x = 0; x < w; x++) {
      out[y * w + x] = sums[x]! / count;
      if (next < h) sums[x]! += rows[next * w + x]!;
      if (prev >= 0) sums[x]! -= rows[prev * w + x]!;
    }
  }
  return out;
}
