import { z } from 'zod';
import type { Image } from '../image/image.js';
import { cropImage, fitSize, resizeImage } from '../image/resize.js';
import { defineStep } from './step.js';

const kernel = z.enum(['nearest', 'bilinear', 'bicubic', 'lanczos3']).default('lanczos3');

export const ResizeOptionsSchema = z
  .strictObject({
    width: z.number().int().positive().max(16384).optional(),
    height: z.number().int().positive().max(16384).optional(),
    /** Shorthand: fit the long side to this many pixels. */
    maxSide: z.number().int().positive().max(16384).optional(),
    /** inside: fit within, keep aspect; cover: fill and crop the overflow; fill: stretch. */
    fit: z.enum(['inside', 'cover', 'fill']).default('inside'),
    /** Allow making the image bigger. */
    upscale: z.boolean().default(false),
    kernel,
  })
  .refine((o) => o.width || o.height || o.maxSide, { message: 'give width, height or maxSide' });
export type ResizeOptions = z.infer<typeof ResizeOptionsSchema>;

export function resizeTo(image: Image, o: ResizeOptions): Image {
  const { width: w, height: h } = image;
  if (o.maxSide) {
    const size = fitSize(w, h, o.maxSide, o.maxSide, o.upscale);
    return size.width === w && size.height === h
      ? image
      : resizeImage(image, size.width, size.height, o.kernel);
  }
  const tw = o.width ?? Math.round((w * o.height!) / h);
  const th = o.height ?? Math.round((h * o.width!) / w);
  if (o.fit === 'fill') return resizeImage(image, tw, th, o.kernel);
  if (o.fit === 'inside') {
    const size = fitSize(w, h, tw, th, o.upscale);
    return size.width === w && size.height === h
      ? image
      : resizeImage(image, size.width, size.height, o.kernel);
  }
  const scale = Math.max(tw / w, th / h);
  const sw = Math.max(tw, Math.round(w * scale));
  const sh = Math.max(th, Math.round(h * scale));
  const scaled = resizeImage(image, sw, sh, o.kernel);
  return cropImage(scaled, Math.floor((sw - tw) / 2), Math.floor((sh - th) / 2), tw, th);
}

export const resizeStep = defineStep({
  type: 'resize',
  summary: 'Resize: fit inside, cover (fill and crop) or stretch to a size, or cap the long side',
  options: ResizeOptionsSchema,
  produces: 'image',
  prepare: () => ({
    run: ({ input, options }) => ({ kind: 'image', image: resizeTo(input, options) }),
  }),
});
