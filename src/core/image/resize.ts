import { invalidArgument } from '../errors.js';
import type { Image, Mask } from './image.js';

export type ResizeKernel = 'nearest' | 'bilinear' | 'bicubic' | 'lanczos3';

interface Kernel {
  support: number;
  weight(x: number): number;
}

const KERNELS: Record<ResizeKernel, Kernel> = {
  nearest: { support: 0.5, weight: (x) => (x >= -0.5 && x < 0.5 ? 1 : 0) },
  bilinear: { support: 1, weight: (x) => Math.max(0, 1 - Math.abs(x)) },
  // Keys cubic with a = -0.5, as in Pillow's BICUBIC.
  bicubic: {
    support: 2,
    weight: (t) => {
      const a = -0.5;
      const x = Math.abs(t);
      if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
      if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
      return 0;
    },
  },
  lanczos3: {
    support: 3,
    weight: (x) => {
      if (x === 0) return 1;
      if (x <= -3 || x >= 3) return 0;
      const px = Math.PI * x;
      return (3 * Math.sin(px) * Math.sin(px / 3)) / (px * px);
    },
  },
};

interface Taps {
  start: Int32Array;
  count: Int32Array;
  /** `stride` weights per output sample, normalised to sum 1. */
  weights: Float32Array;
  stride: number;
}

/**
 * Per-output-sample input ranges and weights; the kernel is widened when shrinking so that
 * downscaling averages (antialiases) instead of skipping pixels. Same scheme as Pillow.
 */
function taps(inSize: number, outSize: number, kernel: Kernel): Taps {
  const scale = inSize / outSize;
  const filterScale = Math.max(1, scale);
  const support = kernel.support * filterScale;
  const stride = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float32Array(outSize * stride);
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const lo = Math.max(0, Math.floor(center - support + 0.5));
    const hi = Math.min(inSize, Math.floor(center + support + 0.5));
    let sum = 0;
    const n = Math.min(hi - lo, stride);
    for (let j = 0; j < n; j++) {
      const w = kernel.weight((lo + j + 0.5 - center) / filterScale);
      weights[i * stride + j] = w;
      sum += w;
    }
    if (sum === 0) {
      // nearest fallback when the window fell between samples
      const nearest = Math.min(inSize - 1, Math.max(0, Math.floor(center)));
      start[i] = nearest;
      count[i] = 1;
      weights[i * stride] = 1;
      continue;
    }
    for (let j = 0; j < n; j++) weights[i * stride + j]! /= sum;
    start[i] = lo;
    count[i] = n;
  }
  return { start, count, weights, stride };
}

/** Resample interleaved float pixels with `channels` values each. */
export function resample(
  data: Float32Array,
  channels: number,
  width: number,
  height: number,
  outWidth: number,
  outHeight: number,
  kernelName: ResizeKernel = 'lanczos3',
): Float32Array {
  if (!Number.isInteger(outWidth) || outWidth <= 0)
    throw invalidArgument('positive integer', 'width', outWidth);
  if (!Number.isInteger(outHeight) || outHeight <= 0)
    throw invalidArgument('positive integer', 'height', outHeight);
  if (outWidth === width && outHeight === height) return data.slice();
  const kernel = KERNELS[kernelName];
  // Horizontal pass: width -> outWidth for every input row.
  const h = taps(width, outWidth, kernel);
  const mid = new Float32Array(outWidth * height * channels);
  for (let y = 0; y < height; y++) {
    const rowIn = y * width * channels;
    const rowOut = y * outWidth * channels;
    for (let x = 0; x < outWidth; x++) {
      const s = h.start[x]!;
      const n = h.count[x]!;
      const wBase = x * h.stride;
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        let idx = rowIn + s * channels + c;
        for (let k = 0; k < n; k++, idx += channels) acc += data[idx]! * h.weights[wBase + k]!;
        mid[rowOut + x * channels + c] = acc;
      }
    }
  }
  // Vertical pass: height -> outHeight.
  const v = taps(height, outHeight, kernel);
  const out = new Float32Array(outWidth * outHeight * channels);
  const rowLen = outWidth * channels;
  for (let y = 0; y < outHeight; y++) {
    const s = v.start[y]!;
    const n = v.count[y]!;
    const wBase = y * v.stride;
    const o = y * rowLen;
    for (let k = 0; k < n; k++) {
      const w = v.weights[wBase + k]!;
      const src = (s + k) * rowLen;
      for (let i = 0; i < rowLen; i++) out[o + i]! += mid[src + i]! * w;
    }
  }
  return out;
}

export function resizeImage(
  image: Image,
  width: number,
  height: number,
  kernel: ResizeKernel = 'lanczos3',
): Image {
  return {
    width,
    height,
    data: resample(image.data, 3, image.width, image.height, width, height, kernel),
  };
}

export function resizeMask(
  mask: Mask,
  width: number,
  height: number,
  kernel: ResizeKernel = 'bilinear',
): Mask {
  const data = resample(mask.data, 1, mask.width, mask.height, width, height, kernel);
  for (let i = 0; i < data.length; i++) data[i] = Math.min(1, Math.max(0, data[i]!));
  return { width, height, data };
}

/** Size that fits inside (maxWidth, maxHeight) keeping the aspect ratio; never upscales unless asked. */
export function fitSize(
  width: number,
  height: number,
  maxWidth: number,
  maxHeight: number,
  allowUpscale = false,
): { width: number; height: number } {
  let scale = Math.min(maxWidth / width, maxHeight / height);
  if (!allowUpscale) scale = Math.min(scale, 1);
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

export function cropImage(
  image: Image,
  left: number,
  top: number,
  width: number,
  height: number,
): Image {
  if (left < 0 || top < 0 || left + width > image.width || top + height > image.height) {
    throw invalidArgument(
      `a crop inside ${image.width}x${image.height}`,
      'crop',
      `${width}x${height} at (${left}, ${top})`,
    );
  }
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const src = ((top + y) * image.width + left) * 3;
    data.set(image.data.subarray(src, src + width * 3), y * width * 3);
  }
  return { width, height, data };
}
