import { invalidArgument } from '../../core/errors.js';
import { sameSize, type Image } from '../../core/image/image.js';
import { imageLuma } from './color.js';

/**
 * Structural similarity (Z. Wang, A. C. Bovik, H. R. Sheikh, E. P. Simoncelli, "Image quality
 * assessment: from error visibility to structural similarity", IEEE TIP 13(4), 2004), computed
 * exactly as scikit-image's `structural_similarity(im1, im2, gaussian_weights=True, sigma=1.5,
 * use_sample_covariance=False, data_range=255)` in skimage/metrics/_structural_similarity.py
 * (releases 0.19-0.25):
 *
 * - local means, variances and covariance come from scipy.ndimage.gaussian_filter with
 *   truncate = 3.5, i.e. a normalised kernel exp(-x²/2σ²) of radius int(3.5σ + 0.5) = 5 taps each
 *   side for σ = 1.5 (an 11×11 window), boundary mode 'reflect' (d c b a | a b c d);
 * - population (co)variances: E[xy] − E[x]E[y];
 * - C1 = (K1·L)², C2 = (K2·L)² with K1 = 0.01, K2 = 0.03, L = data range;
 * - the mean SSIM is taken over the map with (win_size − 1)/2 pixels cropped from every border,
 *   so it never depends on the boundary mode — only the edges of the optional full map do.
 *
 * Colour images are compared on their BT.601 luma on the 0-255 scale (data range 255).
 */

export interface SsimOptions {
  /** Also return the full SSIM map (width × height, reflect boundary, like skimage's full=True). Default false. */
  map?: boolean;
  /** Standard deviation of the Gaussian window in pixels. Default 1.5 (an 11-tap window). */
  sigma?: number;
  /** Luminance stabiliser K1. Default 0.01. */
  k1?: number;
  /** Contrast stabiliser K2. Default 0.03. */
  k2?: number;
}

export interface SsimLumaOptions extends SsimOptions {
  /** Difference between the largest and smallest possible sample value. Default 255. */
  dataRange?: number;
}

export interface SsimResult {
  /** Mean SSIM over the map with the window radius cropped from each border; 1 for identical images. */
  ssim: number;
  /** Per-pixel SSIM, row-major, present when `map: true` was asked for. */
  map?: Float32Array;
}

/** SSIM between two same-size images, on their BT.601 luma (data range 255). */
export function ssim(a: Image, b: Image, options: SsimOptions = {}): SsimResult {
  if (!sameSize(a, b)) {
    const expected = `an image of ${a.width}x${a.height} like a`;
    throw invalidArgument(expected, 'b', `${b.width}x${b.height}`);
  }
  return ssimLuma(imageLuma(a), imageLuma(b), a.width, a.height, options);
}

/** SSIM between two single-channel images given as row-major samples. */
export function ssimLuma(
  x: Float64Array,
  y: Float64Array,
  width: number,
  height: number,
  options: SsimLumaOptions = {},
): SsimResult {
  const { map = false, sigma = 1.5, k1 = 0.01, k2 = 0.03, dataRange = 255 } = options;
  if (!(sigma > 0)) throw invalidArgument('a positive number', 'sigma', sigma);
  if (!(k1 >= 0)) throw invalidArgument('a number >= 0', 'k1', k1);
  if (!(k2 >= 0)) throw invalidArgument('a number >= 0', 'k2', k2);
  if (!(dataRange > 0)) throw invalidArgument('a positive number', 'dataRange', dataRange);
  if (x.length !== width * height) throw invalidArgument(`${width * height} samples`, 'x', x);
  if (y.length !== x.length) throw invalidArgument(`${x.length} samples like x`, 'y', y);

  const kernel = gaussianKernel(sigma);
  const radius = kernel.length - 1;
  const window = 2 * radius + 1;
  if (width < window || height < window) {
    throw invalidArgument(
      `an image at least ${window}x${window} for sigma ${sigma}`,
      'size',
      `${width}x${height}`,
    );
  }
  const c1 = (k1 * dataRange) ** 2;
  const c2 = (k2 * dataRange) ** 2;

  if (!map) {
    // The cropped mean needs only the windows that fit inside the image: a 'valid' filter.
    const sum = ssimValid(x, y, width, height, kernel, c1, c2, undefined, 0);
    return { ssim: sum / ((width - 2 * radius) * (height - 2 * radius)) };
  }
  const padW = width + 2 * radius;
  const padH = height + 2 * radius;
  const out = new Float32Array(width * height);
  const sum = ssimValid(
    reflectPad(x, width, height, radius),
    reflectPad(y, width, height, radius),
    padW,
    padH,
    kernel,
    c1,
    c2,
    out,
    radius,
  );
  return { ssim: sum / ((width - 2 * radius) * (height - 2 * radius)), map: out };
}

/**
 * One half of scipy's Gaussian kernel: kernel[j] is the normalised weight at offset ±j, radius
 * int(truncate·σ + 0.5) with skimage's truncate = 3.5 (scipy.ndimage._filters._gaussian_kernel1d).
 */
export function gaussianKernel(sigma: number, truncate = 3.5): Float64Array {
  const radius = Math.trunc(truncate * sigma + 0.5);
  const half = new Float64Array(radius + 1);
  let total = 0;
  for (let j = 0; j <= radius; j++) {
    half[j] = Math.exp((-0.5 / (sigma * sigma)) * j * j);
    total += j === 0 ? half[j]! : 2 * half[j]!;
  }
  for (let j = 0; j <= radius; j++) half[j]! /= total;
  return half;
}

