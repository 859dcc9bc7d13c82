import { z } from 'zod';
import { gaussianBlur } from '../image/blur.js';
import { luma601 } from '../image/srgb.js';
import { createImage, type Image } from '../image/image.js';
import { scaledSigma } from './blur.js';
import { defineStep } from './step.js';

export const UnsharpOptionsSchema = z.strictObject({
  /** Radius of the detail being sharpened, as a sigma for a 1024 px long side. */
  sigma: z.number().min(0.3).max(20).default(1.2),
  /** How much of the detail to add back: 0 = none, 1 = double. */
  amount: z.number().min(0).max(5).default(0.6),
  /** Differences below this (0..1) are left alone, so flat skin and sky do not get noisy. */
  threshold: z.number().min(0).max(1).default(0.01),
  relative: z.boolean().default(true),
});
export type UnsharpOptions = z.infer<typeof UnsharpOptionsSchema>;

/**
 * Sharpen the luma only: the detail (luma minus its blur) is added to all three channels, so
 * edges get crisper without the colour fringes that sharpening each channel makes, and only one
 * channel is blurred.
 */
export function unsharp(image: Image, o: UnsharpOptions): Image {
  const { width: w, height: h, data: src } = image;
  const luma = new Float32Array(w * h);
  for (let i = 0, p = 0; i < luma.length; i++, p += 3)
    luma[i] = luma601(src[p]!, src[p + 1]!, src[p + 2]!);
  const blurred = gaussianBlur(luma, 1, w, h, scaledSigma(o.sigma, o.relative, w, h));
  const out = createImage(w, h);
  const dst = out.data;
  for (let i = 0, p = 0; i < luma.length; i++, p += 3) {
    const detail = luma[i]! - blurred[i]!;
    const add = Math.abs(detail) < o.threshold ? 0 : o.amount * detail;
    for (let c = p; c < p + 3; c++) {
      const v = src[c]! + add;
      dst[c] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
  return out;
}

export const unsharpStep = defineStep({
  type: 'unsharp',
  summary: 'Unsharp-mask sharpening with a threshold',
  options: UnsharpOptionsSchema,
  produces: 'image',
  prepare: () => ({
    run: ({ input, options }) => ({ kind: 'image', image: unsharp(input, options) }),
  }),
});
