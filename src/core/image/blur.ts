import { invalidArgument } from '../errors.js';
import type { Image, Mask } from './image.js';

/** Above this sigma a true kernel gets slow; three box passes approximate it within ~3%. */
const EXACT_SIGMA_LIMIT = 4;

/**
 * Gaussian blur of interleaved float pixels (`channels` per pixel) with edge clamping.
 * Small sigmas use an exact separable kernel (radius ceil(3 sigma)); large ones use three
 * box blurs whose sizes match the variance (Kovesi, "Fast almost-Gaussian filtering", 2010),
 * which costs the same for any sigma.
 */
export function gaussianBlur(
  data: Float32Array,
  channels: number,
  width: number,
  height: number,
  sigma: number,
): Float32Array {
  if (!(sigma >= 0) || !Number.isFinite(sigma))
    throw invalidArgument('non-negative number', 'sigma', sigma);
  if (sigma < 0.3) return data.slice();
  if (sigma <= EXACT_SIGMA_LIMIT) {
    const kernel = gaussianKernel(sigma);
    const tmp = convolveRows(data, channels, width, height, kernel);
    return convolveColumns(tmp, channels, width, height, kernel);
  }
  let out = data;
  for (const size of boxSizes(sigma, 3)) {
    const r = (size - 1) / 2;
    out = boxColumns(boxRows(out, channels, width, height, r), channels, width, height, r);
  }
  return out === data ? data.slice() : out;
}

export function blurImage(image: Image, sigma: number): Image {
  return {
    width: image.width,
    height: image.height,
    data: gaussianBlur(image.data, 3, image.width, image.height, sigma),
  };
}

export function blurMask(mask: Mask, sigma: number): Mask {
  return {
    width: mask.width,
    height: mask.height,
    data: gaussianBlur(mask.data, 1, mask.width, mask.height, sigma),
  };
}

function gaussianKernel(sigma: number): Float32Array {
  const radius = Math.ceil(3 * sigma);
  const k = new Float32Array(radius * 2 + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const w = Math.exp((-i * i) / (2 * sigma * sigma));
    k[i + radius] = w;
    sum += w;
  }
  for (let i = 0; i < k.length; i++) k[i]! /= sum;
  return k;
}

function boxSizes(sigma: number, n: number): number[] {
  const ideal = Math.sqrt((12 * sigma * sigma) / n + 1);
  let lower = Math.floor(ideal);
  if (lower % 2 === 0) lower--;
  const upper = lower + 2;
  const m = Math.round(
    (12 * sigma * sigma - n * lower * lower - 4 * n * lower - 3 * n) / (-4 * lower - 4),
  );
  return Array.from({ length: n }, (_, i) => (i < m ? lower : upper));
}

function convolveRows(
  src: Float32Array,
  c: number,
  w: number,
  h: number,
  k: Float32Array,
): Float32Array {
  const out = new Float32Array(src.length);
  const r = (k.length - 1) / 2;
  // One row at a time, copied with r clamped pixels on each side, so the inner loop has no branches.
  const padded = new Float32Array((w + 2 * r) * c);
  for (let y = 0; y < h; y++) {
    const row = y * w * c;
    padded.set(src.subarray(row, row + w * c), r * c);
    for (let i = 0; i < r; i++) {
      for (let ch = 0; ch < c; ch++) {
        padded[i * c + ch] = src[row + ch]!;
        padded[(r + w + i) * c + ch] = src[row + (w - 1) * c + ch]!;
      }
    }
    for (let x = 0; x < w; x++) {
      for (let ch = 0; ch < c; ch++) {
        let acc = 0;
        let idx = x * c + ch;
        for (let i = 0; i < k.length; i++, idx += c) acc += padded[idx]! * k[i]!;
        out[row + x * c + ch] = acc;
      }
    }
  }
  return out;
}

function convolveColumns(
  src: Float32Array,
  c: number,
  w: number,
  h: number,
  k: Float32Array,
): Float32Array {
  const out = new Float32Array(src.length);
  const r = (k.length - 1) / 2;
  const rowLen = w * c;
  for (let y = 0; y < h; y++) {
    const o = y * rowLen;
    for (let i = -r; i <= r; i++) {
      const yy = y + i < 0 ? 0 : y + i >= h ? h - 1 : y + i;
      const wgt = k[i + r]!;
      const s = yy * rowLen;
      for (let j = 0; j < rowLen; j++) out[o + j]! += src[s + j]! * wgt;
    }
  }
  return out;
}

/** Running-sum box blur along rows, radius r, edges clamped. */
function boxRows(src: Float32Array, c: number, w: number, h: number, r: number): Float32Array {
  const out = new Float32Array(src.length);
  const norm = 1 / (2 * r + 1);
  for (let y = 0; y < h; y++) {
    const row = y * w * c;
    for (let ch = 0; ch < c; ch++) {
      const first = src[row + ch]!;
      const last = src[row + (w - 1) * c + ch]!;
      const at = (x: number) => (x < 0 ? first : x >= w ? last : src[row + x * c + ch]!);
      let acc = 0;
      for (let x = -r; x <= r; x++) acc += at(x);
      for (let x = 0; x < w; x++) {
        out[row + x * c + ch] = acc * norm;
        const add = x + r + 1;
        const sub = x - r;
        acc +=
          (add < w ? src[row + add * c + ch]! : last) -
          (sub >= 0 ? src[row + sub * c + ch]! : first);
      }
    }
  }
  return out;
}

function boxColumns(src: Float32Array, c: number, w: number, h: number, r: number): Float32Array {
  const out = new Float32Array(src.length);
  const rowLen = w * c;
  const norm = 1 / (2 * r + 1);
  const acc = new Float64Array(rowLen);
  const rowAt = (y: number) => (y < 0 ? 0 : y >= h ? h - 1 : y) * rowLen;
  for (let y = -r; y <= r; y++) {
    const s = rowAt(y);
    for (let j = 0; j < rowLen; j++) acc[j]! += src[s + j]!;
  }
  for (let y = 0; y < h; y++) {
    const o = y * rowLen;
    const add = rowAt(y + r + 1);
    const sub = rowAt(y - r);
    for (let j = 0; j < rowLen; j++) {
      out[o + j] = acc[j]! * norm;
      acc[j]! += src[add + j]! - src[sub + j]!;
    }
  }
  return out;
}