/** scipy.ndimage mode 'reflect' padding (the edge sample repeats: d c b a | a b c d). */
function reflectPad(
  src: Float64Array,
  width: number,
  height: number,
  radius: number,
): Float64Array {
  const padW = width + 2 * radius;
  const out = new Float64Array(padW * (height + 2 * radius));
  const reflect = (i: number, n: number): number => (i < 0 ? -i - 1 : i >= n ? 2 * n - i - 1 : i);
  for (let py = 0; py < height + 2 * radius; py++) {
    const row = reflect(py - radius, height) * width;
    const base = py * padW;
    for (let px = 0; px < padW; px++) out[base + px] = src[row + reflect(px - radius, width)]!;
  }
  return out;
}

/**
 * Gaussian-weighted moments over every window that fits inside the width × height input, and
 * the SSIM of each: returns the sum of SSIM over outputs at least `crop` from the output border,
 * writing every output to `map` when given.
 *
 * The filter is separable and symmetric. Horizontal passes fill a ring of 2r+1 rows of the five
 * moments (x, y, x², y², xy); each output row then sums those rows vertically. Working memory is
 * 5·(2r+1) rows, and nothing is allocated per pixel.
 */
function ssimValid(
  x: Float64Array,
  y: Float64Array,
  width: number,
  height: number,
  kernel: Float64Array,
  c1: number,
  c2: number,
  map: Float32Array | undefined,
  crop: number,
): number {
  const radius = kernel.length - 1;
  const rows = 2 * radius + 1;
  const outW = width - 2 * radius;
  const outH = height - 2 * radius;
  const ring = new Float64Array(5 * rows * outW);
  const plane = rows * outW;
  const slot = new Int32Array(rows);
  let filled = 0;
  let sum = 0;

  for (let oy = 0; oy < outH; oy++) {
    while (filled < oy + rows) {
      horizontalMoments(x, y, filled * width, width, kernel, ring, (filled % rows) * outW, plane);
      filled++;
    }
    for (let t = 0; t < rows; t++) slot[t] = ((oy + t) % rows) * outW;
    const inside = oy >= crop && oy < outH - crop;
    sum += verticalSsim(
      ring,
      slot,
      outW,
      plane,
      kernel,
      c1,
      c2,
      map,
      oy * outW,
      inside ? crop : -1,
    );
  }
  return sum;
}

/** Horizontal 'valid' filtering of one input row into the five moment planes of the ring. */
function horizontalMoments(
  x: Float64Array,
  y: Float64Array,
  rowStart: number,
  width: number,
  kernel: Float64Array,
  ring: Float64Array,
  at: number,
  plane: number,
): void {
  const radius = kernel.length - 1;
  const k0 = kernel[0]!;
  const outW = width - 2 * radius;
  for (let o = 0; o < outW; o++) {
    const c = rowStart + o + radius;
    const xc = x[c]!;
    const yc = y[c]!;
    let sx = k0 * xc;
    let sy = k0 * yc;
    let sxx = k0 * xc * xc;
    let syy = k0 * yc * yc;
    let sxy = k0 * xc * yc;
    for (let j = 1; j <= radius; j++) {
      const k = kernel[j]!;
      const xl = x[c - j]!;
      const xr = x[c + j]!;
      const yl = y[c - j]!;
      const yr = y[c + j]!;
      sx += k * (xl + xr);
      sy += k * (yl + yr);
      sxx += k * (xl * xl + xr * xr);
      syy += k * (yl * yl + yr * yr);
      sxy += k * (xl * yl + xr * yr);
    }
    const i = at + o;
    ring[i] = sx;
    ring[i + plane] = sy;
    ring[i + 2 * plane] = sxx;
    ring[i + 3 * plane] = syy;
    ring[i + 4 * plane] = sxy;
  }
}

/**
 * Vertical filtering of the ring into one output row and the SSIM formula per pixel. Returns
 * the sum over columns in [crop, outW − crop), or 0 when crop is −1 (a row outside the crop).
 */
function verticalSsim(
  ring: Float64Array,
  slot: Int32Array,
  outW: number,
  plane: number,
  kernel: Float64Array,
  c1: number,
  c2: number,
  map: Float32Array | undefined,
  mapAt: number,
  crop: number,
): number {
  const radius = kernel.length - 1;
  const k0 = kernel[0]!;
  const centre = slot[radius]!;
  let sum = 0;
  for (let o = 0; o < outW; o++) {
    let i = centre + o;
    let ux = k0 * ring[i]!;
    let uy = k0 * ring[i + plane]!;
    let uxx = k0 * ring[i + 2 * plane]!;
    let uyy = k0 * ring[i + 3 * plane]!;
    let uxy = k0 * ring[i + 4 * plane]!;
    for (let j = 1; j <= radius; j++) {
      const k = kernel[j]!;
      i = slot[radius - j]! + o;
      const l = slot[radius + j]! + o;
      ux += k * (ring[i]! + ring[l]!);
      uy += k * (ring[i + plane]! + ring[l + plane]!);
      uxx += k * (ring[i + 2 * plane]! + ring[l + 2 * plane]!);
      uyy += k * (ring[i + 3 * plane]! + ring[l + 3 * plane]!);
      uxy += k * (ring[i + 4 * plane]! + ring[l + 4 * plane]!);
    }
    const vx = uxx - ux * ux;
    const vy = uyy - uy * uy;
    const vxy = uxy - ux * uy;
    const s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
    if (map) map[mapAt + o] = s;
    if (crop >= 0 && o >= crop && o < outW - crop) sum += s;
  }
  return sum;
}
