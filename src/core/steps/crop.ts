import { z } from 'zod';
import { invalidArgument } from '../errors.js';
import type { Image } from '../image/image.js';
import { cropImage } from '../image/resize.js';
import { defineStep } from './step.js';

export const CropOptionsSchema = z.strictObject({
  /** Aspect ratio "w:h" (e.g. "4:5") or a number w/h: the largest such crop is taken. */
  aspect: z.union([
    z.string().regex(/^\d+(\.\d+)?:\d+(\.\d+)?$/, 'must look like "4:5"'),
    z.number().positive(),
  ]),
  anchor: z.enum(['center', 'top', 'bottom', 'left', 'right']).default('center'),
});
export type CropOptions = z.infer<typeof CropOptionsSchema>;

export function cropToAspect(image: Image, o: CropOptions): Image {
  const ratio = typeof o.aspect === 'number' ? o.aspect : aspectOf(o.aspect);
  const { width: w, height: h } = image;
  const cw = Math.min(w, Math.round(h * ratio));
  const ch = Math.min(h, Math.round(w / ratio));
  const x = o.anchor === 'left' ? 0 : o.anchor === 'right' ? w - cw : Math.floor((w - cw) / 2);
  const y = o.anchor === 'top' ? 0 : o.anchor === 'bottom' ? h - ch : Math.floor((h - ch) / 2);
  return cw === w && ch === h ? image : cropImage(image, x, y, cw, ch);
}

function aspectOf(text: string): number {
  const [a, b] = text.split(':').map(Number) as [number, number];
  if (!(a > 0 && b > 0)) throw invalidArgument('an aspect like "4:5"', 'aspect', text);
  return a / b;
}

export const cropStep = defineStep({
  type: 'crop',
  summary: 'Crop to an aspect ratio around an anchor',
  options: CropOptionsSchema,
  produces: 'image',
  prepare: () => ({
    run: ({ input, options }) => ({ kind: 'image', image: cropToAspect(input, options) }),
  }),
});
