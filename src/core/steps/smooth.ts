import { z } from 'zod';
import { guidedFilter } from '../image/guided-filter.js';
import { scaledSigma } from './blur.js';
import { defineStep } from './step.js';

export const SmoothOptionsSchema = z.strictObject({
  /** Window radius in pixels of a 1024 px long side (scaled with the image, like blur's sigma). */
  radius: z.number().min(0).max(100).default(8),
  /** Set false to use `radius` in pixels of the actual image. */
  relative: z.boolean().default(true),
  /**
   * Contrast (a standard deviation of [0, 1] pixel values) below which detail is smoothed away;
   * edges much stronger than it are kept. 0.04 removes skin texture and keeps eyes and hair.
   */
  threshold: z.number().min(0.001).max(1).default(0.04),
});

/** Edge-preserving smoothing (guided filter): flattens fine texture, keeps edges. */
export const smoothStep = defineStep({
  type: 'smooth',
  summary: 'Edge-preserving smoothing (guided filter): flattens fine texture, keeps strong edges',
  options: SmoothOptionsSchema,
  produces: 'image',
  prepare: () => ({
    run: ({ input, options }) => {
      const r = scaledSigma(options.radius, options.relative, input.width, input.height);
      const radius = options.radius > 0 ? Math.max(1, Math.round(r)) : 0;
      return { kind: 'image', image: guidedFilter(input, radius, options.threshold ** 2) };
    },
  }),
});
