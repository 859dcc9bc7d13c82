import { z } from 'zod';
import { blurImage } from '../image/blur.js';
import { defineStep } from './step.js';

export const BlurOptionsSchema = z.strictObject({
  /** Gaussian sigma in pixels of a 1024 px long side; scaled with the image so looks hold across sizes. */
  sigma: z.number().min(0).max(200),
  /** Set false to use `sigma` in pixels of the actual image. */
  relative: z.boolean().default(true),
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

export const blurStep = defineStep({
  type: 'blur',
  summary: 'Gaussian blur',
  options: BlurOptionsSchema,
  produces: 'image',
  prepare: () => ({
    run: ({ input, options }) => ({
      kind: 'image',
      image: blurImage(
        input,
        scaledSigma(options.sigma, options.relative, input.width, input.height),
      ),
    }),
  }),
});
