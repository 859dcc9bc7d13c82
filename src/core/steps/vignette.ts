import { z } from 'zod';
import { createImage, type Image } from '../image/image.js';
import { defineStep } from './step.js';

export const VignetteOptionsSchema = z.strictObject({
  /** -1 lightens the corners, 1 darkens them fully. */
  amount: z.number().min(-1).max(1).default(0.3),
  /** Where the falloff starts, as a fraction of the half-diagonal. */
  radius: z.number().min(0).max(1.5).default(0.6),
  /** Width of the falloff, as a fraction of the half-diagonal. */
  softness: z.number().min(0.01).max(2).default(0.6),
});
export type VignetteOptions = z.infer<typeof VignetteOptionsSchema>;

export function vignette(image: Image, o: VignetteOptions): Image {
  const { width: w, height: h } = image;
  const out = createImage(w, h);
  const cx = w / 2;
  const cy = h / 2;
  const half = Math.hypot(cx, cy);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      const r = Math.sqrt(dx * dx + dy * dy) / half;
      const t = Math.min(1, Math.max(0, (r - o.radius) / o.softness));
      const falloff = t * t * (3 - 2 * t);
      const i = (y * w + x) * 3;
      for (let c = 0; c < 3; c++) {
        const v = image.data[i + c]!;
        out.data[i + c] =
          o.amount >= 0 ? v * (1 - o.amount * falloff) : v + (1 - v) * -o.amount * falloff;
      }
    }
  }
  return out;
}

export const vignetteStep = defineStep({
  type: 'vignette',
  summary: 'Darken (or lighten) the corners with a smooth radial falloff',
  options: VignetteOptionsSchema,
  produces: 'image',
  prepare: () => ({
    run: ({ input, options }) => ({ kind: 'image', image: vignette(input, options) }),
  }),
});
