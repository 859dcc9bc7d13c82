import { z } from 'zod';
import { blurImage } from '../image/blur.js';
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

export function unsharp(image: Image, o: UnsharpOptions): Image {
  const blurred = blurImage(image, scaledSigma(o.sigma, o.relative, image.width, image.height));
  const out = createImage(image.width, image.height);
  for (let i = 0; i < out.data.length; i++) {
    const v = image.data[i]!;
    const detail = v - blurred.data[i]!;
    const s = Math.abs(detail) < o.threshold ? v : v + o.amount * detail;
    out.data[i] = s < 0 ? 0 : s > 1 ? 1 : s;
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
