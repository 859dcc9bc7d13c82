import { z } from 'zod';
import { blurImage, gaussianBlur } from '../image/blur.js';
import { sameSize, type Image, type Mask } from '../image/image.js';
import { resizeMask } from '../image/resize.js';
import { defineStep } from './step.js';

export const BlurOptionsSchema = z.strictObject({
  /** Gaussian sigma in pixels of a 1024 px long side; scaled with the image so looks hold across sizes. */
  sigma: z.number().min(0).max(200),
  /** Set false to use `sigma` in pixels of the actual image. */
  relative: z.boolean().default(true),
  /**
   * Mask value whose pixels (where it is 1) must not spread into the blur: e.g. the person when
   * blurring the background, which would otherwise pick up a halo of their colours.
   */
  exclude: z.string().min(1).optional(),
});

/** Convert a sigma given for a 1024 px long side to this image's pixels. */
export function scaledSigma(
  sigma: number,
  relative: boolean,
  width: number,
  height: number,
): number {
  return relative ? (sigma * Math.max(width, height)) / 1024 : sigma;
}

/**
 * Blur only from the pixels outside `exclude` (normalised convolution: blur(image * w) /
 * blur(w) with w = 1 - exclude). Where no kept pixel is within reach, the input stays.
 */
export function blurExcluding(image: Image, exclude: Mask, sigma: number): Image {
  const { width: w, height: h } = image;
  const m = sameSize(exclude, image) ? exclude : resizeMask(exclude, w, h);
  const n = w * h;
  const weighted = new Float32Array(n * 3);
  const weights = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const k = 1 - m.data[i]!;
    weights[i] = k;
    for (let c = 0; c < 3; c++) weighted[i * 3 + c] = image.data[i * 3 + c]! * k;
  }
  const num = gaussianBlur(weighted, 3, w, h, sigma);
  const den = gaussianBlur(weights, 1, w, h, sigma);
  const out = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const d = den[i]!;
    for (let c = 0; c < 3; c++)
      out[i * 3 + c] = d > 1e-3 ? num[i * 3 + c]! / d : image.data[i * 3 + c]!;
  }
  return { width: w, height: h, data: out };
}

export const blurStep = defineStep({
  type: 'blur',
  summary: 'Gaussian blur',
  options: BlurOptionsSchema,
  produces: 'image',
  reads: (o) => (o.exclude ? [{ name: o.exclude, kind: 'mask' }] : []),
  prepare: () => ({
    run: ({ input, options, values }) => {
      const sigma = scaledSigma(options.sigma, options.relative, input.width, input.height);
      return {
        kind: 'image',
        image: options.exclude
          ? blurExcluding(input, values.mask(options.exclude), sigma)
          : blurImage(input, sigma),
      };
    },
  }),
});
